import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildConfig } from '../config/config.loader.js';
import { configProblems as problemsOf } from '../../test/support/config-problems.js';

describe('rules, notifiers and incidents config', () => {
  it('accepts the example of the issue as written, normalised to milliseconds and matchers', () => {
    const example = parse(readFileSync(new URL('../../../examples/collector.yaml', import.meta.url), 'utf8')) as Record<string, unknown>;
    const config = buildConfig(example);
    expect(config.rules[0]).toMatchObject({
      name: 'disk-almost-full',
      kind: 'threshold',
      metric: 'vigil_filesystem_used_ratio',
      match: [{ name: 'mountpoint', kind: 'eq', value: '/' }],
      op: '>',
      threshold: 0.9,
      forMs: 300_000,
      recover: 0.85,
      severity: 'warning',
    });
    expect(config.rules[1]).toMatchObject({ name: 'agent-down', kind: 'agent_down', missedIntervals: 3, severity: 'critical' });
    // The example's Alertmanager is commented out (the demo runs none); its block still parses as written.
    expect(config.notifiers.map((n) => [n.name, n.type, n.url])).toEqual([['ops-webhook', 'webhook', 'http://127.0.0.1:9099/hook']]);
    const alertmanager = buildConfig({ notifiers: [{ name: 'alertmanager', type: 'alertmanager', url: 'http://127.0.0.1:9093' }] });
    expect(alertmanager.notifiers.map((n) => [n.name, n.type, n.url])).toEqual([['alertmanager', 'alertmanager', 'http://127.0.0.1:9093']]);
    expect(config.incidents).toMatchObject({ group_wait: 5_000, repeat_interval: 4 * 3_600_000, reopen_within: 3_600_000, problem_threshold: 3 });
  });

  it('names the rule and the key in every problem', () => {
    expect(
      problemsOf({
        rules: [
          { name: 'disk', metric: 'bad metric', op: '>', threshold: 0.9, for: '5 minutes' },
          { name: 'low', metric: 'm', op: '<', threshold: 0.1, recover_below: 0.2 },
          { name: 'high', metric: 'm', op: '>', threshold: 0.9, recover_below: 0.95 },
          { name: 'x', builtin: 'nope' },
          { name: 'low', metric: 'm', op: '>', threshold: 1 },
        ],
      }),
    ).toEqual([
      'rules[0].for: rule "disk": invalid duration "5 minutes" (use e.g. 30s, 5m, 2h, 7d) (got "5 minutes")',
      'rules[0].metric: rule "disk": invalid metric name "bad metric" (letters, digits, _ and :, not starting with a digit) (got "bad metric")',
      'rules[1].recover_below: rule "low": op "<" recovers above the threshold: use recover_above, not recover_below (got 0.2)',
      'rules[2].recover_below: rule "high": recover_below (0.95) must be at or below threshold (0.9) for op ">" (got 0.95)',
      'rules[3].builtin: rule "x": unknown builtin "nope" (known: agent_down, probe_failing, tls_cert_expiring, sla_fast_burn, sla_slow_burn, error_budget_exhausted, capacity_exhaustion) (got "nope")',
      'rules[4].name: rule "low": duplicate rule name (also rules[1]) (got "low")',
    ]);
  });

  it('rejects bad notifiers and incident settings, and services that do not exist', () => {
    expect(
      problemsOf({
        notifiers: [
          { name: 'w', type: 'webhook', url: 'ftp://x' },
          { name: 'p', type: 'pager' },
        ],
        incidents: { group_wait: 'soon', evaluation_interval: '0s', bogus: 1 },
      }),
    ).toEqual([
      'notifiers[0].url: expected an http(s) URL (got "ftp://x")',
      'notifiers[1].type: unknown notifier type (use webhook, alertmanager or pagerduty) (got "pager")',
      'incidents.group_wait: invalid duration "soon" (use e.g. 30s, 5m, 2h, 7d) (got "soon")',
      'incidents.evaluation_interval: must be at least 100ms (got "0s")',
      'incidents: unknown key(s) "bogus"',
    ]);
    expect(
      problemsOf({
        services: [{ id: 'shop', name: 'Shop', owner: 'ops@example.com', probes: ['p'] }],
        rules: [
          { name: 'burn', builtin: 'sla_fast_burn', services: ['ghost'] },
          { name: 'd', metric: 'm', op: '>', threshold: 1, service: 'nope' },
        ],
        notifiers: [{ name: 'w', type: 'webhook', url: 'http://127.0.0.1:1/x', services: ['gone'] }],
      }),
    ).toEqual([
      'rules[0].services[0]: rule "burn": unknown service "ghost" (known: shop)',
      'rules[1].service: rule "d": unknown service "nope" (known: shop)',
      'notifiers[0].services[0]: notifier "w": unknown service "gone" (known: shop)',
    ]);
  });
});
