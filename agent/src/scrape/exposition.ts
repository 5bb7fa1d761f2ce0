// Parser for the two text exposition formats a scrape target may answer with: Prometheus text 0.0.4 and
// OpenMetrics 1.0 text. Written here because no npm parser handled both correctly (see docs/agent.md,
// "Scraping"). Strict like Prometheus' own parsers: the first malformed line fails the whole exposition, with
// its line number, so a truncated or garbled answer is never half-stored.

export const FAMILY_TYPES = ['counter', 'gauge', 'histogram', 'gaugehistogram', 'summary', 'info', 'stateset', 'unknown', 'untyped'] as const;
export type FamilyType = (typeof FAMILY_TYPES)[number];
export type ExpositionFormat = 'prometheus' | 'openmetrics';

export interface ExpositionSample {
  /** The sample's own name (`http_request_duration_seconds_bucket`). */
  name: string;
  /** Its family's name from `# TYPE` (`http_request_duration_seconds`), or the sample name when undeclared. */
  family: string;
  type: FamilyType;
  /** The suffix that links the sample to its family (`_bucket`, `_total`, …), "" for the family's own name. */
  suffix: string;
  labels: Record<string, string>;
  value: number;
}

export type ParsedExposition = { status: 'ok'; samples: ExpositionSample[] } | { status: 'error'; error: string };

/** Sample-name suffixes each family type allows (OpenMetrics names; Prometheus text declares `_total` in TYPE). */
const SUFFIXES: Partial<Record<FamilyType, readonly string[]>> = {
  counter: ['_total', '_created'],
  histogram: ['_bucket', '_count', '_sum', '_created'],
  gaugehistogram: ['_bucket', '_gcount', '_gsum'],
  summary: ['_count', '_sum', '_created'],
  info: ['_info'],
};
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const FLOAT = /^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf(?:inity)?|nan)$/i;
const ESCAPES: Record<string, string> = { '\\': '\\', '"': '"', n: '\n' };

class LineError extends Error {}

/** The format a Content-Type header announces: OpenMetrics, else Prometheus text (what Prometheus assumes too). */
export function formatOfContentType(contentType: string | undefined): ExpositionFormat {
  return contentType?.toLowerCase().startsWith('application/openmetrics-text') ? 'openmetrics' : 'prometheus';
}

export function parseExposition(text: string, format: ExpositionFormat): ParsedExposition {
  const types = new Map<string, FamilyType>();
  const samples: ExpositionSample[] = [];
  const lines = text.split('\n');
  // A trailing newline leaves one empty last element; it is not a line.
  if (lines[lines.length - 1] === '') lines.pop();
  let sawEof = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.endsWith('\r') ? lines[i]!.slice(0, -1) : lines[i]!;
    try {
      if (sawEof) throw new LineError('content after "# EOF"');
      if (line.trim() === '') continue;
      if (line.startsWith('#')) {
        if (format === 'openmetrics' && line === '# EOF') sawEof = true;
        else readComment(line, types);
        continue;
      }
      samples.push(readSample(line, types, format));
    } catch (error) {
      if (error instanceof LineError) return { status: 'error', error: `line ${i + 1}: ${error.message}: ${JSON.stringify(line.slice(0, 120))}` };
      throw error;
    }
  }
  if (format === 'openmetrics' && !sawEof) return { status: 'error', error: 'OpenMetrics exposition does not end with "# EOF" (cut short?)' };
  return { status: 'ok', samples };
}

