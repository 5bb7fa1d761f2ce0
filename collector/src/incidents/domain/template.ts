// A deliberately tiny template language for incident titles and descriptions:
//   "Disk {{ labels.mountpoint }} on {{ labels.host }} at {{ value | percent }}"
// Only dotted lookups of known roots and a fixed set of filters: no expressions, no eval,
// no prototype access. Templates are compiled once (at config validation) and rendered often.

export interface TemplateContext {
  rule: string;
  severity: string;
  service?: string | undefined;
  labels: Readonly<Record<string, string>>;
  value?: number | undefined;
  threshold?: number | undefined;
}

export interface Template {
  readonly source: string;
  render(context: TemplateContext): string;
}

export class TemplateError extends Error {}

const ROOTS = new Set(['rule', 'severity', 'service', 'labels', 'value', 'threshold']);
const FILTERS = new Set(['round', 'percent', 'upper', 'lower', 'default']);
const PATH_RE = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/;

type Part = string | { path: string[]; filters: Array<{ name: string; arg?: string }> };

/** Formats numbers without float noise: 0.9234567 -> "0.923457", 12 -> "12". */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return String(Number(value.toPrecision(6)));
}

function lookup(context: TemplateContext, path: string[]): unknown {
  const [root, key] = path as [string, string | undefined];
  if (root === 'labels') {
    if (key === undefined) return undefined;
    return Object.prototype.hasOwnProperty.call(context.labels, key) ? context.labels[key] : undefined;
  }
  return (context as unknown as Record<string, unknown>)[root];
}

function applyFilter(value: unknown, name: string, arg: string | undefined): unknown {
  switch (name) {
    case 'round': {
      if (typeof value !== 'number') return value;
      const digits = arg === undefined ? 0 : Number(arg);
      const factor = 10 ** digits;
      return String(Math.round(value * factor) / factor);
    }
    case 'percent':
      return typeof value === 'number' ? `${formatNumber(Math.round(value * 1000) / 10)}%` : value;
    case 'upper':
      return typeof value === 'string' ? value.toUpperCase() : value;
    case 'lower':
      return typeof value === 'string' ? value.toLowerCase() : value;
    case 'default':
      return value === undefined || value === '' ? (arg ?? '') : value;
    default:
      return value;
  }
}

function stringify(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'number') return formatNumber(value);
  return String(value);
}

function parseExpression(expression: string, source: string): Part {
  const [head, ...filterTexts] = expression.split('|').map((s) => s.trim());
  if (!head || !PATH_RE.test(head)) throw new TemplateError(`invalid placeholder {{ ${expression} }} in ${JSON.stringify(source)}`);
  const path = head.split('.');
  if (!ROOTS.has(path[0]!)) {
    throw new TemplateError(`unknown placeholder "${head}" in ${JSON.stringify(source)} (use ${[...ROOTS].join(', ')}; labels as labels.<name>)`);
  }
  if (path.length === 2 && path[0] !== 'labels') throw new TemplateError(`"${head}" has no fields in ${JSON.stringify(source)}`);
  if (path[0] === 'labels' && path.length !== 2) throw new TemplateError(`use labels.<name> instead of "${head}" in ${JSON.stringify(source)}`);
  const filters = filterTexts.map((text) => {
    const m = /^([a-z]+)(?::\s*(?:"([^"]*)"|([0-9]+)))?$/.exec(text);
    if (!m || !FILTERS.has(m[1]!)) throw new TemplateError(`unknown filter "${text}" in ${JSON.stringify(source)} (use ${[...FILTERS].join(', ')})`);
    const arg = m[2] ?? m[3];
    return arg === undefined ? { name: m[1]! } : { name: m[1]!, arg };
  });
  return { path, filters };
}

/** Compiles a template; throws TemplateError naming the bad placeholder. */
export function compileTemplate(source: string): Template {
  const parts: Part[] = [];
  let rest = source;
  while (rest.length > 0) {
    const open = rest.indexOf('{{');
    if (open < 0) {
      if (rest.includes('}}')) throw new TemplateError(`unmatched "}}" in ${JSON.stringify(source)}`);
      parts.push(rest);
      break;
    }
    if (open > 0) {
      const text = rest.slice(0, open);
      if (text.includes('}}')) throw new TemplateError(`unmatched "}}" in ${JSON.stringify(source)}`);
      parts.push(text);
    }
    const close = rest.indexOf('}}', open + 2);
    if (close < 0) throw new TemplateError(`unclosed "{{" in ${JSON.stringify(source)}`);
    parts.push(parseExpression(rest.slice(open + 2, close).trim(), source));
    rest = rest.slice(close + 2);
  }
  return {
    source,
    render(context: TemplateContext): string {
      let out = '';
      for (const part of parts) {
        if (typeof part === 'string') {
          out += part;
          continue;
        }
        let value = lookup(context, part.path);
        for (const filter of part.filters) value = applyFilter(value, filter.name, filter.arg);
        out += stringify(value);
      }
      return out;
    },
  };
}
