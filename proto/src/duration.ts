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

export type DurationUnit = 'w' | 'd' | 'h' | 'm' | 's' | 'ms';

const UNITS: readonly DurationUnit[] = ['w', 'd', 'h', 'm', 's', 'ms'];

export interface FormatDurationOptions {
  /** Largest unit used (default 'w'): with 'd', 14 days is "14d" rather than "2w". */
  largestUnit?: DurationUnit;
  /**
   * One unit only, as people say it in a sentence: the largest whole unit down to seconds that
   * divides the duration exactly ("90m" rather than "1h30m"), else seconds with one decimal ("1.5s").
   */
  singleUnit?: boolean;
}

/** Formats milliseconds in the largest whole units, e.g. 5400000 -> "1h30m". */
export function formatDuration(ms: number, options: FormatDurationOptions = {}): string {
  const units = UNITS.slice(UNITS.indexOf(options.largestUnit ?? 'w'));
  if (ms === 0) return '0s';
  if (options.singleUnit) {
    const unit = units.find((u) => u !== 'ms' && ms % UNIT_MS[u]! === 0);
    return unit ? `${ms / UNIT_MS[unit]!}${unit}` : `${Math.round(ms / 100) / 10}s`;
  }
  let rest = ms;
  let out = '';
  for (const unit of units) {
    const size = UNIT_MS[unit]!;
    if (rest >= size) {
      const count = Math.floor(rest / size);
      out += `${count}${unit}`;
      rest -= count * size;
    }
  }
  return out;
}
