import { execFile, execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const COLLECTOR_BIN = join(REPO_ROOT, 'collector/bin/vigil-collector.js');

export interface BinRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the compiled `vigil-collector` (build first) from the repository root; never rejects. */
export function runCollectorBin(args: string[], timeoutMs = 60_000): Promise<BinRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [COLLECTOR_BIN, ...args], { cwd: REPO_ROOT, timeout: timeoutMs }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** Compiles the workspace (incremental, fast when up to date): the binaries load dist/. */
export function buildWorkspace(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '--build', join(REPO_ROOT, 'tsconfig.json')], { stdio: 'pipe' });
}
