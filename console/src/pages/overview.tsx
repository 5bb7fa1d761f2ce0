import { useState } from 'preact/hooks';
import { get } from '../api';
import { Async, Empty } from '../components/common';
import { StateBadge, stateLabel } from '../components/state';
import { VirtualRows } from '../components/virtual-rows';
import { ago, minutes, pct, windowSummary } from '../format';
import { useLive, useLoad } from '../hooks';
import type { Overview as OverviewData, OverviewService } from '../types';
import { IncidentRows } from './incidents';

const STATE_ORDER: Record<string, number> = { down: 0, degraded: 1, no_data: 2, maintenance: 3, up: 4 };

export function Overview() {
  const loaded = useLoad(() => get<OverviewData>('/api/overview'), []);
  // Service state changes are applied in place; incidents and agents re-read the overview.
  const [states, setStates] = useState<Record<string, string>>({});
  useLive(
    () => {
      setStates({});
      loaded.reload();
    },
    (m) => m.type === 'incident' || m.type === 'agent',
    (m) => {
      if (m.type === 'service') setStates((s) => ({ ...s, [m.service.id]: m.service.state }));
    },
  );
  const [filter, setFilter] = useState('');
  return (
    <>
      <h1>Overview</h1>
      <Async loaded={loaded}>
        {(data) => {
          const services = data.services.map((s) => (states[s.id] ? { ...s, state: states[s.id]! } : s));
          const counts = new Map<string, number>();
          for (const s of services) counts.set(s.state, (counts.get(s.state) ?? 0) + 1);
          const shown = services
            .filter((s) => !filter || s.name.toLowerCase().includes(filter.toLowerCase()) || s.id.includes(filter.toLowerCase()))
            .sort((a, b) => (STATE_ORDER[a.state] ?? 9) - (STATE_ORDER[b.state] ?? 9) || a.name.localeCompare(b.name));
          return (
            <>
              <div class="grid">
                <section class="card" aria-labelledby="svc-sum">
                  <h2 id="svc-sum">Services</h2>
                  <div class="figure">{services.length}</div>
                  <p>
                    {[...counts].map(([state, n]) => (
                      <span key={state} style={{ marginRight: '.5rem' }}>
                        <StateBadge state={state} /> {n}
                      </span>
                    ))}
                  </p>
                </section>
                <section class="card" aria-labelledby="inc-sum">
                  <h2 id="inc-sum">Open incidents</h2>
                  <div class="figure" data-testid="open-incidents">
                    {data.incidents.length}
                  </div>
                  <a href="/incidents">All incidents</a>
                </section>
                <section class="card" aria-labelledby="agent-sum">
                  <h2 id="agent-sum">Agents</h2>
                  <div class="figure" data-testid="agents-connected">
                    {data.agents.connected} connected
                  </div>
                  <p class={data.agents.lost ? 'bad' : 'muted'} data-testid="agents-lost">
                    {data.agents.lost} lost
                  </p>
                  <a href="/hosts">All hosts</a>
                </section>
              </div>
              {data.incidents.length ? (
                <section aria-labelledby="open-title">
                  <h2 id="open-title">Open incidents</h2>
                  <IncidentRows incidents={data.incidents} />
                </section>
              ) : null}
              {data.agents.lost_agents.length ? (
                <section aria-labelledby="lost-title">
                  <h2 id="lost-title">Lost agents</h2>
                  <ul>
                    {data.agents.lost_agents.map((a) => (
                      <li key={a.id}>
                        <a href={`/hosts/${encodeURIComponent(a.hostname)}`}>{a.hostname}</a> ({a.id}), last seen {ago(a.last_seen)}
                      </li>
                    ))}
                  </ul>
                </section>
              ) : null}
              <section aria-labelledby="svc-title">
                <h2 id="svc-title">Services</h2>
                <div class="toolbar">
                  <label>
                    Find a service
                    <input type="search" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} />
                  </label>
                </div>
                {shown.length ? <ServiceList services={shown} /> : <Empty>No service matches.</Empty>}
              </section>
            </>
          );
        }}
      </Async>
    </>
  );
}

function ServiceList({ services }: { services: OverviewService[] }) {
  return (
    <VirtualRows
      items={services}
      rowHeight={52}
      label="Services"
      head={
        <div class="row head svc-row" role="row">
          <span role="columnheader">Service</span>
          <span role="columnheader">State</span>
          <span role="columnheader" class="num">
            Availability
          </span>
          <span role="columnheader" class="num wide">
            Objective
          </span>
          <span role="columnheader" class="num wide">
            Budget left
          </span>
          <span role="columnheader" class="wide">
            Burn rate
          </span>
        </div>
      }
      row={(s) => <ServiceRow service={s} />}
    />
  );
}

function ServiceRow({ service: s }: { service: OverviewService }) {
  const w = s.windows[0];
  const budgetLow = w !== undefined && w.budget_remaining_ratio < 0.25;
  return (
    <div class="row svc-row" role="row" data-service={s.id} data-state={s.state} style={{ height: '52px' }}>
      <span role="cell">
        <a href={`/services/${encodeURIComponent(s.id)}`}>{s.name}</a>
        {s.public ? <span class="muted"> · public</span> : null}
      </span>
      <span role="cell" aria-label={`state ${stateLabel(s.state)}`}>
        <StateBadge state={s.state} />
      </span>
      <span role="cell" class={`num ${w?.status === 'breached' ? 'bad' : w?.status === 'insufficient_data' ? 'muted' : ''}`} title={s.windows.map(windowSummary).join('\n')}>
        {!w ? 'no SLA' : w.status === 'insufficient_data' ? `insufficient data (${pct(w.coverage, 0)} measured)` : `${pct(w.availability)} (${w.window})`}
      </span>
      <span role="cell" class="num wide">
        {pct(s.objective, 2)}
      </span>
      <span role="cell" class={`num wide ${budgetLow ? 'warn' : ''}`} title={w ? `${minutes(w.budget_remaining_minutes)} of error budget left` : ''}>
        {w ? `${pct(Math.max(0, w.budget_remaining_ratio), 0)}${budgetLow ? ' ▼' : ''}` : '–'}
      </span>
      <span role="cell" class="wide">
        {s.burning.length ? (
          <span class="bad" title={s.burning.map((b) => `${b.severity} ${b.long_window}/${b.short_window}: ${b.rate}x`).join('\n')}>
            ▲ burning {s.burning.map((b) => `${b.rate.toFixed(1)}x`).join(', ')}
          </span>
        ) : (
          <span class="muted">normal</span>
        )}
      </span>
    </div>
  );
}
