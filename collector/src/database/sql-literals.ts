// Values written into SQL text, for Database.script (several statements, one round trip, no
// parameters). Each literal is exact and cannot end its statement: text quotes are doubled, bytes go
// in hex, numbers only as safe integers.

/** A text literal. NUL is refused: SQLite's exec reads the SQL as a C string. */
export function textLiteral(value: string): string {
  if (value.includes('\u0000')) throw new RangeError('a SQL text literal cannot hold a NUL character');
  return `'${value.replaceAll("'", "''")}'`;
}

/** A blob literal (X'…'). */
export function blobLiteral(bytes: Uint8Array): string {
  return `X'${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}'`;
}

/** An integer literal; anything but a safe integer is refused (a double would print rounded). */
export function intLiteral(value: number): string {
  if (!Number.isSafeInteger(value)) throw new RangeError(`a SQL integer literal must be a safe integer, got ${value}`);
  return String(value);
}
