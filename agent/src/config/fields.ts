// Field validators shared by the agent's config sections: durations and byte sizes, parsed to numbers with
// messages naming the accepted forms.
import { formatDuration, parseDuration } from '@vigil/proto/agent';
import { formatBytes, parseBytes } from './units.js';
import { INVALID, type At, type Validator } from '../validate.js';

/** A parsed number within [min, max], or a problem naming the bound it crosses. */
function inRange(at: At, value: number, min: number | undefined, max: number | undefined, format: (n: number) => string): number | typeof INVALID {
  if (min !== undefined && value < min) at.problem(`is below the minimum ${format(min)}`);
  else if (max !== undefined && value > max) at.problem(`is above the maximum ${format(max)}`);
  else return value;
  return INVALID;
}

/** A duration field ("10s", "5m"), parsed to milliseconds. */
export function duration(options: { min?: number; max?: number } = {}): Validator<number> {
  return (value, at) => {
    const ms = typeof value === 'string' ? parseDuration(value) : undefined;
    if (ms !== undefined) return inRange(at, ms, options.min, options.max, formatDuration);
    at.problem('is not a duration (use a number with a unit: 500ms, 10s, 5m, 2h, 7d)');
    return INVALID;
  };
}

/** A byte size field ("256MiB", "1GB" or a plain number of bytes). */
export function byteSize(min: number, max?: number): Validator<number> {
  return (value, at) => {
    const bytes = typeof value === 'string' || typeof value === 'number' ? parseBytes(value) : undefined;
    if (bytes !== undefined) return inRange(at, bytes, min, max, formatBytes);
    at.problem('is not a byte size (examples: 64MiB, 1GiB, 500MB)');
    return INVALID;
  };
}
