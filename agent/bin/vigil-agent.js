#!/usr/bin/env -S node --max-semi-space-size=1
// Launcher for the compiled agent (npm runs `tsc --build` and the bundling on install via the root `prepare` script).
//
// Memory: the agent's per-tick work is small and short-lived, so V8's optimising compilers (TurboFan, Maglev) buy
// nothing measurable but cost about 6 MiB of resident memory and some CPU; the interpreter and the baseline compiler
// suffice (bench/agent-footprint.mjs). They are switched off here, before any agent code loads, so that this holds
// however the agent is started (`npx vigil-agent`, `node bin/vigil-agent.js`, systemd, Docker). The shebang's 1 MiB
// young generation also lowers the start-up peak; it only applies when this file is executed directly.
//
// It runs the agent bundled into one module (scripts/bundle.mjs: less memory and start-up work than ~90 modules),
// unless that bundle is older than the last compilation of the agent or of its proto package (`tsc --build` without
// `npm run build`): then the compiled modules themselves, so the code that runs is always the code compiled last.
import { statSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--no-opt');
setFlagsFromString('--no-maglev');
// V8's memory reducer collects the old generation 8 s after start-up (and when the agent goes idle after a full
// collection) to hand memory back: three full collections in a row by default, which cost the agent as much CPU as
// 10-20 s of ticks; the first returns most of the memory (issue 14, docs/agent.md Footprint, eighth pass).
setFlagsFromString('--memory-reducer-single-gc');

const modifiedMs = (path) => statSync(new URL(path, import.meta.url), { throwIfNoEntry: false })?.mtimeMs ?? -1;
const compiledMs = Math.max(modifiedMs('../dist/.tsbuildinfo'), modifiedMs('../../proto/dist/.tsbuildinfo'));
const bundled = modifiedMs('../dist/vigil-agent.bundle.js') >= compiledMs;
const { main } = await import(bundled ? '../dist/vigil-agent.bundle.js' : '../dist/main.js');

process.exit(await main(process.argv.slice(2), process.env));
