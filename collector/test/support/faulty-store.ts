import type { IncomingBatch, SampleStore } from '../../src/storage/storage.types.js';

/**
 * A real sample store whose append fails, for chosen batches, with a chosen error before reaching it
 * (a fake, for errors real input cannot provoke: ingest validates batches before the store does).
 * Every other call goes to the real store.
 */
export function failingAppends<T extends SampleStore>(store: T, failure: (batch: IncomingBatch) => Error | undefined): T {
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'append') {
        return (batch: IncomingBatch) => {
          const error = failure(batch);
          return error ? Promise.reject(error) : target.append(batch);
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
