import { HttpException } from '@nestjs/common';

/** The one method used here; structural so the API helpers do not depend on the database module. */
interface Transactional<Tx> {
  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
}

/**
 * A transaction whose work may refuse (return an HttpException) after its reads and before any
 * write; the refusal is thrown once the (then empty) transaction has ended.
 */
export async function refusableTransaction<Tx, T>(db: Transactional<Tx>, work: (tx: Tx) => Promise<T | HttpException>): Promise<T> {
  const outcome = await db.transaction(work);
  if (outcome instanceof HttpException) throw outcome;
  return outcome;
}
