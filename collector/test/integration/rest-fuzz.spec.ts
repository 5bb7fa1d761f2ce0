// Property-based fuzzing of every REST route of a real collector (real SQLite file, real HTTP):
// random paths, query strings, JSON and malformed bodies, big numbers, unicode, with and without
// tokens. Properties: no 5xx (except a not-ready /readyz), an answer within a bound, and nothing
// stored by a request that was refused. Budget: FUZZ_RUNS requests (default 1000, about 6 s) and FUZZ_SECONDS.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildConfig } from '../../src/config/config.loader.js';
import { startCollector, type RunningCollector } from '../../src/app.js';

const API_TOKEN = 'api-token-0123456789';
const METRICS_TOKEN = 'metrics-token-0123456789';
const RUNS = Number(process.env.FUZZ_RUNS ?? 1000);
const SECONDS = Number(process.env.FUZZ_SECONDS ?? 40);
/** Longest any single answer may take. */
const ANSWER_WITHIN_MS = 2_000;
/** Tables a REST request can write; a refused request must leave each of them as it was. */
const WRITABLE_TABLES = ['changes', 'change_services', 'incidents', 'incident_events', 'problems', 'notification_outbox', 'sla_audit', 'sla_maintenance', 'sla_services', 'series', 'sample_log', 'chunk', 'agents'];

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
/** Every route; `:p` is replaced by a fuzzed path segment. */
const ROUTES: [Method, string][] = [
  ['GET', '/healthz'], ['GET', '/readyz'], ['GET', '/metrics'],
  ['GET', '/api/agents'], ['GET', '/api/series'], ['GET', '/api/query'], ['GET', '/api/rollups'],
  ['GET', '/api/services'], ['GET', '/api/services/:p'], ['GET', '/api/services/:p/sla'], ['POST', '/api/services'], ['PUT', '/api/services/:p'], ['DELETE', '/api/services/:p'],
  ['GET', '/api/maintenance'], ['GET', '/api/maintenance/:p'], ['POST', '/api/maintenance'], ['PUT', '/api/maintenance/:p'], ['DELETE', '/api/maintenance/:p'],
  ['GET', '/api/sla/burn-rates'], ['GET', '/api/reports/sla'], ['GET', '/api/reports/capacity'],
  ['GET', '/api/capacity'], ['GET', '/api/capacity/:p'], ['POST', '/api/capacity/recompute'],
  ['GET', '/api/incidents'], ['GET', '/api/incidents/:p'], ['POST', '/api/incidents/:p/ack'], ['POST', '/api/incidents/:p/resolve'], ['POST', '/api/incidents/:p/comments'],
  ['GET', '/api/kpis'],
  ['GET', '/api/changes'], ['GET', '/api/changes/:p'], ['POST', '/api/changes'], ['PATCH', '/api/changes/:p'],
  ['GET', '/api/problems'], ['GET', '/api/problems/:p'], ['PATCH', '/api/problems/:p'],
  // Unknown routes and methods.
  ['GET', '/api/:p'], ['POST', '/api/query'], ['DELETE', '/metrics'], ['PUT', '/api/changes'],
];

const KEYS = ['id', 'name', 'series', 'from', 'to', 'step', 'metric', 'limit', 'period', 'window', 'format', 'service', 'services', 'status', 'severity', 'host', 'resource',
  'agent', 'probes', 'sla', 'availability', 'start', 'end', 'schedule', 'duration', 'timezone', 'reason', 'created_by', 'title', 'description', 'change', 'outcome', 'comment',
  'text', 'root_cause', 'workaround', 'known_error', 'sort', 'before_id', 'tier', 'owner', 'depends_on', 'latency', 'threshold', 'target', 'windows', 'service_hours'];

const nastyString = fc.oneof(
  fc.constantFrom('', '0', '1', '-1', 'shop', '1e309', '-0', 'NaN', 'Infinity', '9007199254740993', '9'.repeat(400), '0x1F', '1.5', ' 1', '１２', '2026-11', '2026-13-45',
    '2026-11-16T09:10', '30d', '1m', '0s', '99999999999d', '__proto__', 'constructor', '../../etc/passwd', '%00', '\u0000', '\u202e', '😀', '𝕍𝕚𝕘𝕚𝕝', 'a'.repeat(5000), 'json', 'html', 'csv'),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.integer().map(String),
  fc.double().map(String),
  fc.bigInt().map(String),
);
const nastyValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    nastyString,
    fc.constantFrom(null, true, false, 0, -0, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 2 ** 53, 1.5, -1),
    fc.integer(),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom(...KEYS), tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** Valid bodies of the write routes, to be mutated: one key replaced, removed or added. */
