// Features meet through ports, in one direction: no import cycle between files or between the
// top-level folders of the collector and the agent (scripts/import-graph.mjs prints the graph).
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM script without type declarations
import { importGraph } from '../scripts/import-graph.mjs';

interface Graph {
  files: string[];
  fileCycles: string[][];
  folderCycles: string[][];
  folderEdges: Record<string, string[]>;
}

describe.each(['collector/src', 'agent/src'])('imports of %s', (root) => {
  const graph = importGraph(root) as Graph;

  it('reads the whole tree', () => {
    expect(graph.files.length).toBeGreaterThan(30);
  });

  it('have no file cycle', () => {
    expect(graph.fileCycles).toEqual([]);
  });

  it('have no folder cycle', () => {
    expect(graph.folderCycles).toEqual([]);
  });
});

describe('the cycle check itself', () => {
  it('finds a cycle that exists', async () => {
    const { mkdtempSync, mkdirSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'vigil-cycles-'));
    mkdirSync(join(dir, 'a'));
    mkdirSync(join(dir, 'b'));
    writeFileSync(join(dir, 'a/x.ts'), "import { y } from '../b/y.js';\nexport const x = y;\n");
    writeFileSync(join(dir, 'b/y.ts'), "import type { X } from '../a/z.js';\nexport const y = 1 as X;\n");
    writeFileSync(join(dir, 'a/z.ts'), "export type X = number;\nimport { x } from './x.js';\nexport const z = x;\n");
    const g = importGraph(dir) as Graph;
    expect(g.folderCycles).toEqual([['a', 'b']]);
    expect(g.fileCycles).toEqual([['a/x.ts', 'a/z.ts', 'b/y.ts']]);
  });
});
