// Number and time formatting shared by reports (HTML and CSV alike).

/** A ratio as a percentage with fixed decimals ("99.953 %"); "n/a" for null. */
export function formatPercent(ratio: number | null | undefined, decimals = 3): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return 'n/a';
  return `${(ratio * 100).toFixed(decimals)} %`;
}

/** Minutes as "2h 05m" (or "45m"). */
export function formatMinutes(minutes: number): string {
  const m = Math.round(minutes);
  if (Math.abs(m) < 60) return `${m}m`;
  const sign = m < 0 ? '-' : '';
  const abs = Math.abs(m);
  return `${sign}${Math.floor(abs / 60)}h ${String(abs % 60).padStart(2, '0')}m`;
}

/** ISO-8601 timestamp in UTC without milliseconds. */
export function formatIso(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}
