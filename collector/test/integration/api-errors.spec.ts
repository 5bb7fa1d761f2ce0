// One error shape on every path of the HTTP API, with messages for people: a real collector on
// loopback, asked the wrong things.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildConfig } from '../../src/config/config.loader.js';
import { startCollector, type RunningCollector } from '../../src/app.js';

const API = 'api-token-12';

describe('HTTP API errors', () => {
  let dir: string;
  let collector: RunningCollector;
  const call = async (method: string, path: string, body?: string) => {
    const res = await fetch(`http://${collector.httpAddress}${path}`, {
      method,
      headers: { authorization: `Bearer ${API}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body } : {}),
    });
    return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as unknown };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-api-errors-'));
    const config = buildConfig({ storage: { path: join(dir, 'vigil.db') }, listen: { grpc: '127.0.0.1:0', http: '127.0.0.1:0' }, auth: { agent_tokens: ['agent-token-1'], api_tokens: [API] } });
    collector = await startCollector({ config, logLevels: false });
  });
  afterAll(async () => {
    await collector.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers a malformed JSON body with 400 and the parser position', async () => {
    expect(await call('POST', '/api/changes', '{"id": "CHG-1",')).toEqual({
      status: 400,
      type: 'application/json; charset=utf-8',
      body: { error: 'invalid request', issues: [expect.stringMatching(/^\(body\): not valid JSON \(.+\)$/)] },
    });
  });

  it('answers an unknown route with 404 in the same shape, pointing at the route list', async () => {
    // `/` is the web console's page (issue 11); a path that nothing serves outside /api answers the same way.
    for (const [method, path] of [['GET', '/api/nope?x=1'], ['DELETE', '/api/agents'], ['GET', '/nope']] as const) {
      expect(await call(method, path)).toEqual({
        status: 404,
        type: 'application/json; charset=utf-8',
        body: { error: 'not found', message: `there is no ${method} ${path.split('?')[0]}; every route is listed in /api/openapi.json` },
      });
    }
  });

  it('names a missing query parameter with an example', async () => {
    expect(await call('GET', '/api/kpis')).toMatchObject({ status: 400, body: { error: 'invalid request', issues: ['period: required, for example 2026-11'] } });
  });

  it('says which body fields have the wrong type or are missing', async () => {
    expect(await call('POST', '/api/changes', JSON.stringify({ id: 5, services: 'shop', outcome: 'meh' }))).toEqual({
      status: 400,
      type: 'application/json; charset=utf-8',
      body: {
        error: 'invalid request',
        issues: ['id: must be a string, got 5', 'services: must be a list, got "shop"', 'outcome: must be one of success, failed, rolled_back, got "meh"'],
      },
    });
  });

  it('keeps the shape for refused writes', async () => {
    const res = await fetch(`http://${collector.httpAddress}/api/changes`, { method: 'POST' });
    expect([res.status, await res.json()]).toEqual([401, { error: 'unauthorized', message: 'a valid API token is required (Authorization: Bearer <token>)' }]);
  });
});
