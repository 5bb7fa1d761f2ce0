// `npm run bench [name...]`: runs the benchmarks in bench/ one after another (they print figures;
// they are not timed tests). Builds first so they measure the current code.
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const wanted = process.argv.slice(2);
execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
const benches = readdirSync(join(root, 'bench'))
  .filter((f) => f.endsWith('.mjs'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.includes(w)))
  .sort();
let failed = 0;
for (const file of benches) {
  console.log(`\n=== bench/${file} ===`);
  const result = spawnSync(process.execPath, [join(root, 'bench', file)], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    failed++;
    console.log(`bench/${file} exited with ${result.status ?? result.signal}`);
  }
}
process.exit(failed ? 1 : 0);
