// Naming rules shared by agent and collector, so both sides agree on what is valid.

/** Prometheus metric name syntax. */
export const METRIC_NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
/** Prometheus label name syntax; names starting with "__" are reserved. */
export const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export const LIMITS = {
  metricNameLength: 200,
  labelNameLength: 100,
  labelValueLength: 1024,
  labelsPerSeries: 32,
} as const;

export function isValidMetricName(name: string): boolean {
  return name.length > 0 && name.length <= LIMITS.metricNameLength && METRIC_NAME_RE.test(name);
}

export function isValidLabelName(name: string): boolean {
  return name.length > 0 && name.length <= LIMITS.labelNameLength && LABEL_NAME_RE.test(name) && !name.startsWith('__');
}

/** Returns a reason string when the label set is invalid, otherwise undefined. */
export function labelSetProblem(labels: Record<string, string>): string | undefined {
  const names = Object.keys(labels);
  if (names.length > LIMITS.labelsPerSeries) return `too many labels (${names.length} > ${LIMITS.labelsPerSeries})`;
  for (const name of names) {
    if (!isValidLabelName(name)) return `invalid label name ${JSON.stringify(name)}`;
    const value = labels[name];
    if (typeof value !== 'string' || value.length > LIMITS.labelValueLength) return `invalid value for label ${name}`;
  }
  return undefined;
}

/** Canonical series key: metric name plus labels sorted by name. Identity of a series. */
export function seriesKey(metric: string, labels: Record<string, string>): string {
  const names = sortedNames(labels);
  let key = metric + '{';
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    key += (i ? ',' : '') + name + '=' + quoted(labels[name]!);
  }
  return key + '}';
}

// The collector builds a key for every series a new stream defines after a restart, 100,000 at once when a
// fleet reconnects; these two halve its cost (docs/storage.md, "sixth pass") and the key stays what
// `Object.keys(labels).sort()` and `JSON.stringify(value)` make of it (naming.spec.ts compares).

/** Label names in `sort()`'s order (UTF-16 code units). An insertion sort: label sets are small, and mostly sorted or nearly. */
function sortedNames(labels: Record<string, string>): string[] {
  const names = Object.keys(labels);
  for (let i = 1; i < names.length; i++) {
    const name = names[i]!;
    let j = i - 1;
    for (; j >= 0 && names[j]! > name; j--) names[j + 1] = names[j]!;
    names[j + 1] = name;
  }
  return names;
}

/** Characters JSON.stringify escapes in a string: quote, backslash, controls, and surrogates (lone ones). */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** JSON.stringify(value) for a string, without its call where nothing needs escaping. */
function quoted(value: string): string {
  return NEEDS_ESCAPE.test(value) ? JSON.stringify(value) : '"' + value + '"';
}