/** `# TYPE name type` is recorded; `# HELP`, `# UNIT` and other comments carry nothing we store. */
function readComment(line: string, types: Map<string, FamilyType>): void {
  const match = /^#\s+TYPE\s+(\S+)\s+(\S+)\s*$/.exec(line);
  if (!match) {
    if (/^#\s+TYPE(\s|$)/.test(line)) throw new LineError('malformed TYPE line');
    return;
  }
  const [, name, type] = match as unknown as [string, string, string];
  if (!METRIC_NAME.test(name) || METRIC_NAME.exec(name)![0] !== name) throw new LineError(`invalid metric name ${JSON.stringify(name)}`);
  if (!(FAMILY_TYPES as readonly string[]).includes(type)) throw new LineError(`unknown metric type ${JSON.stringify(type)}`);
  if (types.has(name)) throw new LineError(`second TYPE line for ${name}`);
  types.set(name, type as FamilyType);
}

function readSample(line: string, types: Map<string, FamilyType>, format: ExpositionFormat): ExpositionSample {
  const nameMatch = METRIC_NAME.exec(line);
  if (!nameMatch) throw new LineError('expected a metric name');
  const name = nameMatch[0];
  let pos = name.length;
  const labels: Record<string, string> = {};
  if (line[pos] === '{') pos = readLabels(line, pos + 1, labels);
  const rest = line.slice(pos);
  if (!/^[ \t]/.test(rest)) throw new LineError('expected a space before the value');
  // OpenMetrics exemplars (`# {trace_id="…"} 1.0`) follow the sample; they are not stored.
  const exemplarAt = format === 'openmetrics' ? rest.indexOf(' # ') : -1;
  const fields = (exemplarAt >= 0 ? rest.slice(0, exemplarAt) : rest).trim().split(/[ \t]+/);
  if (fields.length > 2) throw new LineError('unexpected text after the timestamp');
  const value = parseFloatToken(fields[0]!);
  if (value === undefined) throw new LineError(`invalid value ${JSON.stringify(fields[0])}`);
  // Timestamps are checked for syntax only: samples take the scrape's time (see docs/agent.md).
  if (fields[1] !== undefined && parseFloatToken(fields[1]) === undefined) throw new LineError(`invalid timestamp ${JSON.stringify(fields[1])}`);
  const { family, type, suffix } = familyOf(name, types);
  return { name, family, type, suffix, labels, value };
}

/** Reads `a="x",b="y"}` from `pos`; returns the position after the closing brace. */
function readLabels(line: string, pos: number, labels: Record<string, string>): number {
  for (;;) {
    while (line[pos] === ' ' || line[pos] === '\t') pos++;
    if (line[pos] === '}') return pos + 1;
    const nameMatch = LABEL_NAME.exec(line.slice(pos));
    if (!nameMatch) throw new LineError('expected a label name');
    const labelName = nameMatch[0];
    pos += labelName.length;
    while (line[pos] === ' ' || line[pos] === '\t') pos++;
    if (line[pos] !== '=' ) throw new LineError(`expected "=" after label ${labelName}`);
    pos++;
    while (line[pos] === ' ' || line[pos] === '\t') pos++;
    if (line[pos] !== '"') throw new LineError(`expected a quoted value for label ${labelName}`);
    pos++;
    let value = '';
    for (;;) {
      const c = line[pos];
      if (c === undefined) throw new LineError(`unterminated value of label ${labelName}`);
      if (c === '"') break;
      if (c === '\\') {
        const escaped = ESCAPES[line[pos + 1] ?? ''];
        if (escaped === undefined) throw new LineError(`invalid escape in label ${labelName}`);
        value += escaped;
        pos += 2;
      } else {
        value += c;
        pos++;
      }
    }
    pos++;
    if (Object.hasOwn(labels, labelName)) throw new LineError(`label ${labelName} appears twice`);
    labels[labelName] = value;
    while (line[pos] === ' ' || line[pos] === '\t') pos++;
    if (line[pos] === ',') pos++;
    else if (line[pos] !== '}') throw new LineError('expected "," or "}" after a label');
  }
}

/** A Go-style float: decimal, exponent, ±Inf, NaN. */
export function parseFloatToken(token: string): number | undefined {
  if (!FLOAT.test(token)) return undefined;
  const lower = token.toLowerCase();
  if (lower.endsWith('nan')) return NaN;
  if (lower.includes('inf')) return lower.startsWith('-') ? -Infinity : Infinity;
  return Number(token);
}

function familyOf(name: string, types: Map<string, FamilyType>): { family: string; type: FamilyType; suffix: string } {
  const declared = types.get(name);
  if (declared) return { family: name, type: declared, suffix: '' };
  for (const [type, suffixes] of Object.entries(SUFFIXES) as [FamilyType, readonly string[]][]) {
    for (const suffix of suffixes) {
      if (!name.endsWith(suffix)) continue;
      const family = name.slice(0, -suffix.length);
      if (types.get(family) === type) return { family, type, suffix };
    }
  }
  return { family: name, type: 'untyped', suffix: '' };
}
