// Data loading for pages: one read per page, re-read on demand, on live messages that concern it
// and after a feed reconnect.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { live, type LiveMessage } from './live';

export interface Loaded<T> {
  data: T | undefined;
  error: string | undefined;
  loading: boolean;
  reload(): void;
}

export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data: T | undefined; error: string | undefined; loading: boolean }>({ data: undefined, error: undefined, loading: true });
  const generation = useRef(0);
  const loader = useRef(load);
  loader.current = load;
  const reload = useCallback(() => {
    const mine = ++generation.current;
    setState((s) => ({ ...s, loading: true }));
    loader.current().then(
      (data) => mine === generation.current && setState({ data, error: undefined, loading: false }),
      (e: unknown) => mine === generation.current && setState((s) => ({ data: s.data, error: e instanceof Error ? e.message : String(e), loading: false })),
    );
  }, []);
  useEffect(reload, deps);
  return { ...state, reload };
}

/**
 * Calls `reload` (at most every 300 ms) when a live message passes `concerns`, and after every
 * reconnect. `onMessage` sees every message first (for in-place updates that need no read).
 */
export function useLive(reload: () => void, concerns: (m: LiveMessage) => boolean, onMessage?: (m: LiveMessage) => void): void {
  const fns = useRef({ reload, concerns, onMessage });
  fns.current = { reload, concerns, onMessage };
  useEffect(() => {
    let timer: number | undefined;
    const later = () => {
      if (timer === undefined) timer = window.setTimeout(() => ((timer = undefined), fns.current.reload()), 300);
    };
    const off = live.subscribe((m) => {
      if (m.type === 'resync') return later();
      fns.current.onMessage?.(m);
      if (fns.current.concerns(m)) later();
    });
    return () => {
      off();
      window.clearTimeout(timer);
    };
  }, []);
}
