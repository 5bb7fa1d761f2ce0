// Durations as operators write them in config files and flags: "500ms", "10s", "5m", "2h", "7d", "1w",
// or combinations such as "1h30m". Shared by agent and collector so both read them alike.

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const DURATION_RE = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/;

/** Parses a duration to milliseconds; returns undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  let rest = text.trim();
  if (rest === '') return undefined;
  let total = 0;
  while (rest.length > 0) {
    const match = DURATION_RE.exec(rest);
    if (!match) return undefined;
    total += Number(match[1]) * UNIT_MS[match[2]!]!;
    rest = rest.slice(match[0].length);
  }
  return total;
}

/** Formats milliseconds in the largest whole units, e.g. 5400000 -> "1h30m". */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const unit of ['w', 'd', 'h', 'm', 's', 'ms']) {
    const size = UNIT_MS[unit]!;
    if (rest >= size) {
      const count = Math.floor(rest / size);
      out += `${count}${unit}`;
      rest -= count * size;
    }
  }
  return out;
}

/**
 * Formats milliseconds in a single unit, as people say them in a sentence: whole days, hours or
 * minutes when `ms` is a whole number of one (largest first), otherwise seconds with one decimal.
 * 86400000 -> "1d", 5400000 -> "90m", 1500 -> "1.5s", 0 -> "0s".
 */
export function formatDurationInOneUnit(ms: number): string {
  for (const unit of ['d', 'h', 'm']) {
    const size = UNIT_MS[unit]!;
    if (ms > 0 && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${Math.round(ms / 100) / 10}s`;
}
