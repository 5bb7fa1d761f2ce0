// PromQL series selectors (`metric{label="value", other=~"re.*"}`) for SLIs on metrics. Parsed with
// the official Prometheus grammar (@prometheus-io/lezer-promql); anything beyond one series selector
// (functions, ranges, offsets, operators, aggregations) is refused with a message that says what.
import { parser } from '@prometheus-io/lezer-promql';
import type { Labels } from '../../common/samples.js';

export type MatchOp = '=' | '!=' | '=~' | '!~';

export interface LabelMatcher {
  name: string;
  op: MatchOp;
  value: string;
}

export interface SeriesSelector {
  /** As written (trimmed), for messages and the API. */
  text: string;
  metric: string;
  matchers: LabelMatcher[];
}

/** What the top-level expression is, when it is not a plain selector. */
const NOT_A_SELECTOR: Record<string, string> = {
  FunctionCall: 'a function call',
  MatrixSelector: 'a range selector such as [5m]',
  SubqueryExpr: 'a subquery',
  OffsetExpr: 'an offset modifier',
  StepInvariantExpr: 'an @ modifier',
  BinaryExpr: 'a binary operation',
  AggregateExpr: 'an aggregation',
  UnaryExpr: 'a unary operation',
  ParenExpr: 'parentheses',
  NumberDurationLiteral: 'a number',
  StringLiteral: 'a string',
};

/** A node of the parse tree (typed through the parser, so @lezer/common need not be a direct dependency). */
type SyntaxNode = ReturnType<typeof parser.parse>['topNode'];

const OPS: Record<string, MatchOp> = { EqlSingle: '=', Neq: '!=', EqlRegex: '=~', NeqRegex: '!~' };

/**
 * Parses one series selector; throws an Error whose message says what is wrong (the config layer
 * prefixes the key). Regular expressions are checked here, so a selector that parses also matches.
 */
export function parseSeriesSelector(input: string): SeriesSelector {
  const text = input.trim();
  if (text === '') throw new Error('empty selector (give e.g. http_requests_total{job="shop"})');
  const tree = parser.parse(text);
  let error: number | undefined;
  tree.iterate({
    enter: (n) => {
      if (error === undefined && n.type.isError) error = n.from;
    },
  });
  const top = tree.topNode.firstChild;
  if (top && top.name !== 'VectorSelector' && NOT_A_SELECTOR[top.name] && (error === undefined || top.name === 'FunctionCall'))
    throw new Error(`${NOT_A_SELECTOR[top.name]} is not allowed: give only a series selector such as http_requests_total{job="shop"}`);
  if (error !== undefined) throw new Error(`invalid selector syntax at character ${error + 1}`);
  if (!top || top.name !== 'VectorSelector' || top.to !== text.length)
    throw new Error('only a series selector such as http_requests_total{job="shop"} is allowed');

  let metric: string | undefined;
  const matchers: LabelMatcher[] = [];
  const source = (n: SyntaxNode) => text.slice(n.from, n.to);
  for (let n = top.firstChild; n; n = n.nextSibling) {
    if (n.name === 'Identifier') metric = source(n);
    if (n.name !== 'LabelMatchers') continue;
    for (let m = n.firstChild; m; m = m.nextSibling) {
      if (m.name === 'QuotedLabelName') {
        // {"metric.name"}: the UTF-8 form of a metric name.
        metric = unquote(source(m));
        continue;
      }
      if (m.name !== 'UnquotedLabelMatcher' && m.name !== 'QuotedLabelMatcher') continue;
      const nameNode = m.getChild('LabelName') ?? m.getChild('QuotedLabelName');
      const opNode = m.getChild('MatchOp')?.firstChild;
      const valueNode = m.lastChild;
      if (!nameNode || !opNode || !valueNode || valueNode.name !== 'StringLiteral') throw new Error(`invalid label matcher ${source(m)}`);
      const name = nameNode.name === 'LabelName' ? source(nameNode) : unquote(source(nameNode));
      const op = OPS[opNode.name]!;
      const value = unquote(source(valueNode));
      if (name === '__name__') throw new Error('give the metric name before the braces, not as a __name__ matcher');
      if (op === '=~' || op === '!~') anchoredRegex(value, name);
      matchers.push({ name, op, value });
    }
  }
  if (metric === undefined) throw new Error(`a metric name is required (e.g. http_requests_total${text})`);
  return { text, metric, matchers };
}

/** A regex matcher's value, fully anchored as Prometheus does (`.` also matches a newline there). */
function anchoredRegex(source: string, label: string): RegExp {
  try {
    return new RegExp(`^(?:${source})$`, 's');
  } catch (error) {
    throw new Error(`invalid regular expression for label ${label}: ${(error as Error).message}`);
  }
}

/** A compiled selector: does a series (metric name and labels) match it? A missing label is "". */
export type SeriesPredicate = (metric: string, labels: Labels) => boolean;

export function compileSelector(selector: SeriesSelector, metric = selector.metric): SeriesPredicate {
  const tests = selector.matchers.map((m): ((labels: Labels) => boolean) => {
    const get = (labels: Labels) => labels[m.name] ?? '';
    switch (m.op) {
      case '=':
        return (l) => get(l) === m.value;
      case '!=':
        return (l) => get(l) !== m.value;
      case '=~': {
        const re = anchoredRegex(m.value, m.name);
        return (l) => re.test(get(l));
      }
      case '!~': {
        const re = anchoredRegex(m.value, m.name);
        return (l) => !re.test(get(l));
      }
    }
  });
  return (name, labels) => name === metric && tests.every((t) => t(labels));
}

/** Exact label matches of a selector, to narrow a store lookup before the other matchers run. */
export function equalityLabels(selector: SeriesSelector): Labels {
  const out: Labels = {};
  for (const m of selector.matchers) if (m.op === '=' && m.value !== '') out[m.name] = m.value;
  return out;
}

const SIMPLE_ESCAPES: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"', "'": "'" };

/** The value of a PromQL string literal: "…" or '…' with Go escapes, or `raw`. */
export function unquote(literal: string): string {
  const quote = literal[0];
  const body = literal.slice(1, -1);
  if (quote === '`') return body;
  return body.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3}|.)/gs, (_all, e: string) => {
    if (e.length === 1) {
      const simple = SIMPLE_ESCAPES[e];
      if (simple === undefined) throw new Error(`unknown escape sequence \\${e} in ${literal}`);
      return simple;
    }
    if (/^[0-7]{3}$/.test(e)) return String.fromCodePoint(parseInt(e, 8));
    return String.fromCodePoint(parseInt(e.slice(1), 16));
  });
}
