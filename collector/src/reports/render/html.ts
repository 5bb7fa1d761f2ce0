// Self-contained HTML for reports: no external URL (no CDN, font or image), so a report archived
// as evidence renders the same years later and offline.
import { BASE_STYLESHEET } from '../../style/stylesheet.js';

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

// The console's base stylesheet: reports and console look alike from one source.
const BASE_CSS = BASE_STYLESHEET;

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
