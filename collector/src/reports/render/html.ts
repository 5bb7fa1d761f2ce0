// Self-contained HTML for reports: no external URL (no CDN, font or image), so a report archived
// as evidence renders the same years later and offline.

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for element content and quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/** A trusted HTML fragment (already escaped or built from escaped parts). */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/**
 * Tagged template that escapes every interpolated value unless it is an `Html` fragment (or an
 * array of them): `html\`<td>${name}</td>\``.
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += fragment(values[i]) + strings[i + 1]!;
  return new Html(out);
}

function fragment(value: unknown): string {
  if (value instanceof Html) return value.value;
  if (Array.isArray(value)) return value.map(fragment).join('');
  if (value === undefined || value === null || value === false) return '';
  return escapeHtml(value);
}

const BASE_CSS = `
:root { color-scheme: light; --fg: #1b1f24; --muted: #5b6470; --line: #d8dde3; --ok: #1a7f37; --bad: #c62828; --warn: #9a6700; --accent: #0969da; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); margin: 2rem auto; max-width: 1100px; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; } h2 { font-size: 1.15rem; margin: 2rem 0 .5rem; border-bottom: 1px solid var(--line); padding-bottom: .25rem; }
.meta { color: var(--muted); margin: 0 0 1.5rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
th, td { border-bottom: 1px solid var(--line); padding: .35rem .5rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; font-weight: 600; } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.ok { color: var(--ok); font-weight: 600; } .bad { color: var(--bad); font-weight: 600; } .warn { color: var(--warn); } .muted { color: var(--muted); }
svg { max-width: 100%; height: auto; } svg text { font: 11px system-ui, sans-serif; fill: var(--muted); }
@media print { body { margin: 0; max-width: none; } h2 { break-after: avoid; } table, svg { break-inside: avoid; } }
`;

/** A complete HTML document with inline CSS. `body` must be trusted (built with `html`). */
export function htmlPage(options: { title: string; body: Html; generatedAt?: string; extraCss?: string }): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${options.generatedAt ? `<meta name="generated" content="${escapeHtml(options.generatedAt)}">\n` : ''}<title>${escapeHtml(options.title)}</title>
<style>${BASE_CSS}${options.extraCss ?? ''}</style>
</head>
<body>
${options.body.value}
</body>
</html>
`;
}

/** A table from headers and rows; cells are escaped unless they are `Html`. Numeric columns align right. */
export function htmlTable(headers: readonly string[], rows: readonly (readonly unknown[])[], numeric: readonly number[] = []): Html {
  const cls = (i: number) => (numeric.includes(i) ? ' class="num"' : '');
  return html`<table><thead><tr>${headers.map((h, i) => new Html(`<th${cls(i)}>${escapeHtml(h)}</th>`))}</tr></thead><tbody>${rows.map(
    (row) => new Html(`<tr>${row.map((cell, i) => `<td${cls(i)}>${fragment(cell)}</td>`).join('')}</tr>`),
  )}</tbody></table>`;
}
