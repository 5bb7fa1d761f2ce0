import { z } from 'zod';
import { csvOf, limitParam } from '../api/query-params.js';
import { PROBLEM_STATUSES } from './problems.repository.js';

export const listProblemsQuery = z.strictObject({
  status: csvOf(PROBLEM_STATUSES).optional(),
  service: z.string().min(1).optional(),
  limit: limitParam,
});

export const problemIdParam = z.coerce.number().int().positive();
export const problemPath = z.strictObject({ id: problemIdParam });

export const patchProblemBody = z
  .strictObject({
    title: z.string().trim().min(1).max(500).optional(),
    status: z.enum(PROBLEM_STATUSES).optional(),
    known_error: z.boolean().optional(),
    workaround: z.string().max(10_000).nullable().optional(),
    root_cause: z.string().max(10_000).nullable().optional(),
  })
  .refine((p) => Object.keys(p).length > 0, { message: 'nothing to change (title, status, known_error, workaround, root_cause)' });

// Answers, as the API sends them (the OpenAPI document is generated from these).
export const problemViewSchema = z.strictObject({
  id: z.number().int(),
  fingerprint: z.string(),
  rule: z.string(),
  service: z.string().nullable(),
  title: z.string(),
  status: z.enum(PROBLEM_STATUSES),
  known_error: z.boolean(),
  workaround: z.string().nullable(),
  root_cause: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  resolved_at: z.string().nullable(),
});
export const problemListResponse = z.strictObject({ problems: z.array(problemViewSchema) });
