// Value schemas shared by the config sections of every feature (durations, sizes, addresses), so
// each section validates them alike and names the bad value the same way.
import { z } from 'zod';
import { parseDuration } from '@vigil/proto';

const DAY_MS = 86_400_000;

/**
 * A duration written like "10s", "5m", "7d" (a bare number is seconds); parsed to milliseconds.
 * `examples` goes into the error text: `invalid duration "x" (use e.g. <examples>)`.
 */
export function durationValue(options: { examples: string; allowZero: boolean }) {
  return z.union([z.string(), z.number()]).transform((value, ctx) => {
    const ms = typeof value === 'number' ? value * 1000 : parseDuration(value);
    if (ms === undefined || !Number.isFinite(ms) || ms < 0 || (ms === 0 && !options.allowZero)) {
      ctx.addIssue({ code: 'custom', message: `invalid duration ${JSON.stringify(value)} (use e.g. ${options.examples})` });
      return z.NEVER;
    }
    return ms;
  });
}

/** A duration from zero up, as rules, notifiers and incident timing write them. */
export const duration = durationValue({ examples: '30s, 5m, 2h, 7d', allowZero: true });

/** A duration above zero. */
export const positiveDuration = (examples: string) => durationValue({ examples, allowZero: false });

/** HOST:PORT, IPv6 in brackets; port 0 picks a free port. */
export const listenAddress = z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+):\d{1,5}$/, 'expected HOST:PORT, e.g. 127.0.0.1:7070')
  .refine((v) => Number(v.slice(v.lastIndexOf(':') + 1)) <= 65535, 'port must be 0-65535');

/** A byte count, or a size such as "4MiB". */
export const byteSize = z.union([z.number().int().positive(), z.string()]).transform((value, ctx) => {
  if (typeof value === 'number') return value;
  const m = /^(\d+(?:\.\d+)?)\s*(B|KiB|MiB|GiB|KB|MB|GB)?$/.exec(value.trim());
  const unit: Record<string, number> = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, KB: 1e3, MB: 1e6, GB: 1e9 };
  if (!m) {
    ctx.addIssue({ code: 'custom', message: `invalid size ${JSON.stringify(value)} (use e.g. 4MiB)` });
    return z.NEVER;
  }
  return Math.round(Number(m[1]) * unit[m[2] ?? 'B']!);
});

/** Milliseconds as days with two decimals ("0.04d"), for problems that compare durations. */
export function formatDays(ms: number): string {
  return `${Math.round((ms / DAY_MS) * 100) / 100}d`;
}

export const httpUrl = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' });

/** Names of rules and notifiers: letters, digits, _ . : - (at most 100 characters). */
export const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/;
