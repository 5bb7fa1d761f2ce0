import { describe, expect, it } from 'vitest';
import type { IncomingBatch } from './storage.types.js';
import { WriteLoop, type QueuedAppend } from './write-loop.js';

const batch = (seq: number): IncomingBatch => ({ agentId: 'a', epoch: 'e', seq, series: [] });

/**
 * Runs a job of `steps` steps (each taking `stepMs`) beside batch 1, with batch 2 appended during the
 * first step; returns the order in which commits and steps ran.
 */
async function order(jobSliceMs: number, steps: number, stepMs: number, behind: (step: number) => boolean = () => false, light: (step: number) => boolean = () => false): Promise<string[]> {
  const events: string[] = [];
  let step = 0;
  const loop = new WriteLoop(
    { maxGroupSamples: 100, maxGroupBatches: 100, jobSliceMs },
    async (group: QueuedAppend[]) => {
      events.push(`commit ${group.map((g) => g.batch.seq).join(',')}`);
      for (const g of group) g.resolve({ outcome: { status: 'stored', samples: 0 }, stored: [] });
    },
    () => behind(step),
    () => light(step),
  );
  let second: Promise<unknown> | undefined;
  const job = loop.enqueue(async () => {
    events.push(`step ${++step}`);
    if (step === 1) second = loop.append(batch(2), 1);
    if (stepMs) await new Promise((resolve) => setTimeout(resolve, stepMs));
    return step === steps;
  });
  await loop.append(batch(1), 1);
  await job;
  await second;
  await loop.stop();
  return events;
}

describe('WriteLoop', () => {
  it('gives maintenance a turn of jobSliceMs after a commit before the next commit', async () => {
    expect(await order(60_000, 3, 0)).toEqual(['commit 1', 'step 1', 'step 2', 'step 3', 'commit 2']);
  });

  it('goes back to the queued commits once the turn is over', async () => {
    // Steps of 20 ms against a 1 ms turn.
    expect(await order(1, 2, 20)).toEqual(['commit 1', 'step 1', 'commit 2', 'step 2']);
  });

  it('gives maintenance one step per commit while nothing presses (light), its full turn again once something does', async () => {
    // The 60 s turn held all three steps before commit 2 above; light, commit 2 goes after one step.
    expect(await order(60_000, 3, 0, () => false, (step) => step < 2)).toEqual(['commit 1', 'step 1', 'commit 2', 'step 2', 'step 3']);
  });

  it('keeps the turn while the log is behind, then goes back to the commits', async () => {
    // The same 1 ms turn, but behind until the third step ran: commit 2 waits for it.
    expect(await order(1, 4, 20, (step) => step < 3)).toEqual(['commit 1', 'step 1', 'step 2', 'step 3', 'commit 2', 'step 4']);
  });
});
