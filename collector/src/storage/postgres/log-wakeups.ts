// Wakes the follower as soon as another collector commits a log row (its commit transaction
// NOTIFYs this channel with its writer name), instead of at the next poll. Best effort: polling
// stays, so a lost notification or a broken listening connection only delays.
import pg from 'pg';

export const LOG_CHANNEL = 'vigil_sample_log';
const RECONNECT_MS = 1_000;

export class LogWakeups {
  private client: pg.Client | undefined;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly config: pg.ClientConfig,
    private readonly wake: (writer: string) => void,
  ) {}

  start(): void {
    void this.connect();
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client(this.config);
    client.on('error', () => undefined); // the 'end' that follows reconnects
    client.on('notification', (n) => this.wake(n.payload ?? ''));
    client.on('end', () => {
      if (this.client !== client) return;
      this.client = undefined;
      this.retry();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${LOG_CHANNEL}`);
    } catch {
      await client.end().catch(() => undefined);
      this.retry();
      return;
    }
    if (this.stopped) await client.end().catch(() => undefined);
    else this.client = client;
  }

  private retry(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.connect(), RECONNECT_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}
