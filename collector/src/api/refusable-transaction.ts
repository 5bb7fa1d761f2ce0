import { HttpException } from '@nestjs/common';

/** The one method used here; structural so the API helpers do not depend on the database module. */
interface Transactional {
  transaction<T>(work: () => Promise<T>): Promise<T>;
}

/**
 * A transaction whose work may refuse (return an HttpException) after its reads and before any
 * write. The refusal is thrown after the (empty) transaction commits rather than from inside it: a
 * ROLLBACK on the one shared connection would also undo writes other flows issued meanwhile.
 */
export async function refusableTransaction<T>(db: Transactional, work: () => Promise<T | HttpException>): Promise<T> {
  const outcome = await db.transaction(work);
  if (outcome instanceof HttpException) throw outcome;
  return outcome;
}
