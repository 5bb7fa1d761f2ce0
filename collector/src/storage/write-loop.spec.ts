import { describe, expect, it } from 'vitest';
import type { IncomingBatch } from './storage.types.js';
import { WriteLoop, type QueuedAppend } from './write-loop.js';

const batch = (seq: number): IncomingBatch => ({ agentId: 'a', epoch: 'e', seq, series: [] });

function recordingLoop(jobSliceMs: number, events: string[]): WriteLoop {
  return new WriteLoop({ maxGroupSamples: 100, maxGroupBatches: 100, jobSliceMs }, async (group: QueuedAppend[]) => {
    events.push(`commit ${group.map((g) => g.batch.seq).join(',')}`);
    for (const g of group) g.resolve({ outcome: { status: 'stored', samples: 0 }, stored: [] });
  });
}

describe('WriteLoop', () => {
  it('gives maintenance a turn of jobSliceMs after a commit before the next commit', async () => {
    const events: string[] = [];
    const loop = recordingLoop(60_000, events);
    let step = 0;
    let second: Promise<unknown> | undefined;
    const job = loop.enqueue(async () => {
      events.push(`step ${++step}`);
      if (step === 1) second = loop.append(batch(2), 1); // arrives while the job has its turn
      return step === 3;
    });
    await loop.append(batch(1), 1);
    await job;
    await second;
    expect(events).toEqual(['commit 1', 'step 1', 'step 2', 'step 3', 'commit 2']);
  });

  it('goes back to the queued commits once the turn is over', async () => {
    const events: string[] = [];
    const loop = recordingLoop(1, events);
    let step = 0;
    let second: Promise<unknown> | undefined;
    const job = loop.enqueue(async () => {
      events.push(`step ${++step}`);
      if (step === 1) second = loop.append(batch(2), 1);
      await new Promise((resolve) => setTimeout(resolve, 20)); // longer than the 1 ms turn
      return step === 2;
    });
    await loop.append(batch(1), 1);
    await job;
    await second;
    expect(events).toEqual(['commit 1', 'step 1', 'commit 2', 'step 2']);
    await loop.stop();
  });
});
