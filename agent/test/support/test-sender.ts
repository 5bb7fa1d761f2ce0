// A Sender over a fresh spool for the integration specs: token "secret", plaintext, a test Hello; options override.
import path from 'node:path';
import { Spool } from '../../src/pipeline/spool.js';
import { ReasonCounter } from '../../src/pipeline/types.js';
import { Sender, type SenderOptions } from '../../src/transport/sender.js';

export interface TestSender {
  spool: Spool;
  sender: Sender;
  rejected: ReasonCounter;
  /** Stops the sender, then closes the spool. */
  close(): Promise<void>;
}

export async function openTestSender(dir: string, options: Pick<SenderOptions, 'collectors'> & Partial<SenderOptions>, spoolMaxBytes = 64 << 20): Promise<TestSender> {
  const spool = await Spool.open({ dir: path.join(dir, 'spool'), maxBytes: spoolMaxBytes, maxAgeMs: 86_400_000 });
  const rejected = options.rejected ?? new ReasonCounter();
  const sender = new Sender({
    token: 'secret',
    tls: { enabled: false },
    spool,
    rejected,
    heartbeatIntervalMs: 1000,
    hello: { agentId: spool.agentId, hostname: 'test', version: '0.0.0', labels: {}, streamEpoch: spool.streamEpoch, intervalMs: 1000, inventory: {} },
    ...options,
  });
  const close = async () => {
    await sender.stop();
    await spool.close();
  };
  return { spool, sender, rejected, close };
}
