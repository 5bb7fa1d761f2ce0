import { Fragment } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import { get, query, request } from '../api';
import { Async, Empty, ErrorBox } from '../components/common';
import { Chart } from '../components/chart';
import { StateBadge } from '../components/state';
import { UptimeBars } from '../components/uptime-bars';
import { minutes, pct, time, verdict, verdictClass } from '../format';
import { useLive, useLoad } from '../hooks';
import type { Incident, Maintenance, Rollup, SeriesRef, SlaStatus, Uptime } from '../types';
import { IncidentRows } from './incidents';
import { MaintenanceRows } from './maintenance';

interface ServiceDetail {
  id: string;
  name: string;
  owner?: string;
  description?: string;
  public?: boolean;
  /** Absent for a service measured by an SLI on metrics (sla.sli). */
  probes?: string[];
  problems: string[];
  sla?: { availability: number; windows: string[]; timezone?: string; sli?: Sli };
  status?: {
    window: string;
    availability: number | null;
    coverage: number | null;
    status: SlaStatus;
    objective: number;
    met: boolean | null;
    error_budget: { remaining_ratio: number; remaining_minutes: number };
  }[];
  burn_rates?: Record<string, number>;
}

/** An SLI on metrics: good/total counters, or the fast share of a histogram. */
interface Sli {
  type: string;
  good?: string;
  total?: string;
  histogram?: string;
  threshold?: string;
}

interface SlaView {
  window: string;
  outages?: { start: string; end: string; minutes: number; unplanned_minutes: number; planned_minutes: number }[];
}

const HOUR = 3_600_000;

