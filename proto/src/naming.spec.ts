import { describe, expect, it } from 'vitest';
import { isValidLabelName, isValidMetricName, labelSetProblem, seriesKey } from './naming.js';
import { vigil, IngestService } from './index.js';

describe('naming', () => {
  it('accepts Prometheus metric names and rejects others', () => {
    expect(isValidMetricName('vigil_cpu_utilization_ratio')).toBe(true);
    expect(isValidMetricName('ns:rule:rate5m')).toBe(true);
    expect(isValidMetricName('1bad')).toBe(false);
    expect(isValidMetricName('bad-name')).toBe(false);
    expect(isValidMetricName('')).toBe(false);
  });
  it('reserves label names starting with __', () => {
    expect(isValidLabelName('mountpoint')).toBe(true);
    expect(isValidLabelName('__name__')).toBe(false);
    expect(labelSetProblem({ 'bad-label': 'x' })).toBe('invalid label name "bad-label"');
    expect(labelSetProblem({ ok: 'x' })).toBeUndefined();
  });
  it('builds the same key whatever the label order', () => {
    expect(seriesKey('m', { b: '2', a: '1' })).toBe(seriesKey('m', { a: '1', b: '2' }));
    expect(seriesKey('m', { a: '1' })).toBe('m{a="1"}');
  });
  it('builds the key sort() and JSON.stringify make, for any label names, values and order', () => {
    // The key is stored (series rows) and shared with agents: a faster build must not change one byte.
    const reference = (metric: string, labels: Record<string, string>) =>
      metric + '{' + Object.keys(labels).sort().map((n) => n + '=' + JSON.stringify(labels[n])).join(',') + '}';
    let state = 14;
    const random = (n: number) => ((state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0) % n);
    const alphabet = ['a', 'b', 'Z', '_', '0', 'é', '"', '\\', '\n', '\u0000', '\u001f', '\u007f', '\u2028', '\ud83d\ude00', '\ud800', '\udfff', ' ', '{', '=', ','];
    const text = (max: number) => Array.from({ length: random(max + 1) }, () => alphabet[random(alphabet.length)]).join('');
    for (let round = 0; round < 5_000; round++) {
      const labels: Record<string, string> = {};
      for (let i = random(9); i > 0; i--) labels[text(4)] = text(6);
      expect(seriesKey('m', labels)).toBe(reference('m', labels));
    }
    expect(seriesKey('m', { b: 'x"y', a: '\ud800', c: '\n' })).toBe('m{a="\\ud800",b="x\\"y",c="\\n"}');
  });
});

describe('generated wire code', () => {
  it('round-trips a batch through the gRPC serializers', () => {
    const method = IngestService.stream;
    const message = vigil.v1.AgentMessage.create({
      batch: { seq: 7, createdMs: 1_700_000_000_123, series: [{ metric: 'vigil_load1', labels: { host: 'a' }, timestampsMs: [1_700_000_000_000], values: [0.5] }] },
    });
    const decoded = method.requestDeserialize(method.requestSerialize(message));
    expect(decoded.body).toBe('batch');
    expect(decoded.batch?.seq).toBe(7);
    expect(decoded.batch?.series[0]?.timestampsMs).toEqual([1_700_000_000_000]);
    expect(decoded.batch?.series[0]?.values).toEqual([0.5]);
    expect(decoded.batch?.series[0]?.labels).toEqual({ host: 'a' });
  });
});

import { formatDuration, parseDuration } from './duration.js';
describe('durations', () => {
  it('parses the units operators write', () => {
    expect(parseDuration('10s')).toBe(10_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('7d')).toBe(604_800_000);
    expect(parseDuration('10')).toBeUndefined();
    expect(parseDuration('abc')).toBeUndefined();
    expect(formatDuration(5_400_000)).toBe('1h30m');
  });
});
