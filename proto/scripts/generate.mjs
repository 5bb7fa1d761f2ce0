// Generates the static protobufjs modules and their TypeScript declarations: vigil/v1/*.proto (the
// agent wire contract) and receivers/*.proto (what the collector's HTTP receivers decode).
// Output goes to src/generated (read by tests through the source alias) and dist/generated
// (read by the compiled packages). Never edit the output by hand.
import { execFileSync } from 'node:child_process';
import { mkdirSync, copyFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const cliDir = dirname(require.resolve('protobufjs-cli/package.json'));
const protos = readdirSync(join(root, 'vigil/v1')).filter((f) => f.endsWith('.proto')).map((f) => join(root, 'vigil/v1', f));
const outDir = join(root, 'src/generated');
const distDir = join(root, 'dist/generated');
mkdirSync(outDir, { recursive: true });
mkdirSync(distDir, { recursive: true });

function generate(name, root, files) {
  const js = join(outDir, `${name}.js`);
  const dts = join(outDir, `${name}.d.ts`);
  // --force-number: int64 fields (timestamps in ms) decode to plain numbers, exact up to 2^53.
  execFileSync(process.execPath, [join(cliDir, 'bin/pbjs'), '-t', 'static-module', '-w', 'es6', '-r', root, '--force-number', '--no-delimited', '--no-verify', '--no-convert', '-o', js, ...files], { stdio: 'inherit' });
  execFileSync(process.execPath, [join(cliDir, 'bin/pbts'), '-o', dts, js], { stdio: 'inherit' });
  for (const f of [`${name}.js`, `${name}.d.ts`]) copyFileSync(join(outDir, f), join(distDir, f));
  console.log(`generated ${js}`);
}

generate('telemetry', 'default', protos);
const receiverProtos = readdirSync(join(root, 'receivers')).filter((f) => f.endsWith('.proto')).map((f) => join(root, 'receivers', f));
generate('receivers', 'receivers', receiverProtos);
