// The signed-in API token: kept in sessionStorage (gone when the tab closes), sent only in the
// Authorization header or the WebSocket subprotocol, never put in a URL or logged.
const TOKEN_KEY = 'vigil.token';
const NAME_KEY = 'vigil.name';

type Listener = () => void;

class Session {
  private readonly listeners = new Set<Listener>();
  /** Set when the API refused the token (or reads need one and none is given). */
  needsSignIn = false;
  /** The refused request carried a token (as opposed to none at all). */
  tokenRefused = false;

  get token(): string | null {
    return sessionStorage.getItem(TOKEN_KEY);
  }

  /** Who acts, recorded as `by` on acknowledgements, resolutions and comments. */
  get name(): string {
    return sessionStorage.getItem(NAME_KEY) || 'console';
  }

  signIn(token: string, name: string): void {
    sessionStorage.setItem(TOKEN_KEY, token);
    if (name.trim()) sessionStorage.setItem(NAME_KEY, name.trim());
    else sessionStorage.removeItem(NAME_KEY);
    this.needsSignIn = false;
    this.tokenRefused = false;
    this.changed();
  }

  signOut(): void {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(NAME_KEY);
    this.changed();
  }

  /** A 401 from the API: the token is wrong (or missing where reads are protected). */
  rejected(): void {
    if (this.needsSignIn) return;
    this.tokenRefused = this.token !== null;
    sessionStorage.removeItem(TOKEN_KEY);
    this.needsSignIn = true;
    this.changed();
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }
}

export const session = new Session();
