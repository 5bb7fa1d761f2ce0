// Bundles the compiled agent (dist/main.js and everything it imports but systeminformation) into one ES module,
// dist/vigil-agent.bundle.js, which bin/vigil-agent.js runs. One script instead of about 90 modules and a CommonJS
// package (yaml, here as its ES module build) costs the running agent less memory and start-up CPU
// (docs/agent.md, Footprint). systeminformation stays a package, imported only off Linux.
// Run after `tsc --build` (the root `npm run build` does both).
import { build } from 'esbuild';
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const agent = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(agent, 'package.json'));
const yamlModule = join(dirname(require.resolve('yaml/package.json')), 'browser/index.js');
const outfile = join(agent, 'dist/vigil-agent.bundle.js');

await build({
  entryPoints: [join(agent, 'dist/main.js')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['systeminformation'],
  // yaml's ES module build (the package gives Node its CommonJS one): no CommonJS loader, and only what is used.
  alias: { yaml: yamlModule },
  legalComments: 'none',
  // Whitespace and syntax only (names stay as written, for stack traces): the source V8 keeps for the agent's whole
  // life is 30 % smaller, and parsing it at start-up costs less memory (issue 14, docs/agent.md Footprint, eleventh pass).
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
});
console.log(`bundled ${outfile} (${Math.round(statSync(outfile).size / 1024)} KiB)`);
