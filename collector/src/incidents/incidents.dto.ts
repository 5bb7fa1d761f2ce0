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
export const incidentPath = z.strictObject({ id: incidentIdParam });

const actor = z.string().trim().min(1).max(200).default('api');
export const ackBody = z.strictObject({ by: actor }).prefault({});
export const resolveBody = z.strictObject({ by: actor, note: z.string().max(10_000).optional() }).prefault({});
export const commentBody = z.strictObject({ by: actor, text: z.string().trim().min(1).max(10_000) });

export const kpiQuery = z.strictObject({
  period: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'expected a month as YYYY-MM, e.g. 2026-11').meta({ examples: ['2026-11'] }),
  tz: z.string().min(1).default('UTC'),
});

// Answers, as the API sends them (the OpenAPI document is generated from these).
const isoTime = z.string().describe('ISO 8601 time');
export const incidentViewSchema = z.strictObject({
  id: z.number().int(),
  fingerprint: z.string(),
  rule: z.string(),
  severity: z.string(),
  service: z.string().nullable(),
  title: z.string(),
  description: z.string(),
  labels: z.record(z.string(), z.string()),
  state: z.enum(INCIDENT_STATES),
  value: z.number().nullable(),
  acknowledged_by: z.string().nullable(),
  resolved_by: z.string().nullable(),
  reopen_count: z.number().int(),
  suppressed_by: z.string().nullable(),
  change_id: z.string().nullable(),
  problem_id: z.number().int().nullable(),
  flapping: z.boolean(),
  started_at: isoTime,
  opened_at: isoTime,
  acknowledged_at: isoTime.nullable(),
  resolved_at: isoTime.nullable(),
  closed_at: isoTime.nullable(),
  url: z.string(),
});
export const incidentListResponse = z.strictObject({ incidents: z.array(incidentViewSchema) });
export const incidentDetailResponse = incidentViewSchema.extend({
  timeline: z.array(z.strictObject({ at: isoTime, type: z.string(), actor: z.string().nullable(), detail: z.string().nullable() })),
});
