import { useLocation } from 'preact-iso';
import { api, get, query } from '../api';
import { Async, Empty } from '../components/common';
import { ActionResult, useAction } from '../components/form';
import { Severity } from '../components/state';
import { ago, time } from '../format';
import { useLive, useLoad } from '../hooks';
import { session } from '../session';
import type { Incident } from '../types';

const STATES = ['open', 'acknowledged', 'resolved', 'closed', 'suppressed'];
const SEVERITIES = ['critical', 'error', 'warning', 'info'];

export function IncidentRows({ incidents }: { incidents: Incident[] }) {
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th>#</th>
            <th>Incident</th>
            <th>Severity</th>
            <th>State</th>
            <th>Service</th>
            <th>Opened</th>
          </tr>
        </thead>
        <tbody>
          {incidents.map((i) => (
            <tr key={i.id} data-incident={i.id} data-state={i.state}>
              <td>{i.id}</td>
              <td>
                <a href={`/incidents/${i.id}`}>{i.title}</a>
                {i.flapping ? <span class="warn"> (flapping)</span> : null}
              </td>
              <td>
                <Severity severity={i.severity} />
              </td>
              <td>{i.state}</td>
              <td>{i.service ? <a href={`/services/${encodeURIComponent(i.service)}`}>{i.service}</a> : '–'}</td>
              <td title={time(i.opened_at)}>{ago(i.opened_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function Incidents() {
  const { query: q, route } = useLocation();
  const filters = { state: q.state ?? 'open,acknowledged', severity: q.severity ?? '', service: q.service ?? '' };
  const loaded = useLoad(() => get<{ incidents: Incident[] }>(`/api/incidents${query({ ...filters, limit: 200 })}`), [filters.state, filters.severity, filters.service]);
  useLive(loaded.reload, (m) => m.type === 'incident');
  const set = (key: string, value: string) => route(`/incidents${query({ ...filters, [key]: value })}`, true);
  return (
    <>
      <h1>Incidents</h1>
      <form class="toolbar" onSubmit={(e) => e.preventDefault()} aria-label="Filter incidents">
        <label>
          State
          <select value={filters.state} onChange={(e) => set('state', e.currentTarget.value)}>
            <option value="open,acknowledged">open or acknowledged</option>
            {STATES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
            <option value={STATES.join(',')}>any</option>
          </select>
        </label>
        <label>
          Severity
          <select value={filters.severity} onChange={(e) => set('severity', e.currentTarget.value)}>
            <option value="">any</option>
            {SEVERITIES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Service
          <input value={filters.service} onChange={(e) => set('service', e.currentTarget.value.trim())} placeholder="service id" />
        </label>
      </form>
      <Async loaded={loaded}>{(d) => (d.incidents.length ? <IncidentRows incidents={d.incidents} /> : <Empty>No incident matches these filters.</Empty>)}</Async>
    </>
  );
}

interface IncidentDetail extends Incident {
  timeline: { at: string; type: string; actor: string | null; detail: string | null }[];
}

const FAILED = /failed|error/;

export function IncidentPage({ id }: { id: string }) {
  const loaded = useLoad(() => get<IncidentDetail>(`/api/incidents/${encodeURIComponent(id)}`), [id]);
  useLive(loaded.reload, (m) => m.type === 'incident' && String(m.incident.id) === id);
  const action = useAction();
  const busy = action.busy;
  const act = async (what: 'ack' | 'resolve' | 'comments', body: Record<string, string>) => {
    const ok = await action.run(() => api('POST', `/api/incidents/${encodeURIComponent(id)}/${what}`, { by: session.name, ...body }), what === 'comments' ? 'comment added' : what === 'ack' ? 'acknowledged' : 'resolved');
    if (ok) loaded.reload();
    return ok;
  };
  return (
    <Async loaded={loaded}>
      {(i) => (
        <>
          <p class="muted">
            <a href="/incidents">Incidents</a> / #{i.id}
          </p>
          <h1>{i.title}</h1>
          <dl class="facts">
            <dt>State</dt>
            <dd data-testid="incident-state">{i.state}</dd>
            <dt>Severity</dt>
            <dd>
              <Severity severity={i.severity} />
            </dd>
            <dt>Service</dt>
            <dd>{i.service ? <a href={`/services/${encodeURIComponent(i.service)}`}>{i.service}</a> : '–'}</dd>
            <dt>Rule</dt>
            <dd>{i.rule}</dd>
            <dt>Started</dt>
            <dd>{time(i.started_at)}</dd>
            {i.acknowledged_at ? (
              <>
                <dt>Acknowledged</dt>
                <dd>
                  {time(i.acknowledged_at)} by {i.acknowledged_by}
                </dd>
              </>
            ) : null}
            {i.resolved_at ? (
              <>
                <dt>Resolved</dt>
                <dd>
                  {time(i.resolved_at)} by {i.resolved_by}
                </dd>
              </>
            ) : null}
            {i.change_id ? (
              <>
                <dt>Change</dt>
                <dd>
                  <a href={`/changes?id=${encodeURIComponent(i.change_id)}`}>{i.change_id}</a>
                </dd>
              </>
            ) : null}
            {i.problem_id ? (
              <>
                <dt>Problem</dt>
                <dd>
                  <a href={`/problems?id=${i.problem_id}`}>#{i.problem_id}</a>
                </dd>
              </>
            ) : null}
            <dt>Labels</dt>
            <dd>
              {Object.entries(i.labels)
                .map(([k, v]) => `${k}=${v}`)
                .join(', ') || '–'}
            </dd>
          </dl>
          {i.description ? <p>{i.description}</p> : null}
          <div class="actions">
            <button type="button" class="primary" disabled={busy || i.state !== 'open'} onClick={() => act('ack', {})}>
              Acknowledge
            </button>
            <button type="button" disabled={busy || !['open', 'acknowledged'].includes(i.state)} onClick={() => act('resolve', {})}>
              Resolve
            </button>
          </div>
          <ActionResult error={action.error} done={action.done} />
          <form
            class="stack"
            onSubmit={async (e) => {
              e.preventDefault();
              const form = e.currentTarget as HTMLFormElement;
              const text = (form.elements.namedItem('comment') as HTMLTextAreaElement).value.trim();
              if (text && (await act('comments', { text }))) form.reset();
            }}
          >
            <label>
              Comment
              <textarea name="comment" required />
            </label>
            <div>
              <button type="submit" disabled={busy}>
                Add comment
              </button>
            </div>
          </form>
          <h2>Timeline</h2>
          <ol class="timeline">
            {i.timeline.map((e, n) => (
              <li key={n} class={FAILED.test(e.type) ? 't-failed' : e.type === 'resolved' || e.type === 'notified' || e.type === 'delivered' ? 't-ok' : ''}>
                <strong>{e.type.replace(/_/g, ' ')}</strong> <span class="muted">{time(e.at)}</span>
                {e.actor ? <span> · {e.actor}</span> : null}
                {e.detail ? <div>{e.detail}</div> : null}
              </li>
            ))}
          </ol>
        </>
      )}
    </Async>
  );
}
