// Field schemas shared by feature config sections (incidents, notify): same wording everywhere.
import { z } from 'zod';
import { parseDuration } from '@vigil/proto';

/** Durations as "30s", "5m", "2h" (or a number of seconds); parsed to milliseconds. */
export const duration = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const ms = typeof value === 'number' ? value * 1000 : parseDuration(value);
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) {
    ctx.addIssue({ code: 'custom', message: `invalid duration ${JSON.stringify(value)} (use e.g. 30s, 5m, 2h, 7d)` });
    return z.NEVER;
  }
  return ms;
});

export const httpUrl = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' });

/** Names of rules and notifiers: letters, digits, _ . : - (at most 100 characters). */
export const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/;
