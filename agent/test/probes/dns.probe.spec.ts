import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeSamples, runProbeOnce, type ProbeConfig } from '../../src/probes/index.js';
import { DnsResponder, fixedClock, NOW_MS, pairs, parseProbe } from './helpers.js';

describe('dns probe', () => {
  const responder = new DnsResponder({
    A: { 'shop.vigil.test': ['192.0.2.10', '192.0.2.11'] },
    TXT: { 'shop.vigil.test': ['v=spf1 -all'] },
  });
  const silent = new DnsResponder({}, true);
  let server: string;
  let silentServer: string;
  const probe = (extra: Record<string, unknown>): ProbeConfig => parseProbe({ name: 'dns', type: 'dns', server, interval: '5s', timeout: '1s', ...extra });
  const run = async (config: ProbeConfig) => {
    const result = await runProbeOnce(config, { hostRoot: '/', clock: fixedClock });
    return { result: result!, samples: probeSamples(config, result!) };
  };

  beforeAll(async () => {
    server = await responder.start();
    silentServer = await silent.start();
  });
  afterAll(async () => {
    await responder.stop();
    await silent.stop();
  });

  it('counts the records of the answer', async () => {
    const config = probe({ query: 'shop.vigil.test' });
    const { result, samples } = await run(config);
    expect(result.outcome).toEqual({ success: true });
    const labels = { probe: 'dns', type: 'dns', target: 'shop.vigil.test' };
    expect(samples).toEqual([
      { metric: 'vigil_probe_success', labels, kind: 'gauge', timestampMs: NOW_MS, value: 1 },
      { metric: 'vigil_probe_duration_seconds', labels, kind: 'gauge', timestampMs: NOW_MS, value: result.durationSeconds },
      { metric: 'vigil_probe_dns_answers', labels, kind: 'gauge', timestampMs: NOW_MS, value: 2 },
    ]);
    expect(responder.queries.at(-1)).toEqual({ name: 'shop.vigil.test', type: 1 });
  });

  it('requires every expected value, case and root dot aside', async () => {
    expect((await run(probe({ query: 'SHOP.vigil.test.', expect: ['192.0.2.11'] }))).result.outcome).toEqual({ success: true });
    const { result, samples } = await run(probe({ query: 'shop.vigil.test', expect: ['192.0.2.10', '192.0.2.99'] }));
    expect(result.outcome).toEqual({ success: false, reason: 'expect', detail: 'A shop.vigil.test: missing 192.0.2.99 (got 192.0.2.10, 192.0.2.11)' });
    expect(pairs(samples)).toEqual([
      ['vigil_probe_success', 0],
      ['vigil_probe_duration_seconds', result.durationSeconds],
      ['vigil_probe_dns_answers', 2],
    ]);
  });

  it('compares TXT data exactly', async () => {
    expect((await run(probe({ query: 'shop.vigil.test', record_type: 'txt', expect: ['v=spf1 -all'] }))).result.outcome).toEqual({ success: true });
    expect((await run(probe({ query: 'shop.vigil.test', record_type: 'TXT', expect: ['V=SPF1 -ALL'] }))).result.outcome).toMatchObject({ success: false, reason: 'expect' });
  });

  it('reports NXDOMAIN with zero answers', async () => {
    const { result, samples } = await run(probe({ query: 'gone.vigil.test' }));
    expect(result.outcome).toMatchObject({ success: false, reason: 'nxdomain' });
    expect(pairs(samples)).toEqual([
      ['vigil_probe_success', 0],
      ['vigil_probe_duration_seconds', result.durationSeconds],
      ['vigil_probe_dns_answers', 0],
    ]);
  });

  it('fails when the name has no record of the type', async () => {
    const { result, samples } = await run(probe({ query: 'shop.vigil.test', record_type: 'MX' }));
    expect(result.outcome).toMatchObject({ success: false, reason: 'no_answer' });
    expect(samples.at(-1)).toMatchObject({ metric: 'vigil_probe_dns_answers', value: 0 });
  });

  it('cuts a silent server at the timeout without an answer count', async () => {
    const started = performance.now();
    const { result, samples } = await run(probe({ server: silentServer, query: 'shop.vigil.test', interval: '1s', timeout: '300ms' }));
    expect(result.outcome).toMatchObject({ success: false, reason: 'timeout' });
    expect(pairs(samples)).toEqual([
      ['vigil_probe_success', 0],
      ['vigil_probe_duration_seconds', result.durationSeconds],
    ]);
    expect(result.durationSeconds).toBeGreaterThanOrEqual(0.29);
    expect(performance.now() - started).toBeLessThan(450);
    expect(silent.queries.length).toBeGreaterThanOrEqual(1);
  });
});
