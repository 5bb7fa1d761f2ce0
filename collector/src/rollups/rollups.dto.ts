import { z } from 'zod';
import { parseDuration } from '@vigil/proto';

const ms = (name: string) => z.string().regex(/^\d+$/, `${name} must be ms since the Unix epoch`).transform(Number);

export const rollupQuerySchema = z.strictObject({
  series: z.string({ error: 'required: a series id' }).regex(/^\d+$/, 'must be a series id').transform(Number),
  /** A duration (`1m`, `1h`) or milliseconds. */
  step: z.string({ error: 'required, e.g. 1m or 1h' }).transform((value, ctx) => {
    const parsed = /^\d+$/.test(value) ? Number(value) : parseDuration(value);
    if (parsed === undefined || !Number.isFinite(parsed)) {
      ctx.addIssue({ code: 'custom', message: `invalid duration ${JSON.stringify(value)} (use e.g. 1m, 1h or milliseconds)` });
      return z.NEVER;
    }
    return parsed;
  }),
  from: ms('from').optional(),
  to: ms('to').optional(),
});
