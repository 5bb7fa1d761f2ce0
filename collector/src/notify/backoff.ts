/** Capped exponential backoff with ±20 % jitter (so retries of many entries do not align). */
export function backoffMs(attempt: number, initialMs: number, maxMs: number, random: () => number = Math.random): number {
  const base = Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
  return Math.min(maxMs, Math.round(base * (0.8 + 0.4 * random())));
}