const VALID_BODIES: Record<string, unknown>[] = [
  { id: 'svc-fuzz', name: 'Fuzz', probes: ['p-1'], sla: { availability: 99.9, windows: ['30d'] } },
  { id: 'mw-fuzz', services: ['shop'], start: '2030-01-01T00:00', end: '2030-01-01T02:00', timezone: 'UTC', reason: 'fuzz' },
  { id: 'CHG-1', services: ['shop'], description: 'fuzz', planned_start: '2030-01-01T00:00:00Z', planned_end: '2030-01-01T01:00:00Z', outcome: null },
  { description: 'fuzz', actual_start: '2030-01-01T00:00:00Z', outcome: 'successful' },
  { by: 'alice', text: 'fuzz', note: 'n' },
  { status: 'resolved', root_cause: 'fuzz', workaround: 'w', known_error: true },
];
const mutatedBody = fc
  .tuple(fc.constantFrom(...VALID_BODIES), fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 8 })), nastyValue, fc.constantFrom('replace', 'remove', 'keep'))
  .map(([valid, key, value, how]) => {
    const out: Record<string, unknown> = { ...valid };
    if (how === 'remove') delete out[key];
    else if (how === 'replace') out[key] = value;
    return JSON.stringify(out);
  });

const body = fc.oneof(
  fc.constant<undefined>(undefined),
  mutatedBody,
  mutatedBody,
  fc.dictionary(fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 10 })), nastyValue, { maxKeys: 8 }).map((o) => JSON.stringify(o)),
  fc.json({ maxDepth: 3 }),
  // Malformed JSON and things that are not JSON at all.
  fc.constantFrom('{', '{"id":', '[1,2', '{"a":1}}', 'null', '"str"', '1e999', '{"__proto__":{"x":1}}', '\u0000', '{"id":"\ud800"}', 'x'.repeat(2_000_000)),
  fc.string({ unit: 'binary', maxLength: 50 }),
);
const query = fc.array(fc.tuple(fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 8 })), nastyString), { maxLength: 6 });
const token = fc.oneof(
  { weight: 6, arbitrary: fc.constant(API_TOKEN) },
  { weight: 1, arbitrary: fc.constantFrom<string | undefined>(undefined, METRICS_TOKEN, 'wrong-token-0123456789', '', 'Bearer', 'x'.repeat(10_000)) },
);
const request = fc.record({
  route: fc.constantFrom(...ROUTES),
  segment: fc.oneof(fc.constantFrom('1', 'shop', '0', '-1', '99999999999999999999', 'capacity', 'recompute', 'host-1'), nastyString),
  query,
  body,
  token,
  contentType: fc.oneof({ weight: 4, arbitrary: fc.constant('application/json') }, { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', undefined) }),
});

describe('REST fuzzing against a real collector', () => {
  let dir: string;
  let collector: RunningCollector;
  let base: string;
  const served = new Map<string, number>();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-rest-fuzz-'));
    const config = buildConfig({
      storage: { path: join(dir, 'vigil.db') },
      listen: { grpc: '127.0.0.1:0', http: '127.0.0.1:0' },
      auth: { api_tokens: [API_TOKEN], metrics_tokens: [METRICS_TOKEN], protect_reads: true },
      services: [{ id: 'shop', name: 'Shop', probes: ['shop-http'], sla: { availability: 99.9, windows: ['30d'] } }],
    });
    collector = await startCollector({ config, logLevels: false });
    base = `http://${collector.httpAddress}`;
    // Something to find: one series with points (id 1).
    const t0 = Date.now() - 600_000;
    const timestamps = Array.from({ length: 600 }, (_, i) => t0 + i * 1000);
    await collector.store.append({ agentId: 'agent-1', epoch: 'e1', seq: 1, series: [{ metric: 'vigil_load1', labels: { agent: 'agent-1', host: 'host-1' }, kind: 'gauge', timestamps, values: timestamps.map((_, i) => i) }] });
  });

  afterAll(async () => {
    console.log(`fuzzed requests by status: ${JSON.stringify(Object.fromEntries([...served].sort()))}`);
    await collector?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function rowCounts(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const table of WRITABLE_TABLES) out[table] = (await collector.database.get<{ n: number }>(`SELECT count(*) AS n FROM ${table}`))!.n;
    return out;
  }

  it('answers every request without a 5xx, within the bound, and stores nothing from a refused one', async () => {
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const [method, template] = r.route;
        const path = template.replace(':p', encodeURIComponent(r.segment));
        const search = new URLSearchParams(r.query).toString();
        const headers: Record<string, string> = {};
        if (r.token !== undefined) headers.authorization = `Bearer ${r.token}`;
        if (r.contentType) headers['content-type'] = r.contentType;
        const before = await rowCounts();
        const started = performance.now();
        const res = await fetch(`${base}${path}${search ? `?${search}` : ''}`, {
          method,
          headers,
          ...(r.body !== undefined && method !== 'GET' ? { body: r.body } : {}),
          signal: AbortSignal.timeout(10_000),
        });
        const text = await res.text();
        const elapsed = performance.now() - started;
        served.set(String(res.status), (served.get(String(res.status)) ?? 0) + 1);
        const what = `${method} ${path}?${search} -> ${res.status} ${text.slice(0, 300)}`;
        expect(res.status >= 500 && !(template === '/readyz' && res.status === 503), what).toBe(false);
        expect(elapsed, what).toBeLessThan(ANSWER_WITHIN_MS);
        if (res.status >= 400) expect(await rowCounts(), what).toEqual(before);
      }),
      { numRuns: RUNS, interruptAfterTimeLimit: SECONDS * 1000, seed: process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined },
    );
    expect([...served.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(50);
  }, (SECONDS + 20) * 1000);
});
