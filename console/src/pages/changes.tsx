import { api, get } from '../api';
import { Async, Empty } from '../components/common';
import { ActionResult, Editor, Field, useAction, values } from '../components/form';
import { fromLocalInput, time, toLocalInput } from '../format';
import { useLoad } from '../hooks';
import type { Change } from '../types';

const OUTCOMES = ['success', 'failed', 'rolled_back'];

export function Changes() {
  const loaded = useLoad(() => get<{ changes: Change[] }>('/api/changes?limit=200'), []);
  const create = useAction();
  const submit = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const v = values(form);
    const body = {
      id: v.id,
      services: (v.services ?? '').split(',').map((s) => s.trim()).filter(Boolean),
      description: v.description ?? '',
      ...times(v, ['planned_start', 'planned_end', 'actual_start', 'actual_end']),
      ...(v.outcome ? { outcome: v.outcome } : {}),
    };
    if (await create.run(() => api('POST', '/api/changes', body), `change ${v.id} recorded`)) {
      form.reset();
      loaded.reload();
    }
  };
  return (
    <>
      <h1>Changes</h1>
      <Editor title="Record a change">
        <form class="stack" onSubmit={submit}>
          <Field label="Change id (e.g. CHG-1042)">
            <input name="id" required />
          </Field>
          <Field label="Services (ids, comma-separated)">
            <input name="services" required />
          </Field>
          <Field label="Description">
            <textarea name="description" />
          </Field>
          <TimeFields names={['planned_start', 'planned_end', 'actual_start', 'actual_end']} />
          <OutcomeSelect />
          <div>
            <button class="primary" type="submit" disabled={create.busy}>
              Record change
            </button>
          </div>
          <ActionResult error={create.error} done={create.done} />
        </form>
      </Editor>
      <Async loaded={loaded}>{(d) => (d.changes.length ? d.changes.map((c) => <ChangeCard key={c.id} change={c} onSaved={loaded.reload} />) : <Empty>No change recorded.</Empty>)}</Async>
    </>
  );
}

function ChangeCard({ change: c, onSaved }: { change: Change; onSaved: () => void }) {
  const edit = useAction();
  const submit = async (e: Event) => {
    e.preventDefault();
    const v = values(e.currentTarget as HTMLFormElement);
    const body = { description: v.description ?? '', ...times(v, ['actual_start', 'actual_end']), outcome: v.outcome ?? null };
    if (await edit.run(() => api('PATCH', `/api/changes/${encodeURIComponent(c.id)}`, body), 'saved')) onSaved();
  };
  return (
    <article class="card" style={{ margin: '.75rem 0' }} data-change={c.id}>
      <h2 style={{ margin: 0 }}>
        {c.id} <span class="muted">{c.services.join(', ')}</span>
      </h2>
      <p>{c.description || <span class="muted">no description</span>}</p>
      <p class="muted">
        planned {time(c.planned_start)} – {time(c.planned_end)} · actual {time(c.actual_start)} – {time(c.actual_end)} · outcome {c.outcome ?? 'pending'}
      </p>
      <Editor title="Edit">
        <form class="stack" onSubmit={submit}>
          <Field label="Description">
            <textarea name="description" defaultValue={c.description} />
          </Field>
          <TimeFields names={['actual_start', 'actual_end']} initial={c as unknown as Record<string, string | null>} />
          <OutcomeSelect initial={c.outcome} />
          <div>
            <button type="submit" disabled={edit.busy}>
              Save
            </button>
          </div>
          <ActionResult error={edit.error} done={edit.done} />
        </form>
      </Editor>
    </article>
  );
}

function TimeFields({ names, initial = {} }: { names: string[]; initial?: Record<string, string | null> }) {
  return (
    <>
      {names.map((n) => (
        <Field key={n} label={`${n.replace('_', ' ')} (your local time)`}>
          <input type="datetime-local" name={n} defaultValue={toLocalInput(initial[n])} />
        </Field>
      ))}
    </>
  );
}

function OutcomeSelect({ initial }: { initial?: string | null }) {
  return (
    <Field label="Outcome">
      <select name="outcome" defaultValue={initial ?? ''}>
        <option value="">pending</option>
        {OUTCOMES.map((o) => (
          <option key={o}>{o}</option>
        ))}
      </select>
    </Field>
  );
}

/** `datetime-local` values to ISO times for the given keys. */
function times(v: Record<string, string>, keys: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of keys) {
    const iso = v[k] ? fromLocalInput(v[k]!) : undefined;
    if (iso) out[k] = iso;
  }
  return out;
}
