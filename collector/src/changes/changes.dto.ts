import { z } from 'zod';
import { isoTime, limitParam, timeParam } from '../api/query-params.js';
import { CHANGE_OUTCOMES } from './changes.repository.js';

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,99}$/;

const ordered = (start: number | null | undefined, end: number | null | undefined) => start == null || end == null || end >= start;

export const createChangeBody = z
  .strictObject({
    id: z.string().regex(ID_RE, 'expected a change id (letters, digits, _ . : / -), e.g. CHG-1042'),
    services: z.array(z.string().min(1)).min(1, 'name at least one service'),
    description: z.string().max(10_000).default(''),
    planned_start: isoTime.optional(),
    planned_end: isoTime.optional(),
    actual_start: isoTime.optional(),
    actual_end: isoTime.optional(),
    outcome: z.enum(CHANGE_OUTCOMES).nullable().optional(),
  })
  .refine((c) => c.planned_start !== undefined || c.actual_start !== undefined, { message: 'planned_start or actual_start is required', path: ['planned_start'] })
  .refine((c) => ordered(c.planned_start, c.planned_end), { message: 'planned_end is before planned_start', path: ['planned_end'] })
  .refine((c) => ordered(c.actual_start, c.actual_end), { message: 'actual_end is before actual_start', path: ['actual_end'] });

export const patchChangeBody = z
  .strictObject({
    description: z.string().max(10_000).optional(),
    actual_start: isoTime.nullable().optional(),
    actual_end: isoTime.nullable().optional(),
    outcome: z.enum(CHANGE_OUTCOMES).nullable().optional(),
  })
  .refine((p) => Object.keys(p).length > 0, { message: 'nothing to change (description, actual_start, actual_end, outcome)' });

export const listChangesQuery = z.strictObject({
  service: z.string().min(1).optional(),
  since: timeParam.optional(),
  until: timeParam.optional(),
  limit: limitParam,
});

export const changeIdParam = z.string().regex(ID_RE, 'invalid change id');
export const changePath = z.strictObject({ id: changeIdParam });

// Answers, as the API sends them (the OpenAPI document is generated from these).
const isoOrNull = z.string().nullable().describe('ISO 8601 time');
export const changeViewSchema = z.strictObject({
  id: z.string(),
  services: z.array(z.string()),
  description: z.string().nullable(),
  planned_start: isoOrNull,
  planned_end: isoOrNull,
  actual_start: isoOrNull,
  actual_end: isoOrNull,
  outcome: z.enum(CHANGE_OUTCOMES).nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  incidents: z.array(z.number().int()),
});
export const changeListResponse = z.strictObject({ changes: z.array(changeViewSchema) });
