// Forms that change state: the API token is required (a 401 opens the sign-in), errors are shown
// as the API words them, and the list re-reads after a success.
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { ErrorBox } from './common';

export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [done, setDone] = useState<string | undefined>();
  const run = async (what: () => Promise<unknown>, message: string): Promise<boolean> => {
    setBusy(true);
    setError(undefined);
    setDone(undefined);
    try {
      await what();
      setDone(message);
      return true;
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, done, run };
}

export function ActionResult({ error, done }: { error: string | undefined; done: string | undefined }) {
  return (
    <>
      <ErrorBox error={error} />
      {done ? (
        <p class="ok" role="status">
          ✓ {done}
        </p>
      ) : null}
    </>
  );
}

/** Named form values as text (empty fields omitted). */
export function values(form: HTMLFormElement): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new FormData(form)) if (typeof v === 'string' && v.trim() !== '') out[k] = v.trim();
  return out;
}

export function Field({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <label>
      {label}
      {children}
    </label>
  );
}

/** A collapsible editor: the form shows only when asked for. */
export function Editor({ title, children, open = false }: { title: string; children: ComponentChildren; open?: boolean }) {
  return (
    <details open={open} class="card" style={{ margin: '.75rem 0' }}>
      <summary>
        <strong>{title}</strong>
      </summary>
      <div style={{ marginTop: '.75rem' }}>{children}</div>
    </details>
  );
}
