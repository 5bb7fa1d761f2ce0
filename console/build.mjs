// Builds the console and the status page into collector/public/ (served by the collector):
// content-hashed JS and CSS bundles plus the two HTML pages. Runs after `tsc --build`, whose output
// holds the stylesheet shared with the HTML reports. Prints the compressed sizes.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, '../collector/public');
const assets = path.join(out, 'assets');
const { BASE_STYLESHEET, CONSOLE_STYLESHEET } = await import('../collector/dist/style/stylesheet.js');

rmSync(out, { recursive: true, force: true });
mkdirSync(assets, { recursive: true });

const js = await build({
  entryPoints: { console: path.join(here, 'src/main.tsx'), status: path.join(here, 'src/status/main.tsx') },
  outdir: assets,
  entryNames: '[name]-[hash]',
  chunkNames: 'chunk-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  target: 'es2020',
  minify: true,
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
});
const css = await build({
  stdin: { contents: `@import "uplot/dist/uPlot.min.css";\n${BASE_STYLESHEET}\n${CONSOLE_STYLESHEET}`, loader: 'css', resolveDir: here, sourcefile: 'console.css' },
  outfile: path.join(assets, 'console.css'),
  entryNames: '[name]-[hash]',
  bundle: true,
  minify: true,
  metafile: true,
  write: false,
  logLevel: 'warning',
});
const cssText = css.outputFiles[0].contents;
const cssName = `console-${createHash('sha256').update(cssText).digest('hex').slice(0, 10)}.css`;
writeFileSync(path.join(assets, cssName), cssText);

const entryFile = (name) => {
  const [file] = Object.entries(js.metafile.outputs).find(([, o]) => o.entryPoint?.endsWith(name === 'console' ? 'src/main.tsx' : 'src/status/main.tsx'));
  return path.basename(file);
};
const page = (title, script, bodyClass) => `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>${title}</title>
<link rel="stylesheet" href="/assets/${cssName}">
<script type="module" src="/assets/${script}"></script>
</head>
<body class="${bodyClass}">
<div id="app"><p style="padding:1rem">Loading…</p></div>
<noscript><p style="padding:1rem">The Vigil console needs JavaScript. The API is at <a href="/api/services">/api/services</a>.</p></noscript>
</body>
</html>
`;
writeFileSync(path.join(out, 'index.html'), page('Vigil', entryFile('console'), 'console'));
writeFileSync(path.join(out, 'status.html'), page('Service status', entryFile('status'), 'status-page'));

// First load of each page: its HTML, CSS, entry script and the chunks the entry imports statically.
const outputs = js.metafile.outputs;
const closure = (file, seen = new Set()) => {
  if (seen.has(file)) return seen;
  seen.add(file);
  for (const i of outputs[file].imports) if (i.kind === 'import-statement') closure(i.path, seen);
  return seen;
};
const gz = (buf) => gzipSync(buf, { level: 9 }).length;
for (const [name, html] of [['console', 'index.html'], ['status', 'status.html']]) {
  const entry = Object.keys(outputs).find((f) => path.basename(f) === entryFile(name));
  const files = [...closure(entry)];
  const jsBytes = files.reduce((n, f) => n + gz(readFileSync(f)), 0);
  const total = jsBytes + gz(cssText) + gz(readFileSync(path.join(out, html)));
  console.log(`console build: ${name} first load ${(total / 1024).toFixed(1)} KiB gzip (JS ${(jsBytes / 1024).toFixed(1)}, CSS ${(gz(cssText) / 1024).toFixed(1)})`);
}
