// Byte sizes as operators write them: 256MiB, 1GB, 4096. Binary (KiB) and decimal (KB) units are both accepted.

const BYTE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12,
  kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40,
};
const BYTES_RE = /^(\d+(?:\.\d+)?)\s*([a-zA-Z]*)$/;

/** Parses a byte size to a whole number of bytes; undefined when the text is not a size. */
export function parseBytes(input: string | number): number | undefined {
  if (typeof input === 'number') return Number.isInteger(input) && input >= 0 ? input : undefined;
  const match = BYTES_RE.exec(input.trim());
  if (!match) return undefined;
  const unit = match[2] === '' ? 1 : BYTE_UNITS[match[2]!.toLowerCase()];
  if (unit === undefined) return undefined;
  return Math.floor(Number(match[1]) * unit);
}

export function formatBytes(bytes: number): string {
  for (const [unit, size] of [['GiB', 2 ** 30], ['MiB', 2 ** 20], ['KiB', 2 ** 10]] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return `${bytes}B`;
}
