// Debian's chromium, driven by playwright-core (no browser download): installed on demand by
// scripts/ensure-debian-package.sh. Where it cannot be, specs print SKIPPED with the reason and
// fail under CI=true.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { REPO_ROOT } from './vigil-processes.js';

export const CHROMIUM = '/usr/bin/chromium';

/** Flags for a quiet, offline, throwaway browser (nothing phones home, nothing is kept). */
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Installs chromium when missing; returns why it is not available, or undefined when it is. */
export function chromiumUnavailable(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  try {
    execFileSync('bash', [path.join(REPO_ROOT, 'scripts/ensure-debian-package.sh'), 'chromium'], { stdio: 'pipe', timeout: 600_000 });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    return stderr || (error instanceof Error ? error.message : String(error));
  }
  return existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is missing after installing chromium`;
}

/** Prints SKIPPED with the reason; under CI=true the missing browser is a failure instead. */
export function reportSkip(spec: string, reason: string): void {
  const message = `SKIPPED ${spec}: chromium is not available (${reason})`;
  if (process.env.CI === 'true') throw new Error(`${message}; CI=true requires it`);
  console.log(message);
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Builds the console's pages when a plain `tsc --build` left them out (`npm install` builds them). */
export function ensureConsoleBuilt(): void {
  if (!existsSync(path.join(REPO_ROOT, 'collector/public/index.html'))) execFileSync('npm', ['run', 'build', '-w', '@vigil/console', '--silent'], { cwd: REPO_ROOT, stdio: 'pipe' });
}

/** A fresh profile in a temp dir (removed on close). */
export async function launchBrowser(): Promise<Browser> {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'vigil-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1280, height: 900 } });
  return {
    context,
    close: async () => {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
