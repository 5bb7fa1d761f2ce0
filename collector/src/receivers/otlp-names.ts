// OTLP names to Prometheus names, as the OpenTelemetry specification's "Prometheus and OpenMetrics
// compatibility" describes: invalid characters become `_`, the unit becomes a suffix, monotonic
// sums end in `_total`.

/** UCUM units OpenTelemetry uses, in Prometheus' words. */
const UNIT_WORDS: Record<string, string> = {
  d: 'days', h: 'hours', min: 'minutes', s: 'seconds', ms: 'milliseconds', us: 'microseconds', ns: 'nanoseconds',
  By: 'bytes', KiBy: 'kibibytes', MiBy: 'mebibytes', GiBy: 'gibibytes', TiBy: 'tibibytes', KBy: 'kilobytes', MBy: 'megabytes', GBy: 'gigabytes', TBy: 'terabytes',
  m: 'meters', V: 'volts', A: 'amperes', J: 'joules', W: 'watts', g: 'grams', Cel: 'celsius', Hz: 'hertz', '%': 'percent',
};
const PER_UNIT_WORDS: Record<string, string> = { s: 'second', min: 'minute', h: 'hour', d: 'day', wk: 'week', mo: 'month', a: 'year' };

/** Characters outside `[a-zA-Z0-9_:]` become `_`, runs of `_` collapse, a leading digit gets `_` in front. */
export function sanitizeMetricName(name: string): string {
  const clean = name.replace(/[^a-zA-Z0-9_:]/g, '_').replace(/__+/g, '_');
  return /^[0-9]/.test(clean) ? `_${clean}` : clean;
}

/** Label names: as metric names but without `:`; a name the mapping leaves starting with `__` is reserved, so one `_` goes. */
export function sanitizeLabelName(name: string): string {
  let clean = name.replace(/[^a-zA-Z0-9_]/g, '_');
  if (/^[0-9]/.test(clean)) clean = `key_${clean}`;
  return clean.startsWith('__') ? clean.replace(/^_+/, '_') : clean;
}

/** The Prometheus suffix of a UCUM unit ('' for none): `{packets}` annotations drop, `By/s` becomes `bytes_per_second`. */
export function unitSuffix(unit: string, isGauge: boolean): string {
  const bare = unit.replace(/\{[^}]*\}/g, '').trim();
  if (bare === '') return '';
  if (bare === '1') return isGauge ? 'ratio' : '';
  const [main, per] = bare.split('/', 2) as [string, string | undefined];
  const words = [main ? (UNIT_WORDS[main] ?? main) : '', per ? `per_${PER_UNIT_WORDS[per] ?? UNIT_WORDS[per] ?? per}` : ''].filter(Boolean).join('_');
  return words.replace(/[^a-zA-Z0-9_]/g, '_').replace(/__+/g, '_').replace(/^_|_$/g, '');
}

/** The Prometheus name of an OTLP metric. */
export function prometheusName(name: string, unit: string, type: 'gauge' | 'counter' | 'other'): string {
  let out = sanitizeMetricName(name);
  const suffix = unitSuffix(unit, type === 'gauge');
  if (suffix && !out.endsWith(`_${suffix}`)) out = `${out}_${suffix}`;
  if (type === 'counter' && !out.endsWith('_total')) out = `${out}_total`;
  return out;
}
