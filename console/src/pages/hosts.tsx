import { useMemo, useState } from 'preact/hooks';
import { ApiError, get, query } from '../api';
import { Async, Empty } from '../components/common';
import { Chart } from '../components/chart';
import { VirtualRows } from '../components/virtual-rows';
import { ago, amount, bytes, days, pct, time } from '../format';
import { useLive, useLoad } from '../hooks';
import type { Agent, CapacityEntry, Rollup, SeriesRef } from '../types';
import { alignRollups } from './service';

export function Hosts() {
  const loaded = useLoad(() => get<Agent[]>('/api/agents'), []);
  useLive(loaded.reload, (m) => m.type === 'agent');
  const [text, setText] = useState('');
  const [state, setState] = useState('');
  return (
    <>
      <h1>Hosts</h1>
      <div class="toolbar">
        <label>
          Find
          <input type="search" value={text} onInput={(e) => setText(e.currentTarget.value)} placeholder="host, agent id or label" />
        </label>
        <label>
          State
          <select value={state} onChange={(e) => setState(e.currentTarget.value)}>
            <option value="">any</option>
            <option value="connected">connected</option>
            <option value="lost">lost</option>
          </select>
        </label>
      </div>
      <Async loaded={loaded}>
        {(agents) => {
          const needle = text.toLowerCase();
          const shown = agents.filter(
            (a) =>
              (!state || (state === 'connected') === a.connected) &&
              (!needle || a.hostname.toLowerCase().includes(needle) || a.id.toLowerCase().includes(needle) || Object.entries(a.labels).some(([k, v]) => `${k}=${v}`.toLowerCase().includes(needle))),
          );
          return shown.length ? (
            <>
              <p class="muted">
                {shown.length} of {agents.length} agents
              </p>
              <VirtualRows
                items={shown}
                rowHeight={44}
                label="Agents"
                head={
                  <div class="row head host-row" role="row">
                    <span role="columnheader">Host</span>
                    <span role="columnheader">State</span>
                    <span role="columnheader">Last seen</span>
                    <span role="columnheader" class="wide">
                      Version
                    </span>
                    <span role="columnheader" class="wide">
                      Labels
                    </span>
                  </div>
                }
                row={(a) => (
                  <div class="row host-row" role="row" data-agent={a.id} style={{ height: '44px' }}>
                    <span role="cell">
                      <a href={`/hosts/${encodeURIComponent(a.hostname)}`}>{a.hostname}</a> <span class="muted">{a.id === a.hostname ? '' : a.id}</span>
                    </span>
                    <span role="cell">{a.connected ? <span class="badge s-up">✓ connected</span> : <span class="badge s-down">✕ lost</span>}</span>
                    <span role="cell" title={time(a.lastSeen)}>
                      {ago(a.lastSeen)}
                    </span>
                    <span role="cell" class="wide">
                      {a.version}
                    </span>
                    <span role="cell" class="wide" title={Object.entries(a.labels).map(([k, v]) => `${k}=${v}`).join(', ')}>
                      {Object.entries(a.labels)
                        .map(([k, v]) => `${k}=${v}`)
                        .join(', ') || '–'}
                    </span>
                  </div>
                )}
              />
            </>
          ) : (
            <Empty>No agent matches.</Empty>
          );
        }}
      </Async>
    </>
  );
}

/** Range → rollup step: the step picks the stored tier, so a 30-day view reads hourly rows. */
const RANGES: Record<string, { ms: number; step: string }> = {
  '6h': { ms: 6 * 3_600_000, step: '1m' },
  '24h': { ms: 24 * 3_600_000, step: '5m' },
  '7d': { ms: 7 * 86_400_000, step: '1h' },
  '30d': { ms: 30 * 86_400_000, step: '6h' },
};

interface Panel {
  title: string;
  metrics: string[];
  format: (v: number) => string;
  label: (s: SeriesRef) => string;
}

const PANELS: Panel[] = [
  { title: 'CPU utilisation', metrics: ['vigil_cpu_utilization_ratio'], format: (v) => pct(v, 0), label: () => 'cpu' },
  { title: 'Memory used', metrics: ['vigil_memory_used_ratio'], format: (v) => pct(v, 0), label: () => 'memory' },
  { title: 'Filesystems used', metrics: ['vigil_filesystem_used_ratio'], format: (v) => pct(v, 0), label: (s) => s.labels.mountpoint ?? s.labels.device ?? '?' },
  { title: 'Disk throughput', metrics: ['vigil_disk_read_bytes_total', 'vigil_disk_written_bytes_total'], format: (v) => `${bytes(v)}/s`, label: (s) => `${s.labels.device ?? '?'} ${s.metric.includes('read') ? 'read' : 'write'}` },
  { title: 'Network traffic', metrics: ['vigil_network_receive_bytes_total', 'vigil_network_transmit_bytes_total'], format: (v) => `${bytes(v)}/s`, label: (s) => `${s.labels.device ?? s.labels.interface ?? '?'} ${s.metric.includes('receive') ? 'in' : 'out'}` },
];
/** Devices shown per chart at most (a host may have dozens of interfaces). */
const MAX_SERIES = 6;

