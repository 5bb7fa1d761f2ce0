import type { ComponentChildren } from 'preact';
import type { Loaded } from '../hooks';

export function ErrorBox({ error }: { error: string | undefined }) {
  return error ? (
    <p class="error" role="alert">
      {error}
    </p>
  ) : null;
}

/** Shows the error or a loading line until the first data, then the children with the data. */
export function Async<T>({ loaded, children }: { loaded: Loaded<T>; children: (data: T) => ComponentChildren }) {
  if (loaded.data === undefined) return loaded.error ? <ErrorBox error={loaded.error} /> : <p class="muted">Loading…</p>;
  return (
    <>
      <ErrorBox error={loaded.error} />
      {children(loaded.data)}
    </>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="notice">{children}</p>;
}
