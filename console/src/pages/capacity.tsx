import { useState } from 'preact/hooks';
import { get, query } from '../api';
import { Async, Empty } from '../components/common';
import { VirtualRows } from '../components/virtual-rows';
import { amount, days } from '../format';
import { useLoad } from '../hooks';
import type { CapacityEntry } from '../types';
import { ForecastPanel } from './hosts';

const SORTS = ['exhaustion', 'earliest', 'growth', 'utilization', 'host'];

export function Capacity() {
  const [sort, setSort] = useState('exhaustion');
  const [within, setWithin] = useState('');
  const [host, setHost] = useState('');
  const [resource, setResource] = useState('');
  const [open, setOpen] = useState<CapacityEntry | undefined>();
  const loaded = useLoad(
    () => get<{ computed_at: string | null; resources: CapacityEntry[] }>(`/api/capacity${query({ sort, within_days: within, host, resource })}`),
    [sort, within, host, resource],
  );
  return (
    <>
      <h1>Capacity</h1>
      <form class="toolbar" onSubmit={(e) => e.preventDefault()} aria-label="Filter resources">
        <label>
          Sort by
          <select value={sort} onChange={(e) => setSort(e.currentTarget.value)}>
            {SORTS.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Full within (days)
          <input type="number" min="1" value={within} onChange={(e) => setWithin(e.currentTarget.value)} style={{ width: '7rem' }} />
        </label>
        <label>
          Host
          <input value={host} onChange={(e) => setHost(e.currentTarget.value.trim())} />
        </label>
        <label>
          Resource
          <input value={resource} onChange={(e) => setResource(e.currentTarget.value.trim())} placeholder="e.g. filesystem" />
        </label>
      </form>
      <Async loaded={loaded}>
        {(d) =>
          d.resources.length ? (
            <VirtualRows
              items={d.resources}
              rowHeight={44}
              label="Resources by days until full"
              head={
                <div class="row head cap-row" role="row">
                  <span role="columnheader">Host</span>
                  <span role="columnheader">Resource</span>
                  <span role="columnheader" class="num">
                    Days left
                  </span>
                  <span role="columnheader" class="num wide">
                    Now
                  </span>
                  <span role="columnheader" class="num wide">
                    Growth / day
                  </span>
                  <span role="columnheader" class="wide">
                    Status
                  </span>
                </div>
              }
              row={(r) => (
                <div class="row cap-row" role="row" data-resource={r.resource} style={{ height: '44px' }}>
                  <span role="cell">
                    <a href={`/hosts/${encodeURIComponent(r.host)}`}>{r.host}</a>
                  </span>
                  <span role="cell">
                    <button type="button" class="link" style={{ padding: '0 .25rem', minHeight: 0 }} onClick={() => setOpen(r)} aria-label={`Show the forecast chart of ${r.title}`}>
                      {r.title}
                    </button>
                  </span>
                  <span role="cell" class={`num ${r.exhaustion?.exceeded || (r.exhaustion?.days_left ?? Infinity) < 14 ? 'bad' : ''}`}>
                    {r.exhaustion?.exceeded ? 'full' : days(r.exhaustion?.days_left)}
                  </span>
                  <span role="cell" class="num wide">
                    {amount(r.current, r.unit)}
                  </span>
                  <span role="cell" class="num wide">
                    {r.growth_per_day === null ? '–' : amount(r.growth_per_day, r.unit)}
                  </span>
                  <span role="cell" class="wide">
                    {r.status}
                  </span>
                </div>
              )}
            />
          ) : (
            <Empty>No resource matches (forecasts need some hours of history).</Empty>
          )
        }
      </Async>
      {open ? <OpenForecast entry={open} /> : null}
    </>
  );
}

function OpenForecast({ entry }: { entry: CapacityEntry }) {
  const loaded = useLoad(() => get<{ resources: CapacityEntry[] }>(`/api/capacity/${encodeURIComponent(entry.host)}`), [entry.host, entry.resource]);
  return (
    <section aria-label={`Forecast of ${entry.title}`} ref={(el) => el?.scrollIntoView({ block: 'nearest' })}>
      <h2>{entry.title}</h2>
      <Async loaded={loaded}>
        {(d) => {
          const r = d.resources.find((x) => x.resource === entry.resource);
          return r ? <ForecastPanel entry={r} /> : <Empty>No chart for this resource.</Empty>;
        }}
      </Async>
    </section>
  );
}
