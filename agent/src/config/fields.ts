// Zod field schemas shared by the agent's config sections: durations and byte sizes, parsed to numbers with
// messages naming the accepted forms.
import { z } from 'zod';
import { formatDuration, parseDuration } from '@vigil/proto';
import { formatBytes, parseBytes } from './units.js';

/** A duration field ("10s", "5m"), parsed to milliseconds. */
export function duration(options: { min?: number; max?: number } = {}) {
  return z.unknown().transform((value, ctx): number => {
    const ms = typeof value === 'string' ? parseDuration(value) : undefined;
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: 'is not a duration (use a number with a unit: 500ms, 10s, 5m, 2h, 7d)' });
      return z.NEVER;
    }
    if (options.min !== undefined && ms < options.min) {
      ctx.addIssue({ code: 'custom', message: `is below the minimum ${formatDuration(options.min)}` });
      return z.NEVER;
    }
    if (options.max !== undefined && ms > options.max) {
      ctx.addIssue({ code: 'custom', message: `is above the maximum ${formatDuration(options.max)}` });
      return z.NEVER;
    }
    return ms;
  });
}

/** A byte size field ("256MiB", "1GB" or a plain number of bytes). */
export function byteSize(min: number, max?: number) {
  return z.unknown().transform((value, ctx): number => {
    const bytes = typeof value === 'string' || typeof value === 'number' ? parseBytes(value) : undefined;
    if (bytes === undefined) {
      ctx.addIssue({ code: 'custom', message: 'is not a byte size (examples: 64MiB, 1GiB, 500MB)' });
      return z.NEVER;
    }
    if (bytes < min) {
      ctx.addIssue({ code: 'custom', message: `is below the minimum ${formatBytes(min)}` });
      return z.NEVER;
    }
    if (max !== undefined && bytes > max) {
      ctx.addIssue({ code: 'custom', message: `is above the maximum ${formatBytes(max)}` });
      return z.NEVER;
    }
    return bytes;
  });
}
