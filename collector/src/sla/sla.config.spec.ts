import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { buildConfig, loadConfigFile } from '../config/config.loader.js';
import { configProblems as problemsOf } from '../../test/support/config-problems.js';

const EXAMPLE = fileURLToPath(new URL('../../../examples/collector.yaml', import.meta.url));

describe('catalogue and SLA configuration', () => {
  it('accepts the example collector.yaml as written, with the SRE workbook burn-rate defaults', () => {
    const config = loadConfigFile(EXAMPLE);
    expect(config.services[0]).toMatchObject({ id: 'shop', probes: ['shop-http', 'shop-tcp'], sla: { availability: 99.9, windows: ['7d', '30d'], period: 'month', timezone: 'Europe/Berlin', service_hours: 'Mon-Fri 08:00-18:00' } });
    expect(config.maintenance[0]).toMatchObject({ id: 'patch-night', services: ['shop'], schedule: '0 2 * * SUN', duration: '2h', change: 'CHG-1042' });
    expect(config.sla.burn_alerts.map((a) => `${a.severity} ${a.long}/${a.short} ${a.factor}`)).toEqual(['page 1h/5m 14.4', 'page 6h/30m 6', 'ticket 1d/2h 3', 'ticket 3d/6h 1']);
  });

  it('takes configured burn-rate thresholds', () => {
    const config = buildConfig({ sla: { timezone: 'Europe/Berlin', burn_alerts: [{ severity: 'page', long: '2h', short: '10m', factor: 10 }] } });
    expect(config.sla).toMatchObject({ timezone: 'Europe/Berlin', burn_alerts: [{ severity: 'page', long: '2h', short: '10m', factor: 10 }] });
  });

  it('refuses bad objectives, time zones, service hours and cron schedules, naming each key', () => {
    expect(
      problemsOf({
        services: [{ id: 'shop', name: 'Shop', probes: ['shop-http'], sla: { availability: 100, timezone: 'Mars/Olympus', service_hours: 'Mon-Fri 08:00-18:00, Fri 17:00-19:00' } }],
        maintenance: [{ id: 'm1', services: ['shop'], schedule: '0 25 * * SUN', duration: '2h' }],
        sla: { burn_alerts: [{ severity: 'page', long: '1h', short: '5m', factor: 0 }] },
      }),
    ).toEqual([
      'services[0].sla.availability: must be below 100 (a 100 % objective leaves no error budget) (got 100)',
      'services[0].sla.timezone: unknown time zone "Mars/Olympus" (use an IANA name such as Europe/Berlin) (got "Mars/Olympus")',
      'services[0].sla.service_hours: overlapping ranges in "Mon-Fri 08:00-18:00, Fri 17:00-19:00": Fri 17:00 is covered twice (got "Mon-Fri 08:00-18:00, Fri 17:00-19:00")',
      'maintenance[0].schedule: invalid cron schedule "0 25 * * SUN": Constraint error, got value 25 expected range 0-23 (got "0 25 * * SUN")',
      'sla.burn_alerts[0].factor: Too small: expected number to be >0 (got 0)',
    ]);
    expect(problemsOf({ services: [{ id: 'shop', name: 'Shop', probes: ['p'], sla: { availability: 0 } }] })).toEqual([
      'services[0].sla.availability: must be above 0 (a percentage such as 99.9) (got 0)',
    ]);
  });

  it('refuses duplicate ids, unknown services and dependency cycles across sections', () => {
    expect(
      problemsOf({
        services: [
          { id: 'shop', name: 'Shop', probes: ['shop-http'], depends_on: ['db'] },
          { id: 'shop', name: 'Again', probes: ['x'] },
        ],
        maintenance: [{ id: 'm1', services: ['nope'], schedule: '0 2 * * SUN', duration: '2h' }],
      }),
    ).toEqual(['services[1].id: duplicate service id "shop" (also services[0])', 'services[0].depends_on[0]: unknown service "db"', 'maintenance[0].services[0]: unknown service "nope"']);
    expect(
      problemsOf({
        services: [
          { id: 'shop', name: 'Shop', probes: ['a'], depends_on: ['db'] },
          { id: 'db', name: 'DB', probes: ['b'], depends_on: ['shop'] },
        ],
      }),
    ).toEqual(['services[0].depends_on: dependency cycle shop -> db -> shop']);
  });

  it('takes an sli instead of probes, with parsed selectors', () => {
    const ratio = { type: 'ratio', good: 'http_requests_total{job="shop",code!~"5.."}', total: 'http_requests_total{job="shop"}' };
    const latency = { type: 'latency', histogram: 'http_request_duration_seconds{job="shop"}', threshold: '300ms' };
    const config = buildConfig({
      services: [
        { id: 'shop', name: 'Shop', sla: { availability: 99.5, sli: ratio } },
        { id: 'shop-fast', name: 'Shop latency', sla: { availability: 95, sli: latency } },
      ],
    });
    expect(config.services[0]).toMatchObject({ id: 'shop', sla: { sli: ratio } });
    expect(config.services[0]!.probes).toBeUndefined();
    expect(config.services[1]).toMatchObject({ sla: { sli: latency } });
  });

  it('refuses an sli with a function, a range, no metric name, both probes and sli, or neither, naming each key', () => {
    const sla = (sli: Record<string, unknown>) => ({ availability: 99.9, sli });
    expect(
      problemsOf({
        services: [
          { id: 'a', name: 'A', sla: sla({ type: 'ratio', good: 'rate(http_requests_total{code!~"5.."}[5m])', total: 'http_requests_total[5m]' }) },
          { id: 'b', name: 'B', sla: sla({ type: 'ratio', good: '{code="200"}', total: 'http_requests_total{job="shop"}' }) },
          { id: 'c', name: 'C', probes: ['c-http'], sla: sla({ type: 'ratio', good: 'x_total', total: 'y_total' }) },
          { id: 'd', name: 'D', sla: { availability: 99.9 } },
          { id: 'e', name: 'E', sla: sla({ type: 'latency', histogram: 'h_seconds_bucket{job="e"}', threshold: 'fast' }) },
          { id: 'f', name: 'F', hosts: ['h1'], sla: { ...sla({ type: 'latency', histogram: 'h_seconds', threshold: '250ms' }), unknown: 'as_bad', latency: { threshold: '1s', target: 90 } } },
          { id: 'g', name: 'G', sla: sla({ type: 'errors', good: 'x' }) },
        ],
      }),
    ).toEqual([
      "services[0].sla.sli.good: invalid series selector \"rate(http_requests_total{code!~\\\"5..\\\"}[5m])\": a function call is not allowed: give only a series selector such as http_requests_total{job=\"shop\"} (got \"rate(http_requests_total{code!~\\\"5..\\\"}[5m])\")",
      "services[0].sla.sli.total: invalid series selector \"http_requests_total[5m]\": a range selector such as [5m] is not allowed: give only a series selector such as http_requests_total{job=\"shop\"} (got \"http_requests_total[5m]\")",
      "services[1].sla.sli.good: invalid series selector \"{code=\\\"200\\\"}\": a metric name is required (e.g. http_requests_total{code=\"200\"}) (got \"{code=\\\"200\\\"}\")",
      "services[2].sla.sli: give either probes or sla.sli, not both (got {\"type\":\"ratio\",\"good\":\"x_total\",\"total\":\"y_total\"})",
      "services[3].probes: required: give probes, or sla.sli to measure the service from request metrics",
      "services[4].sla.sli.histogram: invalid series selector \"h_seconds_bucket{job=\\\"e\\\"}\": give the histogram's base name (h_seconds), not its _bucket/_count/_sum series (got \"h_seconds_bucket{job=\\\"e\\\"}\")",
      "services[4].sla.sli.threshold: invalid latency threshold \"fast\" (use e.g. 5m, 2h, 1d) (got \"fast\")",
      "services[5].hosts: only for services measured by probes (an sli selects its series with label matchers) (got [\"h1\"])",
      "services[5].sla.latency: only for services measured by probes (use sli type latency for request latency) (got {\"threshold\":\"1s\",\"target\":90})",
      "services[5].sla.unknown: only exclude applies to an sli (events of a gap are counted at the next sample, so there are no unknown events) (got \"as_bad\")",
      "services[6].sla.sli.type: must have type ratio (with good and total) or latency (with histogram and threshold) (got \"errors\")",
    ]);
  });
});
