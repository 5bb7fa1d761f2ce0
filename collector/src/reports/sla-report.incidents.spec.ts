import { describe, expect, it } from 'vitest';
import type { IncidentView } from '../incidents/incident-view.js';
import { incidentsForReportFrom } from './sla-report.incidents.js';

function incident(id: number, service: string, opened: string, resolved: string | null): IncidentView {
  return {
    id, fingerprint: `f${id}`, rule: 'burn', severity: 'page', service, title: `incident ${id}`, description: '', labels: {},
    state: resolved ? 'resolved' : 'open', value: null, flapping: false, started_at: opened, opened_at: opened,
    acknowledged_at: null, acknowledged_by: null, resolved_at: resolved, resolved_by: null, closed_at: null, reopen_count: 0,
    suppressed_by: null, change_id: null, problem_id: null, url: `http://collector/api/incidents/${id}`,
  } as IncidentView;
}

describe('incidents in the SLA report', () => {
  it('asks for each service and lists the incidents in opening order', async () => {
    const asked: unknown[] = [];
    const source = {
      incidentsForService: async (service: string, fromMs: number, toMs: number) => {
        asked.push([service, fromMs, toMs]);
        return service === 'shop'
          ? [incident(7, 'shop', '2026-11-16T08:01:00.000Z', '2026-11-16T08:30:00.000Z')]
          : [incident(3, 'db', '2026-11-02T10:00:00.000Z', null)];
      },
    };
    const got = await incidentsForReportFrom(source).incidentsForReport({ services: ['shop', 'db'], fromMs: 1, toMs: 2 });
    expect(asked).toEqual([['shop', 1, 2], ['db', 1, 2]]);
    expect(got).toEqual([
      { id: '3', title: 'incident 3', service: 'db', severity: 'page', status: 'open', openedAtMs: Date.parse('2026-11-02T10:00:00Z'), url: 'http://collector/api/incidents/3' },
      {
        id: '7', title: 'incident 7', service: 'shop', severity: 'page', status: 'resolved', openedAtMs: Date.parse('2026-11-16T08:01:00Z'),
        resolvedAtMs: Date.parse('2026-11-16T08:30:00Z'), url: 'http://collector/api/incidents/7',
      },
    ]);
  });
});
