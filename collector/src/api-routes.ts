// Route declarations (api/api-route.ts) for controllers whose folders are being reworked in
// parallel (agents, query, metrics, reports). They name the same schemas those controllers parse
// with; once the rework lands, each moves onto its handler as @ApiRoute and this file goes away.
import { z } from 'zod';
import { describeRoute } from './api/api-route.js';
import { AgentsController } from './agents/agents.controller.js';
import { MetricsController } from './metrics/metrics.controller.js';
import { QueryController } from './query/query.controller.js';
import { queryRangeSchema, seriesQuerySchema } from './query/query.dto.js';
import { CapacityReportController, SlaReportController } from './reports/reports.controller.js';
import { capacityReportQuerySchema, slaReportQuerySchema } from './reports/reports.dto.js';

const labels = z.record(z.string(), z.string());
const seriesSchema = z.strictObject({ id: z.number().int(), metric: z.string(), labels });

export const agentListResponse = z.array(
  z.strictObject({
    id: z.string(),
    kind: z.enum(['agent', 'remote_write', 'otlp']).describe('agent: a Vigil agent over gRPC; remote_write, otlp: a sender on that HTTP receiver'),
    hostname: z.string(),
    version: z.string(),
    labels,
    connected: z.boolean(),
    lastSeen: z.number().describe('ms since the Unix epoch'),
    intervalMs: z.number(),
    inventory: labels,
    spoolPending: z.number().int(),
    spoolDropped: z.number().int(),
  }),
);
export const seriesListResponse = z.array(seriesSchema);
export const queryResponse = z.strictObject({ series: seriesSchema, points: z.array(z.tuple([z.number(), z.number()])) });

const REPORT_TYPES = ['application/json', 'text/csv', 'text/html'];

/** Attaches the declarations; called once, before Nest maps the routes. */
export function describeSharedRoutes(): void {
  describeRoute(AgentsController, 'list', { summary: 'Every agent that ever connected, with its state', response: agentListResponse, auth: 'read' });
  describeRoute(QueryController, 'series', { summary: 'Series by metric name; any other parameter is an exact label match', query: seriesQuerySchema, response: seriesListResponse, auth: 'read' });
  describeRoute(QueryController, 'range', { summary: 'Raw points of one series in time order (default: the last hour)', query: queryRangeSchema, response: queryResponse, auth: 'read' });
  describeRoute(MetricsController, 'metrics', { summary: 'Prometheus text format, OpenMetrics when asked by Accept', produces: ['text/plain', 'application/openmetrics-text'] });
  describeRoute(SlaReportController, 'report', { summary: 'The SLA report of a period', query: slaReportQuerySchema, produces: REPORT_TYPES, auth: 'read' });
  describeRoute(CapacityReportController, 'report', { summary: 'The capacity review report', query: capacityReportQuerySchema, produces: REPORT_TYPES, auth: 'read' });
}