export function HostPage({ host }: { host: string }) {
  const [range, setRange] = useState('24h');
  const agents = useLoad(() => get<Agent[]>('/api/agents'), [host]);
  // 404: no forecast has been computed for this host yet.
  const capacity = useLoad(() => get<{ resources: CapacityEntry[] }>(`/api/capacity/${encodeURIComponent(host)}`).catch((e: unknown) => (e instanceof ApiError && e.status === 404 ? { resources: [] } : Promise.reject(e))), [host]);
  const mine = agents.data?.filter((a) => a.hostname === host) ?? [];
  return (
    <>
      <p class="muted">
        <a href="/hosts">Hosts</a> / host
      </p>
      <h1>{host}</h1>
      {mine.map((a) => (
        <dl class="facts" key={a.id}>
          <dt>Agent</dt>
          <dd>
            {a.id} · {a.connected ? <span class="ok">✓ connected</span> : <span class="bad">✕ lost</span>} · last seen {ago(a.lastSeen)} · version {a.version}
          </dd>
          <dt>Labels</dt>
          <dd>
            {Object.entries(a.labels)
              .map(([k, v]) => `${k}=${v}`)
              .join(', ') || '–'}
          </dd>
        </dl>
      ))}
      <div class="toolbar" role="group" aria-label="Time range">
        {Object.keys(RANGES).map((r) => (
          <button key={r} type="button" class={r === range ? 'primary' : ''} aria-pressed={r === range} onClick={() => setRange(r)}>
            {r}
          </button>
        ))}
      </div>
      {PANELS.map((p) => (
        <MetricPanel key={`${p.title}-${range}`} host={host} panel={p} range={range} />
      ))}
      <h2>Capacity forecasts</h2>
      <Async loaded={capacity}>
        {(c) => (c.resources.length ? c.resources.map((r) => <ForecastPanel key={r.resource} entry={r} />) : <Empty>No capacity forecast for this host yet.</Empty>)}
      </Async>
    </>
  );
}

function MetricPanel({ host, panel, range }: { host: string; panel: Panel; range: string }) {
  const loaded = useLoad(async () => {
    const { ms, step } = RANGES[range]!;
    const to = Date.now();
    const series = (await Promise.all(panel.metrics.map((metric) => get<SeriesRef[]>(`/api/series${query({ metric, host, limit: MAX_SERIES })}`)))).flat().slice(0, MAX_SERIES);
    const rollups = await Promise.all(series.map((s) => get<Rollup>(`/api/rollups${query({ series: s.id, step, from: to - ms, to })}`)));
    return { rollups, range: [to - ms, to] as [number, number] };
  }, [host, range]);
  return (
    <section>
      <Async loaded={loaded}>
        {({ rollups, range: xRange }) => {
          if (!rollups.some((r) => r.points.length)) return <p class="muted">{panel.title}: no data in the last {range}.</p>;
          const data = alignRollups(rollups, (r) => panel.label(r.series));
          return <Chart title={`${panel.title} (${rollups[0]!.resolution} tier)`} times={data.times} series={data.series} format={panel.format} xRange={xRange} />;
        }}
      </Async>
    </section>
  );
}

export function ForecastPanel({ entry: e }: { entry: CapacityEntry }) {
  const data = useMemo(() => {
    const history = e.history ?? [];
    const forecast = e.forecast ?? [];
    const times = [...history.map(([t]) => t), ...forecast.map((f) => f.t)];
    const pad = (n: number) => new Array<null>(n).fill(null);
    const series = [
      { label: 'measured', color: '#0969da', values: [...history.map(([, v]) => v), ...pad(forecast.length)] },
      { label: 'forecast', color: '#8250df', values: [...pad(history.length), ...forecast.map((f) => f.mean)] },
      { label: 'upper band', color: '#8250df', dash: true, values: [...pad(history.length), ...forecast.map((f) => f.upper)] },
      { label: 'lower band', color: '#8250df', dash: true, values: [...pad(history.length), ...forecast.map((f) => f.lower)] },
      ...(e.threshold === null ? [] : [{ label: 'threshold', color: '#c62828', dash: true, values: times.map(() => e.threshold) }]),
    ];
    return { times, series };
  }, [e]);
  const x = e.exhaustion;
  return (
    <section class="card" style={{ margin: '1rem 0' }} data-resource={e.resource}>
      <h3 style={{ margin: 0 }}>{e.title}</h3>
      <p>
        Now {amount(e.current, e.unit)} of threshold {amount(e.threshold, e.unit)} ·{' '}
        {x?.exceeded ? (
          <strong class="bad">✕ over the threshold</strong>
        ) : x?.days_left !== null && x?.days_left !== undefined ? (
          <strong class={x.days_left < 14 ? 'bad' : 'warn'}>
            reaches it in {days(x.days_left)} (between {days(x.earliest_days_left)} and {days(x.latest_days_left)})
          </strong>
        ) : e.status === 'insufficient_data' ? (
          <span class="muted">no forecast yet</span>
        ) : (
          <span class="ok">✓ not within the horizon</span>
        )}
        {e.message ? <span class="muted"> · {e.message}</span> : null}
      </p>
      {data.times.length ? <Chart title={`${e.title}: history and forecast`} times={data.times} series={data.series} format={(v) => amount(v, e.unit)} /> : null}
    </section>
  );
}