export function ServicePage({ id }: { id: string }) {
  const service = useLoad(() => get<ServiceDetail>(`/api/services/${encodeURIComponent(id)}`), [id]);
  const uptime = useLoad(() => get<Uptime>(`/api/services/${encodeURIComponent(id)}/uptime?days=90`).catch(() => undefined), [id]);
  const incidents = useLoad(() => get<{ incidents: Incident[] }>(`/api/incidents${query({ service: id, limit: 20 })}`), [id]);
  const [state, setState] = useState<string | undefined>();
  const overview = useLoad(() => get<{ services: { id: string; state: string }[] }>('/api/overview'), [id]);
  useLive(
    () => {
      setState(undefined);
      service.reload();
      incidents.reload();
      overview.reload();
    },
    (m) => m.type === 'incident' && m.incident.service === id,
    (m) => {
      if (m.type === 'service' && m.service.id === id) setState(m.service.state);
    },
  );
  const current = state ?? overview.data?.services.find((s) => s.id === id)?.state;
  return (
    <Async loaded={service}>
      {(svc) => (
        <>
          <p class="muted">
            <a href="/">Overview</a> / service
          </p>
          <h1>
            {svc.name} {current ? <StateBadge state={current} /> : null}
          </h1>
          <dl class="facts">
            <dt>Id</dt>
            <dd>{svc.id}</dd>
            {svc.owner ? (
              <>
                <dt>Owner</dt>
                <dd>{svc.owner}</dd>
              </>
            ) : null}
            {svc.description ? (
              <>
                <dt>Description</dt>
                <dd>{svc.description}</dd>
              </>
            ) : null}
            <dt>Status page</dt>
            <dd>{svc.public ? 'shown (public)' : 'not shown'}</dd>
          </dl>
          {svc.problems.length ? (
            <ul class="notice">
              {svc.problems.map((p) => (
                <li key={p}>{p}</li>
              ))}
            </ul>
          ) : null}
          <h2>Availability against the objective</h2>
          {svc.status?.length ? (
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th>Window</th>
                    <th class="num">Availability</th>
                    <th class="num">Coverage</th>
                    <th class="num">Objective</th>
                    <th>Verdict</th>
                    <th class="num">Error budget left</th>
                  </tr>
                </thead>
                <tbody>
                  {svc.status.map((w) => (
                    <tr key={w.window}>
                      <td>{w.window}</td>
                      <td class="num">{pct(w.availability)}</td>
                      <td class="num" title="measured minutes over counted minutes">
                        {pct(w.coverage, 1)}
                      </td>
                      <td class="num">{pct(w.objective, 2)}</td>
                      <td class={verdictClass(w.status)}>{verdict(w.status)}</td>
                      <td class="num">
                        {pct(Math.max(0, w.error_budget.remaining_ratio), 1)} ({minutes(w.error_budget.remaining_minutes)})
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : (
            <Empty>This service has no SLA section: availability is not computed.</Empty>
          )}
          <h2>Last 90 days</h2>
          {uptime.data ? (
            <>
              <UptimeBars days={uptime.data.days} objective={uptime.data.objective} label={svc.name} />
              <AvailabilityChart uptime={uptime.data} />
            </>
          ) : uptime.loading ? (
            <p class="muted">Loading…</p>
          ) : (
            <Empty>No daily figures.</Empty>
          )}
          {svc.sla ? <Outages id={svc.id} windows={svc.sla.windows} /> : null}
          <h2>Incidents</h2>
          <Async loaded={incidents}>{(d) => (d.incidents.length ? <IncidentRows incidents={d.incidents} /> : <Empty>No incidents.</Empty>)}</Async>
          <ServiceMaintenance id={svc.id} />
          {svc.probes ? <Probes probes={svc.probes} /> : svc.sla?.sli ? <SliSource sli={svc.sla.sli} /> : null}
          {svc.sla ? <ReportLinks id={svc.id} /> : null}
        </>
      )}
    </Async>
  );
}

function AvailabilityChart({ uptime }: { uptime: Uptime }) {
  const data = useMemo(() => {
    const times = uptime.days.map((d) => Date.parse(`${d.date}T12:00:00Z`));
    return {
      times,
      series: [
        { label: 'availability', color: '#0969da', values: uptime.days.map((d) => (d.availability === null ? null : d.availability * 100)) },
        { label: 'objective', color: '#9a6700', dash: true, values: uptime.days.map(() => uptime.objective * 100) },
      ],
    };
  }, [uptime]);
  const measured = uptime.days.flatMap((d) => (d.availability === null ? [] : [d.availability * 100]));
  const low = Math.floor(Math.min(uptime.objective * 100, ...measured) - 0.5);
  return <Chart title="Daily availability (%)" times={data.times} series={data.series} format={(v) => `${v.toFixed(2)} %`} yRange={[Math.max(0, low), 100]} />;
}

function Outages({ id, windows }: { id: string; windows: string[] }) {
  const [window, setWindow] = useState(windows[0] ?? '30d');
  const sla = useLoad(() => get<SlaView>(`/api/services/${encodeURIComponent(id)}/sla${query({ window })}`), [id, window]);
  return (
    <section aria-labelledby="outages-title">
      <h2 id="outages-title">Outages</h2>
      <div class="toolbar">
        <label>
          Window
          <select value={window} onChange={(e) => setWindow(e.currentTarget.value)}>
            {[...new Set([...windows, '7d', '30d', '90d'])].map((w) => (
              <option key={w}>{w}</option>
            ))}
          </select>
        </label>
      </div>
      <Async loaded={sla}>
        {(d) =>
          d.outages?.length ? (
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th>Start</th>
                    <th>End</th>
                    <th class="num">Minutes</th>
                    <th class="num">Unplanned</th>
                    <th class="num">Planned</th>
                  </tr>
                </thead>
                <tbody>
                  {[...d.outages].reverse().map((o) => (
                    <tr key={o.start}>
                      <td>{time(o.start)}</td>
                      <td>{time(o.end)}</td>
                      <td class="num">{o.minutes}</td>
                      <td class="num">{o.unplanned_minutes}</td>
                      <td class="num">{o.planned_minutes}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : (
            <Empty>No outage in the last {window}.</Empty>
          )
        }
      </Async>
    </section>
  );
}

function ServiceMaintenance({ id }: { id: string }) {
  const windows = useLoad(() => get<Maintenance[]>('/api/maintenance'), [id]);
  return (
    <section aria-labelledby="mw-title">
      <h2 id="mw-title">Planned maintenance</h2>
      <Async loaded={windows}>
        {(list) => {
          const mine = list.filter((w) => w.services.includes(id));
          return mine.length ? <MaintenanceRows windows={mine} /> : <Empty>No maintenance window for this service.</Empty>;
        }}
      </Async>
    </section>
  );
}

interface ProbeData {
  probe: string;
  reporters: SeriesRef[];
  latency: Rollup[];
  range: [number, number];
}

function Probes({ probes }: { probes: string[] }) {
  const loaded = useLoad(async (): Promise<ProbeData[]> => {
    const to = Date.now();
    return Promise.all(
      probes.map(async (probe) => {
        const reporters = await get<SeriesRef[]>(`/api/series${query({ metric: 'vigil_probe_success', probe, limit: 200 })}`);
        const durations = await get<SeriesRef[]>(`/api/series${query({ metric: 'vigil_probe_duration_seconds', probe, limit: 20 })}`);
        const latency = await Promise.all(durations.map((s) => get<Rollup>(`/api/rollups${query({ series: s.id, step: '1m', from: to - 6 * HOUR, to })}`)));
        return { probe, reporters, latency, range: [to - 6 * HOUR, to] as [number, number] };
      }),
    );
  }, [probes.join(',')]);
  return (
    <section aria-labelledby="probes-title">
      <h2 id="probes-title">Probes, agents and latency</h2>
      <Async loaded={loaded}>
        {(list) => (
          <>
            {list.map((p) => (
              <div key={p.probe}>
                <h3>{p.probe}</h3>
                {p.reporters.length ? (
                  <p>
                    Reported by:{' '}
                    {p.reporters.map((r, i) => (
                      <span key={r.id}>
                        {i ? ', ' : ''}
                        <a href={`/hosts/${encodeURIComponent(r.labels.host ?? '')}`}>{r.labels.host ?? '?'}</a> ({r.labels.agent ?? '?'})
                      </span>
                    ))}
                  </p>
                ) : (
                  <p class="warn">No agent has reported this probe.</p>
                )}
                {p.latency.some((r) => r.points.length) ? <LatencyChart rollups={p.latency} range={p.range} /> : <p class="muted">No latency in the last 6 hours.</p>}
              </div>
            ))}
          </>
        )}
      </Async>
    </section>
  );
}

/** What measures a service without probes: the selectors of its SLI on metrics. */
function SliSource({ sli }: { sli: Sli }) {
  const rows: [string, string | undefined][] =
    sli.type === 'ratio'
      ? [['Good events', sli.good], ['All events', sli.total]]
      : [['Histogram', sli.histogram], ['Fast at or under', sli.threshold]];
  return (
    <section aria-labelledby="sli-title">
      <h2 id="sli-title">Measured from metrics ({sli.type === 'ratio' ? 'good / total events' : 'request latency'})</h2>
      <dl class="facts">
        {rows.map(([term, value]) => (
          <Fragment key={term}>
            <dt>{term}</dt>
            <dd>
              <code>{value ?? '–'}</code>
            </dd>
          </Fragment>
        ))}
      </dl>
    </section>
  );
}

const PALETTE = ['#0969da', '#1a7f37', '#8250df', '#bf3989', '#9a6700', '#c62828'];

function LatencyChart({ rollups, range }: { rollups: Rollup[]; range: [number, number] }) {
  const data = useMemo(() => alignRollups(rollups, (r) => r.series.labels.host ?? r.series.labels.agent ?? String(r.series.id), (v) => v * 1000), [rollups]);
  return <Chart title="Latency, 1-minute average (ms), last 6 hours" times={data.times} series={data.series} format={(v) => `${v.toFixed(0)} ms`} xRange={range} />;
}

/** Several rollup answers on one time axis (uPlot needs aligned columns). */
export function alignRollups(rollups: Rollup[], label: (r: Rollup) => string, scale: (v: number) => number = (v) => v) {
  const times = [...new Set(rollups.flatMap((r) => r.points.map((p) => p.t)))].sort((a, b) => a - b);
  const index = new Map(times.map((t, i) => [t, i]));
  const series = rollups.map((r, i) => {
    const values: (number | null)[] = new Array(times.length).fill(null);
    for (const p of r.points) values[index.get(p.t)!] = scale(p.avg);
    return { label: label(r), color: PALETTE[i % PALETTE.length]!, values };
  });
  return { times, series };
}

function ReportLinks({ id }: { id: string }) {
  const [period, setPeriod] = useState(new Date().toISOString().slice(0, 7));
  const [error, setError] = useState<string | undefined>();
  const open = async (format: 'html' | 'csv' | 'json') => {
    setError(undefined);
    try {
      // Fetched with the session's token (reads may be protected), shown from memory: no token in any URL.
      const blob = await (await request('GET', `/api/reports/sla${query({ period, service: id, format })}`)).blob();
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      if (format === 'html') a.target = '_blank';
      else a.download = `sla-${period}-${id}.${format}`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  return (
    <section aria-labelledby="report-title">
      <h2 id="report-title">SLA report</h2>
      <div class="toolbar">
        <label>
          Period (2026-11, 2026-Q4, 2026-W45, 2026-11-03, 2026)
          <input value={period} onInput={(e) => setPeriod(e.currentTarget.value.trim())} />
        </label>
        <button type="button" onClick={() => open('html')}>
          HTML
        </button>
        <button type="button" onClick={() => open('csv')}>
          CSV
        </button>
        <button type="button" onClick={() => open('json')}>
          JSON
        </button>
      </div>
      <ErrorBox error={error} />
    </section>
  );
}
