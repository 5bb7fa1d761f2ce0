// Query and body fields shared by the incident, change and problem APIs: lists, times, limits.
import { z } from 'zod';
import { parseDuration } from '@vigil/proto';

/** "a,b,c" (or a repeated parameter) → list. */
export const csv = z.union([z.string(), z.array(z.string())]).transform((v) => (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean));

/** A csv list of known values. */
export function csvOf<T extends string>(values: readonly [T, ...T[]]) {
  return csv.pipe(z.array(z.enum(values)));
}

/** An ISO 8601 time, or a duration meaning "that long ago" ("24h"), relative to `nowMs`. */
export type TimeParam = { kind: 'ago'; ms: number } | { kind: 'at'; ms: number };
export const timeParam = z.string().transform((v, ctx): TimeParam => {
  const ago = parseDuration(v);
  if (ago !== undefined) return { kind: 'ago', ms: ago };
  const ms = Date.parse(v);
  if (!/^\d{4}-\d{2}-\d{2}/.test(v) || Number.isNaN(ms)) {
    ctx.addIssue({ code: 'custom', message: `expected an ISO 8601 time or a duration like 24h, got ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  return { kind: 'at', ms };
});
export const resolveTime = (t: TimeParam, nowMs: number): number => (t.kind === 'ago' ? nowMs - t.ms : t.ms);

/** An ISO 8601 timestamp with a date and time, to epoch ms. */
export const isoTime = z.string().transform((v, ctx) => {
  const ms = Date.parse(v);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(v) || Number.isNaN(ms)) {
    ctx.addIssue({ code: 'custom', message: `expected an ISO 8601 timestamp like 2026-11-03T10:00:00Z, got ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  return ms;
});

export const limitParam = z.coerce.number().int().min(1).max(1000).default(100);
