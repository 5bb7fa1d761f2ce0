// Where SQLite and PostgreSQL differ, in one place. Repositories write the shared subset of SQL
// with `?` placeholders; PostgresDatabase rewrites placeholders (toPostgresSql), migrations written
// for SQLite get their column types mapped (toPostgresDdl), and the few functions that differ by
// name come from sqlDialect(db.dialect).
import type { DialectName } from './database.js';

export interface SqlDialect {
  /** The larger of two values (SQLite's two-argument MAX, PostgreSQL's GREATEST; NULLs differ: avoid them). */
  greatest(a: string, b: string): string;
  /** The smaller of two values. */
  least(a: string, b: string): string;
  /** Values of a group joined by `separator` (a SQL string literal). */
  groupConcat(expression: string, separator: string): string;
  /** The values of a group as the text of a JSON array (NULL for an empty group on PostgreSQL). */
  jsonGroupArray(expression: string): string;
  /** A table of one column, `value`: the elements of a JSON array passed as one text parameter. */
  jsonArrayValues(parameter: string): string;
  /**
   * A subquery of typed columns from one text parameter holding a JSON array of arrays (one array
   * per row, values in `columns` order): many rows written in one statement, one round trip.
   */
  jsonRecords(parameter: string, columns: ReadonlyArray<readonly [name: string, type: 'TEXT' | 'BIGINT' | 'DOUBLE PRECISION']>): string;
  /** Appended to a SELECT inside a transaction: locks the rows read until it ends (SQLite's writer lock already does). */
  readonly forUpdate: string;
}

const dialects: Record<DialectName, SqlDialect> = {
  sqlite: {
    greatest: (a, b) => `MAX(${a}, ${b})`,
    least: (a, b) => `MIN(${a}, ${b})`,
    groupConcat: (expression, separator) => `group_concat(${expression}, ${separator})`,
    jsonGroupArray: (expression) => `json_group_array(${expression})`,
    jsonArrayValues: (parameter) => `json_each(${parameter})`,
    jsonRecords: (parameter, columns) => `(SELECT ${columns.map(([name], i) => `value ->> ${i} AS ${name}`).join(', ')} FROM json_each(${parameter}))`,
    forUpdate: '',
  },
  postgres: {
    greatest: (a, b) => `GREATEST(${a}, ${b})`,
    least: (a, b) => `LEAST(${a}, ${b})`,
    groupConcat: (expression, separator) => `string_agg(CAST(${expression} AS TEXT), ${separator})`,
    jsonGroupArray: (expression) => `CAST(json_agg(${expression}) AS TEXT)`,
    jsonArrayValues: (parameter) => `json_array_elements_text(CAST(${parameter} AS json))`,
    jsonRecords: (parameter, columns) =>
      `(SELECT ${columns.map(([name, type], i) => `CAST(r ->> ${i} AS ${type}) AS ${name}`).join(', ')} FROM json_array_elements(CAST(${parameter} AS json)) AS r)`,
    forUpdate: ' FOR UPDATE',
  },
};

export function sqlDialect(name: DialectName): SqlDialect {
  return dialects[name];
}

/**
 * Calls `visit` for each piece of `sql` outside string literals, quoted identifiers and comments,
 * and keeps those untouched: the one tokenizer both rewrites below use.
 */
function rewriteCode(sql: string, visit: (code: string) => string): string {
  let out = '';
  let code = '';
  let i = 0;
  const flush = () => {
    out += visit(code);
    code = '';
  };
  while (i < sql.length) {
    const c = sql[i]!;
    const end = c === "'" || c === '"' ? closingQuote(sql, i, c) : sql.startsWith('--', i) ? lineEnd(sql, i) : sql.startsWith('/*', i) ? blockEnd(sql, i) : -1;
    if (end < 0) {
      code += c;
      i += 1;
      continue;
    }
    flush();
    out += sql.slice(i, end);
    i = end;
  }
  flush();
  return out;
}

function closingQuote(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) i += 2; // '' inside a literal
      else return i + 1;
    } else i += 1;
  }
  return sql.length;
}

function lineEnd(sql: string, start: number): number {
  const nl = sql.indexOf('\n', start);
  return nl < 0 ? sql.length : nl + 1;
}

function blockEnd(sql: string, start: number): number {
  const close = sql.indexOf('*/', start + 2);
  return close < 0 ? sql.length : close + 2;
}

const translated = new Map<string, string>();

/** `?` placeholders become `$1`, `$2`, … (memoised: repositories run the same SQL many times). */
export function toPostgresSql(sql: string): string {
  const known = translated.get(sql);
  if (known !== undefined) return known;
  let n = 0;
  const result = rewriteCode(sql, (code) => code.replace(/\?/g, () => `$${++n}`));
  if (translated.size < 10_000) translated.set(sql, result);
  return result;
}

/**
 * A schema step written for SQLite, in PostgreSQL's types: 64-bit integers (SQLite's INTEGER holds
 * milliseconds since 1970; PostgreSQL's is 32 bits), double precision (PostgreSQL's REAL is 32
 * bits), BYTEA for BLOB, identity columns for rowid keys. Triggers and anything else that differs
 * more needs the migration's own `postgres` text.
 */
export function toPostgresDdl(sql: string): string {
  return rewriteCode(sql, (code) =>
    code
      .replace(/\bINTEGER\s+PRIMARY\s+KEY(?:\s+AUTOINCREMENT)?\b/gi, 'BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY')
      .replace(/\bINTEGER\b/gi, 'BIGINT')
      .replace(/\bREAL\b/gi, 'DOUBLE PRECISION')
      .replace(/\bBLOB\b/gi, 'BYTEA')
      .replace(/\)\s*WITHOUT\s+ROWID\b/gi, ')'),
  );
}
