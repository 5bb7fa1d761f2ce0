import { api, get } from '../api';
import { Async, Empty } from '../components/common';
import { ActionResult, Editor, Field, useAction, values } from '../components/form';
import { time } from '../format';
import { useLoad } from '../hooks';
import type { Problem } from '../types';

const STATUSES = ['proposed', 'open', 'resolved', 'closed'];

export function Problems() {
  const loaded = useLoad(() => get<{ problems: Problem[] }>('/api/problems?limit=200'), []);
  return (
    <>
      <h1>Problems</h1>
      <p class="muted">Problems are proposed from recurring incidents; here they are reviewed and documented.</p>
      <Async loaded={loaded}>{(d) => (d.problems.length ? d.problems.map((p) => <ProblemCard key={p.id} problem={p} onSaved={loaded.reload} />) : <Empty>No problem recorded.</Empty>)}</Async>
    </>
  );
}

function ProblemCard({ problem: p, onSaved }: { problem: Problem; onSaved: () => void }) {
  const edit = useAction();
  const submit = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const v = values(form);
    const body = {
      title: v.title,
      status: v.status,
      known_error: (form.elements.namedItem('known_error') as HTMLInputElement).checked,
      workaround: v.workaround ?? null,
      root_cause: v.root_cause ?? null,
    };
    if (await edit.run(() => api('PATCH', `/api/problems/${p.id}`, body), 'saved')) onSaved();
  };
  return (
    <article class="card" style={{ margin: '.75rem 0' }} data-problem={p.id}>
      <h2 style={{ margin: 0 }}>
        #{p.id} {p.title}
      </h2>
      <p class="muted">
        {p.status}
        {p.known_error ? ' · known error' : ''} · service {p.service ?? '–'} · rule {p.rule} · since {time(p.created_at)}
      </p>
      {p.workaround ? <p>Workaround: {p.workaround}</p> : null}
      {p.root_cause ? <p>Root cause: {p.root_cause}</p> : null}
      <Editor title="Edit">
        <form class="stack" onSubmit={submit}>
          <Field label="Title">
            <input name="title" defaultValue={p.title} required />
          </Field>
          <Field label="Status">
            <select name="status" defaultValue={p.status}>
              {STATUSES.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          </Field>
          <label style={{ flexDirection: 'row', alignItems: 'center' }}>
            <input type="checkbox" name="known_error" defaultChecked={p.known_error} style={{ minHeight: 0 }} /> Known error
          </label>
          <Field label="Workaround">
            <textarea name="workaround" defaultValue={p.workaround ?? ''} />
          </Field>
          <Field label="Root cause">
            <textarea name="root_cause" defaultValue={p.root_cause ?? ''} />
          </Field>
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
