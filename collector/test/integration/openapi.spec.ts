// GET /api/openapi.json against the running collector: every route Express actually serves is in
// the document, and the documented answers of the main GET routes are what those routes send.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { buildConfig } from '../../src/config/config.loader.js';
import { startCollector, type RunningCollector } from '../../src/app.js';
import { agentListResponse, queryResponse, seriesListResponse } from '../../src/api-routes.js';
import { changeListResponse, changeViewSchema } from '../../src/changes/changes.dto.js';
import { incidentDetailResponse, incidentListResponse } from '../../src/incidents/incidents.dto.js';
import { problemListResponse } from '../../src/problems/problems.dto.js';
import { TestAgent, gauge } from '../support/test-agent.js';
import { eventually } from './incidents.support.js';

const TOKEN = 'agent-token-1';
const API = 'api-token-12';

type Operation = { summary: string; parameters: Array<{ name: string; in: string }>; requestBody?: unknown; responses: Record<string, { content?: Record<string, { schema?: unknown }> }> };
type Document = { openapi: string; paths: Record<string, Record<string, Operation>> };

describe('GET /api/openapi.json', () => {
  let dir: string;
  let collector: RunningCollector;
  let agent: TestAgent;
  let doc: Document;
  const get = async (path: string) => {
    const res = await fetch(`http://${collector.httpAddress}${path}`);
    expect({ path, status: res.status }).toEqual({ path, status: 200 });
    return (await res.json()) as unknown;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-openapi-'));
    const config = buildConfig({
      storage: { path: join(dir, 'vigil.db') },
      listen: { grpc: '127.0.0.1:0', http: '127.0.0.1:0' },
      auth: { agent_tokens: [TOKEN], api_tokens: [API] },
      rules: [{ name: 'load-high', metric: 'vigil_load1', op: '>', threshold: 4, for: '0s', severity: 'warning', title: 'load on {{ labels.host }}' }],
    });
    collector = await startCollector({ config, logLevels: false });
    // Something in every list: an agent with a series (and an incident from its load), a change.
    agent = new TestAgent(collector.grpcAddress, TOKEN).connect().hello();
    agent.batch(1, [gauge('vigil_load1', {}, Date.now() - 5_000, [5])]);
    await agent.until(() => agent.acks.includes(1));
    const change = await fetch(`http://${collector.httpAddress}/api/changes`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'CHG-1', services: ['shop'], planned_start: '2026-11-03T10:00:00Z' }),
    });
    expect(change.status).toBe(201);
    await eventually(async () => ((await get('/api/incidents')) as { incidents: unknown[] }).incidents.length > 0, 10_000, 'the load incident');
    doc = (await get('/api/openapi.json')) as Document;
  });
  afterAll(async () => {
    agent?.close();
    await collector.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists every route Express serves, each with a summary, and nothing else', () => {
    const router = (collector.app.getHttpAdapter().getInstance() as { router: { stack: Array<{ route?: { path: string; methods: Record<string, boolean> } }> } }).router;
    const served = router.stack
      .flatMap((layer) => (layer.route ? Object.keys(layer.route.methods).filter((m) => m !== '_all').map((m) => `${m.toUpperCase()} ${layer.route!.path.replace(/:(\w+)/g, '{$1}')}`) : []))
      .sort();
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)).sort();
    expect(served.length).toBeGreaterThan(30);
    expect(documented).toEqual(served);
    expect(doc.openapi).toBe('3.1.0');
    for (const [path, ops] of Object.entries(doc.paths)) for (const [m, op] of Object.entries(ops)) expect({ route: `${m} ${path}`, generic: op.summary.startsWith(m.toUpperCase()) }).toEqual({ route: `${m} ${path}`, generic: false });
  });

  it('documents the query parameters and bodies the routes validate with', () => {
    const names = (path: string, method = 'get') => doc.paths[path]![method]!.parameters.map((p) => `${p.in}:${p.name}`);
    expect(names('/api/incidents')).toEqual(['query:state', 'query:severity', 'query:rule', 'query:service', 'query:since', 'query:before_id', 'query:limit']);
    expect(names('/api/query')).toEqual(['query:series', 'query:from', 'query:to']);
    expect(names('/api/incidents/{id}/ack', 'post')).toEqual(['path:id']);
    expect(doc.paths['/api/kpis']!.get!.parameters).toContainEqual(expect.objectContaining({ name: 'period', in: 'query', required: true, schema: expect.objectContaining({ examples: ['2026-11'] }) }));
    expect(doc.paths['/api/changes']!.post!.requestBody).toMatchObject({ content: { 'application/json': { schema: { type: 'object', required: ['id', 'services'] } } } });
  });

  it('documents answers that match what the main GET routes send', async () => {
    const incidents = (await get('/api/incidents')) as { incidents: Array<{ id: number }> };
    const series = seriesListResponse.parse(await get('/api/series?metric=vigil_load1'));
    const checks: Array<[string, string, z.ZodType]> = [
      ['/api/agents', '/api/agents', agentListResponse],
      ['/api/series', '/api/series?metric=vigil_load1', seriesListResponse],
      ['/api/query', `/api/query?series=${series[0]!.id}&from=0&to=${Date.now()}`, queryResponse],
      ['/api/incidents', '/api/incidents', incidentListResponse],
      ['/api/incidents/{id}', `/api/incidents/${incidents.incidents[0]!.id}`, incidentDetailResponse],
      ['/api/changes', '/api/changes', changeListResponse],
      ['/api/changes/{id}', '/api/changes/CHG-1', changeViewSchema],
      ['/api/problems', '/api/problems', problemListResponse],
      ['/healthz', '/healthz', z.strictObject({ status: z.literal('ok') })],
    ];
    for (const [route, url, schema] of checks) {
      const documented = doc.paths[route]!.get!.responses['200']!.content!['application/json']!.schema;
      const { $schema: _drop, ...expected } = z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }) as Record<string, unknown>;
      expect({ route, documented }).toEqual({ route, documented: expected });
      const body = await get(url);
      const parsed = schema.safeParse(body);
      expect({ route, issues: parsed.success ? [] : parsed.error.issues }).toEqual({ route, issues: [] });
    }
    expect(((await get('/api/agents')) as unknown[]).length).toBe(1);
    expect(((await get('/api/changes')) as { changes: unknown[] }).changes.length).toBe(1);
  });
});
