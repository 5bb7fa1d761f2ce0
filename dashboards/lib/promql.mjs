// @ts-check
// Just enough PromQL lexing to answer two questions about an expression without a Prometheus:
// which metric names it selects, and which Grafana template variables it uses.
// Syntax itself is checked by promtool and by a real Prometheus in the specs.

const AGGREGATIONS = new Set(['sum', 'min', 'max', 'avg', 'group', 'stddev', 'stdvar', 'count', 'count_values', 'bottomk', 'topk', 'quantile']);
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'atan2', 'inf', 'nan']);
/** Keywords followed by a parenthesised list of label names, not expressions. */
const LABEL_LIST_KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);

/** Grafana variable references: $name, ${name}, ${name:format}, [[name]]. */
const VARIABLE_RE = /\$\{(\w+)(?::[^}]*)?\}|\$(\w+)|\[\[(\w+)(?::[^\]]*)?\]\]/g;

/** Names of the template variables an expression uses, in order of first use. */
export function variablesIn(/** @type {string} */ expr) {
  /** @type {string[]} */
  const names = [];
  for (const match of expr.matchAll(VARIABLE_RE)) {
    const name = /** @type {string} */ (match[1] ?? match[2] ?? match[3]);
    if (!names.includes(name)) names.push(name);
  }
  return names;
}

/**
 * Replaces template variables with values. Throws naming the first variable without a value,
 * so a dashboard using an undeclared variable fails loudly.
 */
export function substituteVariables(/** @type {string} */ expr, /** @type {Record<string, string>} */ values) {
  return expr.replace(VARIABLE_RE, (whole, braced, plain, bracketed) => {
    const name = braced ?? plain ?? bracketed;
    const value = values[name];
    if (value === undefined) throw new Error(`no value for template variable ${whole} in: ${expr}`);
    return value;
  });
}

/**
 * Metric names selected by a PromQL expression (template variables allowed anywhere a
 * Grafana dashboard puts them). Label names, functions, keywords and durations are skipped.
 */
export function metricNamesIn(/** @type {string} */ expr) {
  // Variables are replaced by neutral text of the same role: inside [] or {} they vanish with the brackets.
  const text = expr.replace(VARIABLE_RE, '0');
  /** @type {Set<string>} */
  const names = new Set();
  let i = 0;
  const n = text.length;
  const skipString = () => {
    const quote = text[i];
    i++;
    while (i < n && text[i] !== quote) i += text[i] === '\\' && quote !== '`' ? 2 : 1;
    if (i >= n) throw new Error(`unterminated string in: ${expr}`);
    i++;
  };
  /** Skips a bracketed group, strings inside included; i is on the opening bracket. */
  const skipGroup = (/** @type {string} */ open, /** @type {string} */ close) => {
    let depth = 0;
    while (i < n) {
      const c = text[i];
      if (c === '"' || c === "'" || c === '`') {
        skipString();
        continue;
      }
      if (c === open) depth++;
      else if (c === close && --depth === 0) {
        i++;
        return;
      }
      i++;
    }
    throw new Error(`unbalanced ${open}${close} in: ${expr}`);
  };
  const nextNonSpace = (/** @type {number} */ from) => {
    let j = from;
    while (j < n && /\s/.test(text[j] ?? '')) j++;
    return text[j];
  };
  while (i < n) {
    const c = /** @type {string} */ (text[i]);
    if (c === '"' || c === "'" || c === '`') skipString();
    else if (c === '{') skipGroup('{', '}');
    else if (c === '[') skipGroup('[', ']');
    else if (c === '#') {
      while (i < n && text[i] !== '\n') i++;
    } else if (/[0-9.]/.test(c)) {
      // Numbers and durations (1e3, 0x1f, 5m, 1h30m) as one token.
      while (i < n && /[0-9a-zA-Z_.]/.test(text[i] ?? '')) i++;
    } else if (/[a-zA-Z_:]/.test(c)) {
      const start = i;
      while (i < n && /[a-zA-Z0-9_:]/.test(text[i] ?? '')) i++;
      const word = text.slice(start, i);
      const lower = word.toLowerCase();
      if (LABEL_LIST_KEYWORDS.has(lower)) {
        while (i < n && /\s/.test(text[i] ?? '')) i++;
        if (text[i] === '(') skipGroup('(', ')');
      } else if (KEYWORDS.has(lower) || AGGREGATIONS.has(lower)) {
        // keyword or aggregation operator
      } else if (nextNonSpace(i) === '(') {
        // function call
      } else {
        names.add(word);
      }
    } else i++;
  }
  return [...names];
}
