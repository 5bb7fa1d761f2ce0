// No compiled output in source folders: vitest resolves `./x.js` to a stale x.js before x.ts, so a
// committed or left-over build artefact silently replaces the source a spec thinks it loads.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SOURCE_FOLDERS = ['agent/src', 'agent/test', 'collector/src', 'collector/test', 'proto/src', 'e2e'];
/** Generated on purpose (and gitignored): protobufjs output. */
const EXEMPT = ['proto/src/generated/'];

/**
 * Why `path` (relative to the repository root) looks like build output, or undefined. A .d.ts is
 * output when it sits beside its .ts or points at a source map; hand-written declarations pass.
 */
export function buildArtefact(path: string, exists: (p: string) => boolean, read: (p: string) => string): string | undefined {
  if (path.endsWith('.map')) return 'source map';
  if (path.endsWith('.d.ts')) {
    if (exists(path.slice(0, -'.d.ts'.length) + '.ts')) return 'declaration beside its .ts';
    return /\/\/# sourceMappingURL=/.test(read(path)) ? 'emitted declaration' : undefined;
  }
  if (path.endsWith('.js')) return 'compiled JavaScript';
  // .cjs/.mjs are hand-written (fixtures, loaders) unless compiled from a .cts/.mts beside them.
  if (/\.[cm]js$/.test(path) && exists(path.slice(0, -2) + 'ts')) return 'compiled JavaScript';
  return undefined;
}

function walk(folder: string, out: string[]): void {
  if (!existsSync(join(ROOT, folder))) return;
  for (const entry of readdirSync(join(ROOT, folder), { withFileTypes: true })) {
    const path = `${folder}/${entry.name}`;
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') walk(path, out);
    } else {
      out.push(path);
    }
  }
}

function sourceFiles(): string[] {
  const tracked = execFileSync('git', ['ls-files', '--', ...SOURCE_FOLDERS], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);
  const onDisk: string[] = [];
  for (const folder of SOURCE_FOLDERS) walk(folder, onDisk);
  return [...new Set([...tracked, ...onDisk])].filter((p) => !EXEMPT.some((e) => p.startsWith(e))).sort();
}

describe('source folders hold no build output', () => {
  it('tells build artefacts from sources', () => {
    const files = new Map([
      ['a/x.ts', 'export const x = 1;'],
      ['a/x.d.ts', 'export declare const x = 1;'],
      ['a/shim.d.ts', "declare module 'lib/part.js' {}"],
      ['a/emitted.d.ts', 'export {};\n//# sourceMappingURL=emitted.d.ts.map'],
      ['a/hooks.mts', 'export {};'],
    ]);
    const exists = (p: string) => files.has(p);
    const read = (p: string) => files.get(p) ?? '';
    expect(['a/x.js', 'a/x.js.map', 'a/x.d.ts.map', 'a/x.d.ts', 'a/shim.d.ts', 'a/emitted.d.ts', 'a/x.ts', 'a/loader.mjs', 'a/fixture.cjs', 'a/hooks.mjs'].map((p) => [p, buildArtefact(p, exists, read)])).toEqual([
      ['a/x.js', 'compiled JavaScript'],
      ['a/x.js.map', 'source map'],
      ['a/x.d.ts.map', 'source map'],
      ['a/x.d.ts', 'declaration beside its .ts'],
      ['a/shim.d.ts', undefined],
      ['a/emitted.d.ts', 'emitted declaration'],
      ['a/x.ts', undefined],
      ['a/loader.mjs', undefined],
      ['a/fixture.cjs', undefined],
      ['a/hooks.mjs', 'compiled JavaScript'],
    ]);
  });

  it(`finds none in ${SOURCE_FOLDERS.join(', ')} (tracked or in the working tree)`, () => {
    const exists = (p: string) => existsSync(join(ROOT, p));
    const read = (p: string) => (exists(p) ? readFileSync(join(ROOT, p), 'utf8') : '');
    const found = sourceFiles().flatMap((p) => {
      const why = buildArtefact(p, exists, read);
      return why ? [`${relative('.', p)} (${why})`] : [];
    });
    expect(found, 'delete these; build output belongs in dist/').toEqual([]);
  });
});
