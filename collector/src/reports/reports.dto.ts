// Query shapes of the report endpoints; the CLI (`vigil-collector report …`) parses its flags with
// the same schemas (field = flag name).
import { z } from 'zod';
import { REPORT_FORMATS } from './render/index.js';

export const slaReportQuerySchema = z.strictObject({
  period: z.string({ error: 'required, e.g. 2026-11' }).min(1, 'required, e.g. 2026-11'),
  format: z.enum(REPORT_FORMATS).default('json'),
  service: z.string().min(1).optional(),
});

export const capacityReportQuerySchema = z.strictObject({
  format: z.enum(REPORT_FORMATS, { error: 'must be one of json, csv, html' }).default('json'),
});
