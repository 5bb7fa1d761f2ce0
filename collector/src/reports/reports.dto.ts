// Query shapes of the report endpoints; the CLI (`vigil-collector report …`) parses its flags with
// the same schemas (field = flag name).
import { z } from 'zod';
import { REPORT_FORMATS } from './render/index.js';

export const slaReportQuerySchema = z.strictObject({
  /** Left out: each service's current period. */
  period: z.string().min(1, 'must not be empty: give e.g. 2026-11, or leave it out for the current period').optional(),
  format: z.enum(REPORT_FORMATS).default('json'),
  service: z.string().min(1).optional(),
});

export const capacityReportQuerySchema = z.strictObject({
  format: z.enum(REPORT_FORMATS, { error: 'must be one of json, csv, html' }).default('json'),
});
