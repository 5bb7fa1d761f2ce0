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
  const names = Object.keys(labels).sort();
  let key = metric + '{';
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    key += (i ? ',' : '') + name + '=' + JSON.stringify(labels[name]);
  }
  return key + '}';
}
