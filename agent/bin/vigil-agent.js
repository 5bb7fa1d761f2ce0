#!/usr/bin/env -S node --max-semi-space-size=1 --no-opt --no-maglev --memory-reducer-single-gc --gc-memory-reducer-start-delay-ms=3000 --no-short-builtin-calls
// Launcher for the compiled agent (npm runs `tsc --build` and the bundling on install via the root `prepare` script).
//
// Memory: the agent's per-tick work is small and short-lived, so V8's optimising compilers (TurboFan, Maglev) buy
// nothing measurable but cost about 6 MiB of resident memory and some CPU; the interpreter and the baseline compiler
// suffice (bench/agent-footprint.mjs). V8's memory reducer collects the old generation 8 s after start-up (and when
// the agent goes idle after a full collection) to hand memory back: three full collections in a row by default, which
// cost the agent as much CPU as 10-20 s of ticks; the first returns most of the memory (issue 14, docs/agent.md
// Footprint, eighth pass). That collection comes 3 s after start instead of V8's 8 s: it is start-up's garbage either
// way, and the ticks from 5 s on no longer carry it (fifteenth pass). The 1 MiB young generation lowers the start-up peak.
//
// --no-short-builtin-calls stops V8 from mapping its builtins a second time next to the generated code: about 1 MiB of
// resident pages, no CPU difference measured (thirteenth pass). Set later than node's command line it changes nothing.
//
// These flags are on the first line, and on node's command line wherever the repository starts the agent (the
// systemd unit's ExecStart, the image's ENTRYPOINT; NODE_OPTIONS refuses the V8 ones). Started without them
// (`node bin/vigil-agent.js`), the launcher sets the V8 flags itself before any agent code loads, which costs loading
// `node:v8` (0.35 MiB of resident memory, eleventh pass); the young generation's size and the builtins' second mapping
// can only be set at start.
//
// It runs the agent bundled into one module (scripts/bundle.mjs: less memory and start-up work than ~90 modules),
// unless that bundle is older than the last compilation of the agent or of its proto package (`tsc --build` without
// `npm run build`): then the compiled modules themselves, so the code that runs is always the code compiled last.
import { statSync } from 'node:fs';

const missing = ['--no-opt', '--no-maglev', '--memory-reducer-single-gc', '--gc-memory-reducer-start-delay-ms=3000'].filter((flag) => !process.execArgv.includes(flag));
if (missing.length > 0) {
  const { setFlagsFromString } = process.getBuiltinModule('node:v8');
  for (const flag of missing) setFlagsFromString(flag);
}

const modifiedMs = (path) => statSync(new URL(path, import.meta.url), { throwIfNoEntry: false })?.mtimeMs ?? -1;
const compiledMs = Math.max(modifiedMs('../dist/.tsbuildinfo'), modifiedMs('../../proto/dist/.tsbuildinfo'));
const bundled = modifiedMs('../dist/vigil-agent.bundle.js') >= compiledMs;
const { main } = await import(bundled ? '../dist/vigil-agent.bundle.js' : '../dist/main.js');

process.exit(await main(process.argv.slice(2), process.env));
