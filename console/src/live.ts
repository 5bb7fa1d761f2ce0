// The collector's live feed (/ws): one connection per page, re-opened with backoff after a
// collector restart; every reconnect tells subscribers to re-read what they show (messages sent
// while disconnected are gone).
import { session } from './session';

export type LiveMessage =
  | { type: 'hello' }
  | { type: 'incident'; event: string; incident: { id: number; service: string | null; state: string } }
  | { type: 'agent'; event: 'connected' | 'disconnected'; agent: { id: string; hostname: string } }
  | { type: 'service'; event: 'state'; at: string; service: { id: string; name: string; state: string; previous: string | null } };

type Listener = (message: LiveMessage | { type: 'resync' }) => void;
type StatusListener = (connected: boolean) => void;

const MAX_BACKOFF_MS = 5_000;

function tokenProtocol(token: string): string {
  const bytes = new TextEncoder().encode(token);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return `vigil-token.${btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')}`;
}

class LiveFeed {
  private ws: WebSocket | undefined;
  private readonly listeners = new Set<Listener>();
  private readonly statusListeners = new Set<StatusListener>();
  private backoff = 500;
  private timer: number | undefined;
  private opened = false;
  connected = false;

  start(): void {
    if (this.ws) return;
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
    const token = session.token;
    const ws = new WebSocket(url, token ? ['vigil', tokenProtocol(token)] : ['vigil']);
    this.ws = ws;
    ws.onopen = () => {
      this.backoff = 500;
      this.setConnected(true);
      // After a reconnect, what changed meanwhile was missed: everyone re-reads.
      if (this.opened) this.emit({ type: 'resync' });
      this.opened = true;
    };
    ws.onmessage = (e) => {
      try {
        this.emit(JSON.parse(String(e.data)) as LiveMessage);
      } catch {
        /* not ours */
      }
    };
    ws.onclose = () => {
      this.ws = undefined;
      this.setConnected(false);
      this.timer = window.setTimeout(() => this.start(), this.backoff);
      this.backoff = Math.min(MAX_BACKOFF_MS, this.backoff * 2);
    };
  }

  /** Reconnects at once (e.g. with a new token after sign-in). */
  restart(): void {
    window.clearTimeout(this.timer);
    const ws = this.ws;
    this.ws = undefined;
    if (ws) {
      ws.onclose = null;
      ws.close();
    }
    this.setConnected(false);
    this.start();
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onStatus(listener: StatusListener): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  private setConnected(value: boolean): void {
    if (this.connected === value) return;
    this.connected = value;
    for (const l of this.statusListeners) l(value);
  }

  private emit(message: LiveMessage | { type: 'resync' }): void {
    for (const l of this.listeners) l(message);
  }
}

export const live = new LiveFeed();
