// Child process for storage-crash.spec.ts: appends batches forever (several in flight, with
// replays and late samples) and prints "ack <seq>" once an append has resolved. The parent kills
// it with SIGKILL at an arbitrary moment. Run through storage-ts-loader.mjs.
import { openDatabase } from '../../src/database/open-database.js';
import { openSampleStore } from '../../src/storage/open-store.js';
import { crashBatch } from './storage-crash.model.js';

// The target is a SQLite file path or a PostgreSQL URL.
const [target, inFlightArg] = process.argv.slice(2);
const db = await openDatabase(target!.startsWith('postgres://') ? { driver: 'postgres', url: target! } : { driver: 'sqlite', path: target! });
const store = await openSampleStore(db, { compaction: { triggerSamples: 3_000, stepSeries: 3, maxLogAgeMs: 50 }, chunk: { maxSamples: 16 }, followGraceMs: 0 });
// Like an agent after Welcome: continue after the last stored sequence.
let next = (await store.lastStoredSeq('crash-agent', 'e1')) + 1;
process.stdout.write(`start ${next}\n`);
store.onCompaction((info) => process.stdout.write(`compacted ${info.samples}\n`));
const inFlight = Number(inFlightArg ?? 8);

async function worker(): Promise<void> {
  for (;;) {
    const seq = next++;
    const { outcome } = await store.append(crashBatch(seq));
    process.stdout.write(`${outcome.status === 'stored' ? 'ack' : 'dup'} ${seq}\n`);
    if (seq % 10 === 0) {
      const replay = await store.append(crashBatch(seq - 1));
      if (replay.outcome.status !== 'duplicate') throw new Error(`replay of ${seq - 1} was stored again`);
    }
  }
}

await Promise.all(Array.from({ length: inFlight }, () => worker()));
