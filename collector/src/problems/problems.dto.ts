import { z } from 'zod';
import { csvOf, limitParam } from '../api/query-params.js';
import { PROBLEM_STATUSES } from './problems.repository.js';

export const listProblemsQuery = z.strictObject({
  status: csvOf(PROBLEM_STATUSES).optional(),
  service: z.string().min(1).optional(),
  limit: limitParam,
});

export const problemIdParam = z.coerce.number().int().positive();

export const patchProblemBody = z
  .strictObject({
    title: z.string().trim().min(1).max(500).optional(),
    status: z.enum(PROBLEM_STATUSES).optional(),
    known_error: z.boolean().optional(),
    workaround: z.string().max(10_000).nullable().optional(),
    root_cause: z.string().max(10_000).nullable().optional(),
  })
  .refine((p) => Object.keys(p).length > 0, { message: 'nothing to change (title, status, known_error, workaround, root_cause)' });
