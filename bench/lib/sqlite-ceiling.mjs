// Raw SQLite write ceilings on this machine, measured with the same driver (sqlite3, WAL, NORMAL):
// 1) one row per sample keyed (series, ts) in the real ingest pattern (each batch adds one point to
//    each of many series), 2) one row per batch holding all its samples as a blob.
import sqlite3 from 'sqlite3';

const run = (db, sql, params = []) => new Promise((res, rej) => db.run(sql, params, (e) => (e ? rej(e) : res())));
const exec = (db, sql) => new Promise((res, rej) => db.exec(sql, (e) => (e ? rej(e) : res())));

export async function measureSqliteCeilings(path, { series = 20_000, batches = 30, batchSize = 1000 } = {}) {
  const db = new sqlite3.Database(path);
  await exec(db, 'PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;');
  await exec(db, 'CREATE TABLE s (series INTEGER, ts INTEGER, v REAL, PRIMARY KEY (series, ts)) WITHOUT ROWID; CREATE TABLE b (id INTEGER PRIMARY KEY, payload BLOB)');

  // Row per sample: every round writes one new point for each of `series` series.
  const stmt = db.prepare('INSERT INTO s VALUES (?, ?, ?)');
  let t = performance.now();
  let rows = 0;
  for (let round = 0; round < 10; round++) {
    await exec(db, 'BEGIN');
    for (let i = 0; i < series; i++) stmt.run(i, round, Math.random());
    await new Promise((r) => stmt.run(-1, round, 0, r));
    await exec(db, 'COMMIT');
    rows += series;
  }
  const rowPerSample = rows / ((performance.now() - t) / 1000);
  await new Promise((r) => stmt.finalize(r));

  // Row per batch: `batchSize` samples packed (8-byte ts + 8-byte value + 4-byte series id).
  const payload = Buffer.alloc(batchSize * 20, 7);
  t = performance.now();
  for (let round = 0; round < batches; round++) {
    await exec(db, 'BEGIN');
    for (let i = 0; i < 100; i++) await run(db, 'INSERT INTO b (payload) VALUES (?)', [payload]);
    await exec(db, 'COMMIT');
  }
  const rowPerBatch = (batches * 100 * batchSize) / ((performance.now() - t) / 1000);
  await new Promise((r) => db.close(r));
  return { rowPerSample, rowPerBatch };
}
