// The public status page: public services only, readable on a phone. It re-reads its one
// endpoint every 30 s (the live feed is for operators and may carry non-public services).
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { StateBadge, stateLabel } from '../components/state';
import { UptimeBars } from '../components/uptime-bars';
import { pct, time } from '../format';
import type { PublicStatus } from '../types';

const REFRESH_MS = 30_000;

function summary(services: PublicStatus['services']): { cls: string; text: string } {
  if (services.some((s) => s.state === 'down')) return { cls: 's-down', text: '✕ Some services are down' };
  if (services.some((s) => s.state === 'degraded')) return { cls: 's-degraded', text: '◐ Some services are degraded' };
  if (services.some((s) => s.state === 'maintenance')) return { cls: 's-maintenance', text: '⚒ Planned maintenance in progress' };
  if (services.length && services.every((s) => s.state === 'up')) return { cls: 's-up', text: '✓ All services are operational' };
  return { cls: 's-no_data', text: 'Status partly unknown' };
}

function StatusPage() {
  const [data, setData] = useState<PublicStatus | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    let timer: number | undefined;
    const load = async () => {
      try {
        const response = await fetch('/api/status', { headers: { accept: 'application/json' } });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        setData((await response.json()) as PublicStatus);
        setError(undefined);
      } catch (e) {
        setError(`The status could not be loaded (${e instanceof Error ? e.message : String(e)}); retrying.`);
      }
      timer = window.setTimeout(load, REFRESH_MS);
    };
    void load();
    return () => window.clearTimeout(timer);
  }, []);
  return (
    <main>
      <h1>Service status</h1>
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
      {!data ? (
        <p class="muted">Loading…</p>
      ) : (
        <>
          <p class={`banner ${summary(data.services).cls}`} role="status">
            {summary(data.services).text}
          </p>
          {data.incidents.length ? (
            <section aria-labelledby="inc">
              <h2 id="inc">Current incidents</h2>
              <ul>
                {data.incidents.map((i, n) => (
                  <li key={n}>
                    <strong>{i.service_name}</strong>: {i.phase} since {time(i.started_at)} ({i.severity})
                  </li>
                ))}
              </ul>
            </section>
          ) : null}
          {data.maintenance.length ? (
            <section aria-labelledby="mw">
              <h2 id="mw">Planned maintenance</h2>
              <ul>
                {data.maintenance.map((m, n) => (
                  <li key={n}>
                    {m.in_progress ? <strong>In progress: </strong> : null}
                    {m.services.join(', ')}: {time(m.start)} – {time(m.end)}
                  </li>
                ))}
              </ul>
            </section>
          ) : null}
          <section aria-labelledby="svc">
            <h2 id="svc">Services</h2>
            {data.services.length === 0 ? <p class="muted">No service is published on this page.</p> : null}
            {data.services.map((s) => (
              <article class="svc" key={s.id} data-service={s.id}>
                <div class="svc-head">
                  <h3 style={{ margin: 0 }}>{s.name}</h3>
                  <span aria-label={`state ${stateLabel(s.state)}`}>
                    <StateBadge state={s.state} />
                  </span>
                </div>
                <p class="muted" style={{ margin: '.25rem 0' }}>
                  {pct(s.uptime, 2)} uptime over {s.days.length} days
                </p>
                <UptimeBars days={s.days} objective={s.objective} label={s.name} />
              </article>
            ))}
          </section>
          <p class="muted">Updated {time(data.generated_at)}.</p>
        </>
      )}
    </main>
  );
}

const root = document.getElementById('app')!;
root.textContent = ''; // the static "Loading…" placeholder
render(<StatusPage />, root);
