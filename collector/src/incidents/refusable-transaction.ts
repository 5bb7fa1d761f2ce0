import { HttpException } from '@nestjs/common';
import type { Database } from '../database/database.js';

/**
 * A transaction whose work may refuse (return an HttpException) after its reads and before any
 * write. The refusal is thrown after the (empty) transaction commits rather than from inside it: a
 * ROLLBACK on the one shared connection would also undo writes other flows issued meanwhile.
 */
export async function refusableTransaction<T>(db: Database, work: () => Promise<T | HttpException>): Promise<T> {
  const outcome = await db.transaction(work);
  if (outcome instanceof HttpException) throw outcome;
  return outcome;
}
