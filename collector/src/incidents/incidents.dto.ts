import { z } from 'zod';
import { csv, csvOf, limitParam, timeParam } from '../api/query-params.js';
import { INCIDENT_STATES } from './domain/lifecycle.js';
import { SEVERITIES } from '../common/severity.js';

export const listIncidentsQuery = z.strictObject({
  state: csvOf(INCIDENT_STATES).optional(),
  severity: csvOf(SEVERITIES).optional(),
  /** Rule names, comma-separated. */
  rule: csv.optional(),
  service: z.string().min(1).optional(),
  since: timeParam.optional(),
  before_id: z.coerce.number().int().positive().optional(),
  limit: limitParam,
});

export const incidentIdParam = z.coerce.number().int().positive();

const actor = z.string().trim().min(1).max(200).default('api');
export const ackBody = z.strictObject({ by: actor }).prefault({});
export const resolveBody = z.strictObject({ by: actor, note: z.string().max(10_000).optional() }).prefault({});
export const commentBody = z.strictObject({ by: actor, text: z.string().trim().min(1).max(10_000) });

export const kpiQuery = z.strictObject({
  period: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'expected a month as YYYY-MM, e.g. 2026-11').meta({ examples: ['2026-11'] }),
  tz: z.string().min(1).default('UTC'),
});
