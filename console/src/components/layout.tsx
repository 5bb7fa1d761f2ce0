import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { live } from '../live';
import { session } from '../session';

const NAV: [string, string][] = [
  ['/', 'Overview'],
  ['/incidents', 'Incidents'],
  ['/hosts', 'Hosts'],
  ['/capacity', 'Capacity'],
  ['/changes', 'Changes'],
  ['/problems', 'Problems'],
  ['/maintenance', 'Maintenance'],
];

function current(path: string, href: string): boolean {
  if (href === '/') return path === '/' || path.startsWith('/services');
  return path === href || path.startsWith(`${href}/`);
}

export function Layout({ children }: { children: ComponentChildren }) {
  const { path, route } = useLocation();
  const [connected, setConnected] = useState(live.connected);
  useEffect(() => live.onStatus(setConnected), []);
  const signedIn = session.token !== null;
  return (
    <>
      <a class="skip" href="#content">
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href="/">
          Vigil
        </a>
        <nav class="main" aria-label="Main">
          {NAV.map(([href, label]) => (
            <a href={href} aria-current={current(path, href) ? 'page' : undefined}>
              {label}
            </a>
          ))}
          <a href="/status">Status page</a>
        </nav>
        <div class="session">
          <span class={`live ${connected ? 'on' : 'off'}`} role="status">
            {connected ? 'Live' : 'Reconnecting…'}
          </span>
          {signedIn ? (
            <>
              <span class="muted">{session.name}</span>
              <button
                type="button"
                onClick={() => {
                  session.signOut();
                  live.restart();
                }}
              >
                Sign out
              </button>
            </>
          ) : (
            <button type="button" onClick={() => route(`/sign-in?next=${encodeURIComponent(path)}`)}>
              Sign in
            </button>
          )}
        </div>
      </header>
      <main id="content" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}
