import pg from 'pg';
import { toPostgresSql } from './dialect.js';
import {
  notARead,
  transactionFinished,
  type Database,
  type MaintenanceCommand,
  type PreparedWrite,
  type ReadConnection,
  type ReadSql,
  type RunResult,
  type SqlParams,
  type Transaction,
} from './database.js';

export interface PostgresDatabaseOptions {
  /** postgres://user:password@host:5432/vigil */
  url: string;
  /** Connections for reads beside the one that runs the transactions (default 4). */
  poolSize?: number;
  /** Shown in pg_stat_activity, so an operator can tell the collectors apart. */
  applicationName?: string;
}

// Rows come back in the shapes SQLite gives: 64-bit integers (counts, milliseconds) and numerics
// (SUM, AVG) as JavaScript numbers, not strings. Milliseconds since 1970 fit in 2^53.
const INT8_OID = 20;
const NUMERIC_OID = 1700;
const typeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID || oid === NUMERIC_OID) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

/** The URL with its password replaced, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(an unparsable URL)';
  }
}

/**
 * PostgreSQL through `pg`'s pool. Transactions are queued and run one after another on one pooled
 * connection at a time (the same contract as SQLite's single writer); reads go through the pool
 * beside them. Several collectors may share the database: what must not run twice across them is
 * guarded by the leadership lock (see leadership/), not here.
 */
export class PostgresDatabase implements Database {
  readonly dialect = 'postgres' as const;
  private txQueue: Promise<unknown> = Promise.resolve();
  private readonly names = new Map<string, string>();

  private constructor(private readonly pool: pg.Pool, readonly url: string) {}

  static async open(options: PostgresDatabaseOptions): Promise<PostgresDatabase> {
    const pool = new pg.Pool({
      connectionString: options.url,
      max: (options.poolSize ?? 4) + 1,
      types: typeParsers,
      application_name: options.applicationName ?? 'vigil-collector',
      connectionTimeoutMillis: 10_000,
    });
    // An idle connection that the server drops must not crash the process; the next query reconnects.
    pool.on('error', () => undefined);
    try {
      await pool.query('SELECT 1');
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw new Error(`cannot connect to PostgreSQL at ${redactUrl(options.url)}: ${(error as Error).message}`);
    }
    return new PostgresDatabase(pool, options.url);
  }

  /** pg client settings for a dedicated session (advisory locks, LISTEN), with the same row types. */
  clientConfig(applicationName: string): pg.ClientConfig {
    return { connectionString: this.url, types: typeParsers, application_name: applicationName };
  }

  async get<T = Record<string, unknown>, S extends string = string>(sql: ReadSql<S>, params: SqlParams = []): Promise<T | undefined> {
    return (await this.all<T, S>(sql, params))[0];
  }

  async all<T = Record<string, unknown>, S extends string = string>(sql: ReadSql<S>, params: SqlParams = []): Promise<T[]> {
    const refused = notARead(sql);
    if (refused) throw refused;
    return (await this.pool.query(toPostgresSql(sql), params as unknown[])).rows as T[];
  }

  transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.queued(async () => {
      const client = await this.pool.connect();
      // A connection the server ends while checked out emits 'error' besides failing the query:
      // unheard, that event would crash the process (the pool only listens on idle clients).
      const ignore = () => undefined;
      client.on('error', ignore);
      const tx = new PostgresTransaction(client, this.names);
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const result = await work(tx);
        tx.finish();
        await client.query('COMMIT');
        return result;
      } catch (error) {
        tx.finish();
        await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
        throw error;
      } finally {
        client.off('error', ignore);
        client.release(broken);
      }
    });
  }

  statementTransaction(sql: string, params: SqlParams = []): Promise<RunResult> {
    return this.transaction((tx) => tx.run(sql, params));
  }

  private queued<T>(job: () => Promise<T>): Promise<T> {
    const next = this.txQueue.then(job);
    this.txQueue = next.catch(() => undefined);
    return next;
  }

  maintenance(command: MaintenanceCommand): Promise<void> {
    // PostgreSQL checkpoints its write-ahead log itself.
    if (command !== 'VACUUM') return Promise.resolve();
    return this.queued(async () => {
      await this.pool.query('VACUUM');
    });
  }

  async openReader(): Promise<ReadConnection> {
    // The pool already reads beside the transaction's connection; closing the reader leaves it open.
    return { get: (sql, params) => this.get(sql, params), all: (sql, params) => this.all(sql, params), close: async () => undefined };
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

class PostgresTransaction implements Transaction {
  readonly dialect = 'postgres' as const;
  private open = true;

  constructor(private readonly client: pg.PoolClient, private readonly names: Map<string, string>) {}

  finish(): void {
    this.open = false;
  }

  // Each method checks synchronously that the transaction is still open, as SQLite's do.
  run(sql: string | PreparedWrite, params: SqlParams = []): Promise<RunResult> {
    this.assertOpen();
    const query = typeof sql === 'string' ? { text: toPostgresSql(sql) } : preparedOf(sql);
    return this.client.query({ ...query, values: params as unknown[] }).then((result) => ({ changes: result.rowCount ?? 0, lastID: 0 }));
  }

  get<T = Record<string, unknown>>(sql: string, params: SqlParams = []): Promise<T | undefined> {
    return this.all<T>(sql, params).then((rows) => rows[0]);
  }

  all<T = Record<string, unknown>>(sql: string, params: SqlParams = []): Promise<T[]> {
    this.assertOpen();
    return this.client.query(toPostgresSql(sql), params as unknown[]).then((result) => result.rows as T[]);
  }

  exec(sql: string): Promise<void> {
    this.assertOpen();
    return this.client.query(sql).then(() => undefined);
  }

  prepare(sql: string): PreparedWrite {
    this.assertOpen();
    const text = toPostgresSql(sql);
    // pg prepares a named statement once per connection and reuses it; one name per SQL text.
    let name = this.names.get(text);
    if (!name) {
      name = `vigil_${this.names.size + 1}`;
      this.names.set(text, name);
    }
    return new PostgresPreparedWrite(name, text);
  }

  private assertOpen(): void {
    if (!this.open) throw transactionFinished();
  }
}

class PostgresPreparedWrite implements PreparedWrite {
  constructor(readonly name: string, readonly text: string) {}

  async finalize(): Promise<void> {
    // Named statements live as long as their connection; nothing to release here.
  }
}

function preparedOf(prepared: PreparedWrite): { name: string; text: string } {
  if (!(prepared instanceof PostgresPreparedWrite)) throw new Error('a prepared write of another database engine was passed to a PostgreSQL transaction');
  return prepared;
}
