import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { buildConfig, loadConfigFile } from '../config/config.loader.js';
import { configProblems as problemsOf } from '../../test/support/config-problems.js';

const EXAMPLE = fileURLToPath(new URL('../../../examples/collector.yaml', import.meta.url));
const D = 86_400_000;

describe('capacity and retention configuration', () => {
  it('defaults: raw 7 d, 1 min 35 d, 1 h 400 d; 90-day horizon; filesystem 90 %, memory 95 %, CPU 85 %', () => {
    const config = buildConfig({});
    expect(config.retention).toEqual({ raw: 7 * D, '1m': 35 * D, '1h': 400 * D, interval: 600_000 });
    expect(config.capacity).toMatchObject({ enabled: true, horizon: 90 * D, min_history: 3 * D, confidence: 0.95, thresholds: { filesystem: 0.9, memory: 0.95, cpu: 0.85 } });
    expect(config.capacity.network_bytes_per_second).toBeUndefined();
  });

  it('takes the example collector.yaml exactly as written', () => {
    const config = loadConfigFile(EXAMPLE);
    expect(config.retention).toMatchObject({ raw: 7 * D, '1m': 35 * D, '1h': 400 * D });
    expect(config.capacity).toMatchObject({
      interval: 600_000,
      horizon: 90 * D,
      thresholds: { filesystem: 0.9, memory: 0.95, cpu: 0.85, swap: 0.8, network: 0.8 },
      network_bytes_per_second: 125_000_000,
      series: [{ name: 'queue-depth', metric: 'app_queue_depth', labels: { job: 'billing' }, threshold: 10000 }],
    });
    expect(config.rules.find((r) => r.name === 'capacity-running-out')).toMatchObject({ builtin: 'capacity_exhaustion' });
  });

  it('refuses invalid thresholds and horizons, naming each key', () => {
    expect(problemsOf({ capacity: { horizon: '0s', thresholds: { filesystem: 1.5, memory: 0 }, confidence: 1, bogus: 1 } })).toEqual([
      'capacity.horizon: invalid duration "0s" (use e.g. 10m, 7d) (got "0s")',
      'capacity.confidence: must be less than 1 (got 1)',
      'capacity.thresholds.filesystem: must be at most 1 (a ratio, e.g. 0.9 for 90 %) (got 1.5)',
      'capacity.thresholds.memory: must be greater than 0 (got 0)',
      'capacity: unknown key(s) "bogus"',
    ]);
    expect(problemsOf({ capacity: { horizon: '1200d' } })).toEqual(['capacity.horizon: must be at most 3 years (got "1200d")']);
  });

  it('checks the keys against each other', () => {
    expect(problemsOf({ retention: { raw: '1h', '1m': '30m', '1h': '2d' }, capacity: { min_history: '3d', history: '10d', holdout: '6d' } })).toEqual([
      'retention.1m: must be at least retention.raw (0.04d), got 0.02d',
      'retention.raw: must be at least 2h (rollups are rebuilt from the last hours of raw samples), got 0.04d',
      'capacity.min_history: must not exceed retention.1h (2d), got 3d',
      'capacity.holdout: must be at most half of capacity.history (10d), got 6d',
    ]);
    expect(problemsOf({ capacity: { series: [{ name: 'q', metric: 'm', threshold: 1 }, { name: 'q', metric: 'n', threshold: 2 }] } })).toEqual([
      'capacity.series[1].name: duplicate name "q"',
    ]);
  });
});
