import { useState } from 'preact/hooks';
import { api, get, query } from '../api';
import { Async, Empty } from '../components/common';
import { ActionResult, Editor, Field, useAction, values } from '../components/form';
import { time } from '../format';
import { useLoad } from '../hooks';
import { session } from '../session';
import type { Maintenance } from '../types';

function when(w: Maintenance): string {
  if (w.start) return `${time(w.start)} – ${time(w.end)}`;
  if (w.schedule) return `cron "${w.schedule}" for ${w.duration} (${w.timezone})`;
  return `weekly ${w.weekly} (${w.timezone})`;
}

export function MaintenanceRows({ windows }: { windows: Maintenance[] }) {
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th>Window</th>
            <th>When</th>
            <th>Services</th>
            <th>Change</th>
          </tr>
        </thead>
        <tbody>
          {windows.map((w) => (
            <tr key={w.id}>
              <td>
                <a href={`/maintenance?id=${encodeURIComponent(w.id)}`}>{w.title ?? w.id}</a>
              </td>
              <td>{when(w)}</td>
              <td>{w.services.join(', ')}</td>
              <td>{w.change ?? '–'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function MaintenancePage() {
  const loaded = useLoad(() => get<Maintenance[]>('/api/maintenance'), []);
  const create = useAction();
  const submit = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    if (await create.run(() => api('POST', '/api/maintenance', windowBody(values(form))), 'maintenance window created')) {
      form.reset();
      loaded.reload();
    }
  };
  return (
    <>
      <h1>Maintenance</h1>
      <Editor title="Plan a maintenance window">
        <WindowForm onSubmit={submit} busy={create.busy} />
        <ActionResult error={create.error} done={create.done} />
      </Editor>
      <Async loaded={loaded}>
        {(list) => (list.length ? list.map((w) => <WindowCard key={w.id} window={w} onChanged={loaded.reload} />) : <Empty>No maintenance window.</Empty>)}
      </Async>
    </>
  );
}

/** Form values to the API's window shape (the same as collector.yaml's `maintenance[]`). */
function windowBody(v: Record<string, string>): Record<string, unknown> {
  const body: Record<string, unknown> = { id: v.id, services: (v.services ?? '').split(',').map((s) => s.trim()).filter(Boolean), created_by: session.name };
  for (const k of ['title', 'timezone', 'start', 'end', 'schedule', 'duration', 'weekly', 'change', 'reason']) if (v[k]) body[k] = v[k];
  return body;
}

function WindowForm({ initial, onSubmit, busy }: { initial?: Maintenance; onSubmit: (e: Event) => void; busy: boolean }) {
  const [kind, setKind] = useState(initial?.schedule ? 'cron' : initial?.weekly ? 'weekly' : 'once');
  return (
    <form class="stack" onSubmit={onSubmit}>
      {initial ? <input type="hidden" name="id" value={initial.id} /> : (
        <Field label="Id (e.g. db-upgrade)">
          <input name="id" required />
        </Field>
      )}
      <Field label="Title">
        <input name="title" defaultValue={initial?.title ?? ''} />
      </Field>
      <Field label="Services (ids, comma-separated)">
        <input name="services" required defaultValue={initial?.services.join(', ') ?? ''} />
      </Field>
      <Field label="Time zone (IANA, e.g. Europe/Berlin; default from the SLA settings)">
        <input name="timezone" defaultValue={initial?.timezone ?? ''} />
      </Field>
      <Field label="Kind">
        <select value={kind} onChange={(e) => setKind(e.currentTarget.value)}>
          <option value="once">one-off</option>
          <option value="cron">recurring (cron)</option>
          <option value="weekly">weekly</option>
        </select>
      </Field>
      {kind === 'once' ? (
        <>
          <Field label="Start (ISO, e.g. 2026-11-14T22:00)">
            <input name="start" required defaultValue={initial?.start ?? ''} />
          </Field>
          <Field label="End">
            <input name="end" required defaultValue={initial?.end ?? ''} />
          </Field>
        </>
      ) : kind === 'cron' ? (
        <>
          <Field label='Cron schedule (e.g. "0 2 * * SUN")'>
            <input name="schedule" required defaultValue={initial?.schedule ?? ''} />
          </Field>
          <Field label="Duration (e.g. 2h)">
            <input name="duration" required defaultValue={initial?.duration ?? ''} />
          </Field>
        </>
      ) : (
        <Field label="Weekly (e.g. Sun 02:00-04:00)">
          <input name="weekly" required defaultValue={initial?.weekly ?? ''} />
        </Field>
      )}
      <Field label="Change record">
        <input name="change" defaultValue={initial?.change ?? ''} />
      </Field>
      <Field label="Reason (required when the window covers past time)">
        <input name="reason" />
      </Field>
      <div>
        <button class="primary" type="submit" disabled={busy}>
          {initial ? 'Save' : 'Create window'}
        </button>
      </div>
    </form>
  );
}

function WindowCard({ window: w, onChanged }: { window: Maintenance; onChanged: () => void }) {
  const audit = useLoad(() => get<Maintenance>(`/api/maintenance/${encodeURIComponent(w.id)}`), [w.id]);
  const edit = useAction();
  const remove = useAction();
  const save = async (e: Event) => {
    e.preventDefault();
    if (await edit.run(() => api('PUT', `/api/maintenance/${encodeURIComponent(w.id)}`, windowBody(values(e.currentTarget as HTMLFormElement))), 'saved')) onChanged();
  };
  const del = async () => {
    const reason = window.prompt(`Delete maintenance window ${w.id}? Reason (required if it covered past time):`);
    if (reason === null) return;
    if (await remove.run(() => api('DELETE', `/api/maintenance/${encodeURIComponent(w.id)}${query({ reason, created_by: session.name })}`), 'deleted')) onChanged();
  };
  const editable = w.source === 'api';
  return (
    <article class="card" style={{ margin: '.75rem 0' }} data-maintenance={w.id}>
      <h2 style={{ margin: 0 }}>
        {w.title ?? w.id} <span class="muted">({w.source === 'config' ? 'from collector.yaml' : 'from the API'})</span>
      </h2>
      <p>
        {when(w)} · services {w.services.join(', ')}
        {w.change ? ` · change ${w.change}` : ''}
      </p>
      <h3>Audit trail</h3>
      <Async loaded={audit}>
        {(d) =>
          d.audit?.length ? (
            <ol class="timeline">
              {d.audit.map((a, i) => (
                <li key={i}>
                  <strong>{a.action}</strong> <span class="muted">{time(a.at)}</span> · {a.actor ?? 'unknown'}
                  {a.token ? <span class="muted"> (token {a.token})</span> : null}
                  {a.retroactive ? <span class="warn"> · retroactive</span> : null}
                  {a.reason ? <div>{a.reason}</div> : null}
                </li>
              ))}
            </ol>
          ) : (
            <p class="muted">No audit entries (windows from collector.yaml change with the file).</p>
          )
        }
      </Async>
      {editable ? (
        <>
          <Editor title="Edit">
            <WindowForm initial={w} onSubmit={save} busy={edit.busy} />
            <ActionResult error={edit.error} done={edit.done} />
          </Editor>
          <button type="button" onClick={del} disabled={remove.busy}>
            Delete…
          </button>
          <ActionResult error={remove.error} done={remove.done} />
        </>
      ) : null}
    </article>
  );
}
