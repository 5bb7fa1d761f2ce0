#!/usr/bin/env node
// Import graph of a source tree: file-level cycles, folder-level cycles and the folder graph.
// Used by test/architecture.spec.ts to keep the collector and agent free of cycles, and by hand:
//   node scripts/import-graph.mjs collector/src        (prints folder edges and any cycle)
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const IMPORT_RE = /(?:^|\n)\s*(?:import|export)\s+(type\s+)?(?:[^'"]*?\sfrom\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function listSources(root) {
  const out = [];
  for (const name of readdirSync(root)) {
    const path = join(root, name);
    if (statSync(path).isDirectory()) {
      if (name === 'node_modules' || name === 'generated') continue;
      out.push(...listSources(path));
    } else if (name.endsWith('.ts') && !name.endsWith('.d.ts') && !name.endsWith('.spec.ts')) {
      out.push(path);
    }
  }
  return out;
}

/** Relative imports of one file, resolved to source paths; `import type` counts too (it still ties the files together). */
function importsOf(file, known) {
  const text = readFileSync(file, 'utf8');
  const targets = new Set();
  for (const m of text.matchAll(IMPORT_RE)) {
    const spec = m[2] ?? m[3];
    if (!spec || !spec.startsWith('.')) continue;
    const base = resolve(dirname(file), spec).replace(/\.js$/, '');
    for (const candidate of [`${base}.ts`, join(base, 'index.ts')]) {
      if (known.has(candidate)) {
        targets.add(candidate);
        break;
      }
    }
  }
  return [...targets];
}

/** Strongly connected components with more than one member (Tarjan), each sorted. */
function cycles(nodes, edges) {
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const found = [];
  const visit = (v) => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v), idx.get(w)));
      }
    }
    if (low.get(v) === idx.get(v)) {
      const component = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of nodes) if (!idx.has(v)) visit(v);
  return found;
}

/** The top-level folder of a file under root ('.' for files directly in root). */
function folderOf(root, file) {
  const rel = relative(root, file).split(sep);
  return rel.length > 1 ? rel[0] : '.';
}

export function importGraph(rootDir) {
  const root = resolve(rootDir);
  const files = listSources(root);
  const known = new Set(files);
  const fileEdges = new Map(files.map((f) => [f, importsOf(f, known)]));
  const folderEdges = new Map();
  for (const [from, tos] of fileEdges) {
    const a = folderOf(root, from);
    for (const to of tos) {
      const b = folderOf(root, to);
      if (a === b || a === '.' || b === '.') continue; // the root's entry files may import anything
      if (!folderEdges.has(a)) folderEdges.set(a, new Set());
      folderEdges.get(a).add(b);
    }
  }
  const rel = (f) => relative(root, f);
  return {
    files: files.map(rel),
    fileCycles: cycles(files, fileEdges).map((c) => c.map(rel)),
    folderCycles: cycles([...folderEdges.keys()], new Map([...folderEdges].map(([k, v]) => [k, [...v]]))),
    folderEdges: Object.fromEntries([...folderEdges].map(([k, v]) => [k, [...v].sort()]).sort()),
  };
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  const roots = process.argv.slice(2);
  if (roots.length === 0) roots.push('collector/src', 'agent/src');
  let bad = false;
  for (const root of roots) {
    const g = importGraph(root);
    console.log(`# ${root}: ${g.files.length} files`);
    for (const [from, tos] of Object.entries(g.folderEdges)) console.log(`  ${from} -> ${tos.join(', ')}`);
    for (const c of g.folderCycles) (bad = true), console.log(`  folder cycle: ${c.join(' <-> ')}`);
    for (const c of g.fileCycles) (bad = true), console.log(`  file cycle: ${c.join(' <-> ')}`);
  }
  process.exitCode = bad ? 1 : 0;
}
