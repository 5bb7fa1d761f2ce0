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
});
