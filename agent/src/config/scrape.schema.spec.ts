import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type ConfigResult } from './config.loader.js';

describe('scrape: and textfile_dir: in agent.yaml', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-scrape-config-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const load = (yaml: string): ConfigResult => {
    const file = path.join(dir, 'agent.yaml');
    writeFileSync(file, `collector: 127.0.0.1:7070\ntoken: t\ninterval: 15s\n${yaml}`);
    return loadConfig({ argv: ['--config', file], env: {}, cwd: dir });
  };

  it('resolves defaults: the agent interval, timeout min(10s, interval), 5000 series, 10MiB, anchored regexes', () => {
    const result = load(`textfile_dir: ./textfiles
scrape:
  - name: node
    url: http://127.0.0.1:9100/metrics
  - name: app
    url: https://[::1]:8443/metrics
    interval: 5s
    metrics_allow: ['app_.*', 'process_cpu_seconds_total']
    metrics_deny: ['app_debug_.*']
    labels: { team: payments }
    max_series: 200
    max_bytes: 1MiB
    tls_verify: false
`);
    if (result.status !== 'ok') throw new Error(JSON.stringify(result));
    const [node, app] = result.config.scrape;
    expect(node).toEqual({ name: 'node', url: 'http://127.0.0.1:9100/metrics', intervalMs: 15_000, timeoutMs: 10_000, metricsAllow: undefined, metricsDeny: undefined, labels: {}, maxSeries: 5000, maxBytes: 10 * 2 ** 20, tlsVerify: true, ca: undefined });
    expect(app).toMatchObject({ intervalMs: 5000, timeoutMs: 5000, labels: { team: 'payments' }, maxSeries: 200, maxBytes: 2 ** 20, tlsVerify: false });
    expect(app!.metricsAllow!.source).toBe('^(?:(?:app_.*)|(?:process_cpu_seconds_total))$');
    expect(app!.metricsAllow!.test('xapp_queue')).toBe(false);
    expect(app!.metricsDeny!.test('app_debug_x')).toBe(true);
    expect(result.config.textfileDir).toBe(path.join(dir, 'textfiles'));
  });

  it('names every bad key of every target in one pass', () => {
    const result = load(`scrape:
  - name: textfile
    url: ftp://127.0.0.1/metrics
    interval: 5s
    timeout: 6s
    metrics_allow: ['(']
    labels: { scrape_target: x, host: y, '1bad': z }
    max_series: 0
    max_bytes: lots
    tls_verify: false
    colour: blue
  - name: b
    url: http://user:pw@127.0.0.1/metrics
  - name: b
    url: http://127.0.0.1:1/metrics
`);
    if (result.status !== 'error') throw new Error('expected errors');
    expect(result.errors).toEqual([
      `scrape.0.name: "textfile" is the name of the textfile collector's samples; choose another`,
      'scrape.0.url: "ftp://127.0.0.1/metrics" only http:// and https:// endpoints can be scraped',
      'scrape.0.metrics_allow.0: "(" invalid regular expression "(": Invalid regular expression: /(/: Unterminated group',
      'scrape.0.labels.scrape_target: "x" label "scrape_target" is set by Vigil and cannot be configured',
      'scrape.0.labels.host: "y" label "host" is set by Vigil and cannot be configured',
      'scrape.0.labels.1bad: "z" is not a valid label name (letters, digits and "_", not starting with a digit or "__")',
      'scrape.0.max_series: 0 is below the minimum 1',
      'scrape.0.max_bytes: "lots" is not a byte size (examples: 64MiB, 1GiB, 500MB)',
      'scrape.0.colour: unknown key',
      'scrape.1.url: "http://user:pw@127.0.0.1/metrics" credentials in the URL are not supported (they would be logged)',
    ]);
  });

  it('reports a timeout longer than the interval, tls keys on http, and duplicate names', () => {
    const bad = load(`scrape:
  - { name: a, url: 'http://127.0.0.1:1/m', interval: 5s, timeout: 6s, tls_verify: false }
`);
    expect(bad.status === 'error' && bad.errors).toEqual(['scrape.0.timeout: "6s" is longer than the interval 5s', 'scrape.0.tls_verify: false only applies to https:// URLs']);
    const dup = load(`scrape:
  - { name: a, url: 'http://127.0.0.1:1/m' }
  - { name: a, url: 'http://127.0.0.1:2/m' }
`);
    expect(dup.status === 'error' && dup.errors).toEqual(['scrape.1.name: "a" duplicate target name (already used by the target at index 0)']);
  });
});
