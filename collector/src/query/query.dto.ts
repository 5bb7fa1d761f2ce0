import { z } from 'zod';

const intString = (name: string) =>
  z.string().regex(/^-?\d+$/, `${name} must be an integer (ms since the Unix epoch)`).transform(Number);

/**
 * Most raw points one `GET /api/query` returns (as Prometheus' 11,000 points per series): about
 * 3 hours at 1 s, 30 hours at 10 s. Longer ranges are read from /api/rollups.
 */
export const MAX_QUERY_POINTS = 11_000;

export const queryRangeSchema = z
  .object({
    series: z.string({ message: 'series is required' }).regex(/^\d+$/, 'series must be a series id').transform(Number),
    from: intString('from').optional(),
    to: intString('to').optional(),
  })
  .refine((q) => q.from === undefined || q.to === undefined || q.from <= q.to, { message: 'from must not be after to', path: ['from'] });

/** Any query parameter besides metric and limit is an exact label matcher. */
export const seriesQuerySchema = z.record(z.string(), z.string()).transform((q, ctx) => {
  const { metric, limit, ...labels } = q;
  const parsedLimit = limit === undefined ? 10_000 : Number(limit);
  if (!Number.isInteger(parsedLimit) || parsedLimit < 1 || parsedLimit > 100_000) {
    ctx.addIssue({ code: 'custom', message: 'limit must be an integer from 1 to 100000', path: ['limit'] });
    return z.NEVER;
  }
  return { metric, limit: parsedLimit, labels };
});
