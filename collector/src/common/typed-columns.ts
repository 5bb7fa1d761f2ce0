/** Typed arrays that hold one field per entry (columns by a compact index instead of an object per entry). */
export type TypedColumn = Uint8Array | Int32Array | Float64Array;

/** A copy of `column` in a new array of the same type and `length` (past the copy, zeros). */
export function widened<T extends TypedColumn>(column: T, length: number): T {
  const to = new (column.constructor as new (length: number) => T)(length);
  to.set(column);
  return to;
}
