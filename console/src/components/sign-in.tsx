// Sign-in: the API token is checked against the collector before it is kept (sessionStorage only).
import { useState } from 'preact/hooks';
import { session } from '../session';
import { live } from '../live';

export function SignIn({ reason, onDone }: { reason?: string; onDone?: () => void }) {
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const token = (form.elements.namedItem('token') as HTMLInputElement).value.trim();
    const name = (form.elements.namedItem('name') as HTMLInputElement).value;
    if (!token) return setError('Enter an API token.');
    setBusy(true);
    setError(undefined);
    try {
      const response = await fetch('/api/session', { headers: { authorization: `Bearer ${token}` } });
      if (response.status === 401) return setError('The collector refused this token. Nothing was changed.');
      if (!response.ok) return setError(`The collector answered HTTP ${response.status}.`);
      session.signIn(token, name);
      live.restart();
      onDone?.();
    } catch {
      setError('The collector cannot be reached.');
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="sign-in-title" class="card" style={{ maxWidth: '30rem' }}>
      <h1 id="sign-in-title">Sign in</h1>
      {reason ? <p>{reason}</p> : null}
      <form class="stack" onSubmit={submit} autocomplete="off">
        <label>
          API token
          <input name="token" type="password" autocomplete="off" required spellcheck={false} />
        </label>
        <label>
          Your name (recorded on acknowledgements and comments)
          <input name="name" type="text" autocomplete="name" defaultValue={session.name === 'console' ? '' : session.name} />
        </label>
        {error ? (
          <p class="error" role="alert">
            {error}
          </p>
        ) : null}
        <div>
          <button class="primary" type="submit" disabled={busy}>
            Sign in
          </button>
        </div>
      </form>
      <p class="muted">The token stays in this tab's session storage and is sent only to this collector.</p>
    </section>
  );
}
