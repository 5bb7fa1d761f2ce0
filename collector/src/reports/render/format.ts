// Number and time formatting shared by reports (HTML and CSV alike). Times a meeting reads are
// wall-clock times in the SLA's zone with the offset, so nobody converts from UTC in their head.
import { DateTime } from 'luxon';

/** A ratio as a percentage with fixed decimals ("99.953 %"); "n/a" for null. */
export function formatPercent(ratio: number | null | undefined, decimals = 3): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return 'n/a';
  return `${(ratio * 100).toFixed(decimals)} %`;
}

/** A configured ratio as written ("99.9 %" for 0.999, "99.95 %"), without float noise. */
export function formatObjective(ratio: number): string {
  return `${Number((ratio * 100).toFixed(6))} %`;
}

/**
 * An achieved ratio shown one decimal finer than its objective (at least `minDecimals`), never
 * rounded up onto the objective or onto 100 %: 0.998999 against 99.9 % is "99.89 %", not "99.90 %".
 */
export function formatAchieved(ratio: number | null, objective: number, minDecimals = 2): string {
  if (ratio === null) return 'n/a';
  const objectiveDecimals = (String(Number((objective * 100).toFixed(6))).split('.')[1] ?? '').length;
  const decimals = Math.max(minDecimals, objectiveDecimals + 1);
  const rounded = Number((ratio * 100).toFixed(decimals));
  const bound = ratio < objective ? objective * 100 : ratio < 1 ? 100 : Infinity;
  return `${(rounded >= bound - 1e-9 ? floorTo(ratio * 100, decimals) : rounded).toFixed(decimals)} %`;
}

/** A share such as coverage, rounded down: "12 %", below 10 % with one decimal ("0.3 %"). */
export function formatShare(ratio: number): string {
  const percent = ratio * 100;
  if (percent === 0) return '0 %';
  return percent < 10 ? `${floorTo(percent, 1).toFixed(1)} %` : `${Math.floor(percent + 1e-9)} %`;
}

const floorTo = (value: number, decimals: number) => Math.floor(value * 10 ** decimals + 1e-6) / 10 ** decimals;

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

/** ISO-8601 in `zone` with its offset ("2026-11-16T09:00:00+01:00"): the same instant, read in local time. */
export function formatIsoLocal(ms: number, zone: string): string {
  return DateTime.fromMillis(ms, { zone }).toISO({ suppressMilliseconds: true })!;
}

/** "2026-11-16 09:00 +01:00": a table cell whose column header names the zone. */
export function formatLocalShort(ms: number, zone: string): string {
  return DateTime.fromMillis(ms, { zone }).toFormat('yyyy-MM-dd HH:mm ZZ');
}

/** "2026-12-01 00:00 (Europe/Berlin, +01:00)". */
export function formatLocal(ms: number, zone: string): string {
  const t = DateTime.fromMillis(ms, { zone });
  return `${t.toFormat('yyyy-MM-dd HH:mm')} (${zone}, ${t.toFormat('ZZ')})`;
}

/**
 * "2026-11-01 00:00 – 2026-12-01 00:00 (Europe/Berlin, +01:00)"; when a daylight-saving change lies
 * between, each end names its own offset.
 */
export function formatLocalRange(startMs: number, endMs: number, zone: string): string {
  const start = DateTime.fromMillis(startMs, { zone });
  const end = DateTime.fromMillis(endMs, { zone });
  if (start.offset === end.offset) return `${start.toFormat('yyyy-MM-dd HH:mm')} – ${end.toFormat('yyyy-MM-dd HH:mm')} (${zone}, ${start.toFormat('ZZ')})`;
  return `${formatLocal(startMs, zone)} – ${formatLocal(endMs, zone)}`;
}
