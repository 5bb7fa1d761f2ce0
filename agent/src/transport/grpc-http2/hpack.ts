// HPACK (RFC 7541), the header compression of HTTP/2, for the client's one stream. The encoder writes every field as
// a literal without indexing (a request's few headers, once per connection: nothing to gain from the dynamic table,
// and the server's table stays empty); the decoder reads everything a server may send: indexed fields, literals with
// and without indexing, Huffman-coded strings, dynamic table size updates. Pure code, no I/O.

/** A header block or string that does not decode: a connection error (COMPRESSION_ERROR) in HTTP/2. */
export class HpackError extends Error {
  constructor(message: string) {
    super(`HPACK: ${message}`);
    this.name = 'HpackError';
  }
}

/** RFC 7541 Appendix A, indexes 1 to 61. */
const STATIC_TABLE: readonly (readonly [string, string])[] = [
  [':authority', ''], [':method', 'GET'], [':method', 'POST'], [':path', '/'], [':path', '/index.html'],
  [':scheme', 'http'], [':scheme', 'https'], [':status', '200'], [':status', '204'], [':status', '206'],
  [':status', '304'], [':status', '400'], [':status', '404'], [':status', '500'], ['accept-charset', ''],
  ['accept-encoding', 'gzip, deflate'], ['accept-language', ''], ['accept-ranges', ''], ['accept', ''],
  ['access-control-allow-origin', ''], ['age', ''], ['allow', ''], ['authorization', ''], ['cache-control', ''],
  ['content-disposition', ''], ['content-encoding', ''], ['content-language', ''], ['content-length', ''],
  ['content-location', ''], ['content-range', ''], ['content-type', ''], ['cookie', ''], ['date', ''], ['etag', ''],
  ['expect', ''], ['expires', ''], ['from', ''], ['host', ''], ['if-match', ''], ['if-modified-since', ''],
  ['if-none-match', ''], ['if-range', ''], ['if-unmodified-since', ''], ['last-modified', ''], ['link', ''],
  ['location', ''], ['max-forwards', ''], ['proxy-authenticate', ''], ['proxy-authorization', ''], ['range', ''],
  ['referer', ''], ['refresh', ''], ['retry-after', ''], ['server', ''], ['set-cookie', ''],
  ['strict-transport-security', ''], ['transfer-encoding', ''], ['user-agent', ''], ['vary', ''], ['via', ''],
  ['www-authenticate', ''],
];

/**
 * The Huffman code's length in bits of each symbol 0-255 and EOS (256), as characters '0' + length (RFC 7541
 * Appendix B). The code is canonical: codes of one length are consecutive in symbol order, each length's first code
 * follows the previous length's last, so the lengths alone define it.
 */
const HUFFMAN_LENGTHS =
  '=GLLLLLLLHNLLNLLLLLLLLNLLLLLLLLL6::<=68;::8;8666555666666678?6<:=67777777777777777777777878=C=>6?56565666577666567655677777?;>=LDFDDFFFGFGGGGGHGHHFGHGGGGEFGFGGHFEDFFGGEGFFHEFGGEEFEGFGGDFFFGFFGJJDCFGFIJJJKKJHICEJKKJKHEEJJLKKKDHDEFEEGFFIIHHJGJKJJKKKKKLKKKKKJN';
const EOS = 256;
const MAX_CODE_BITS = 30;

/** Canonical decoding tables: per length, its first code, and where its symbols start in `symbols`. */
const huffman = (() => {
  const lengths = Array.from(HUFFMAN_LENGTHS, (c) => c.charCodeAt(0) - 48);
  const symbols = lengths.map((_, symbol) => symbol).sort((a, b) => lengths[a]! - lengths[b]! || a - b);
  const count = new Array<number>(MAX_CODE_BITS + 1).fill(0);
  for (const length of lengths) count[length]!++;
  const firstCode = new Array<number>(MAX_CODE_BITS + 1).fill(0);
  const firstIndex = new Array<number>(MAX_CODE_BITS + 1).fill(0);
  let code = 0;
  let index = 0;
  for (let length = 1; length <= MAX_CODE_BITS; length++) {
    firstCode[length] = code;
    firstIndex[length] = index;
    code = (code + count[length]!) * 2;
    index += count[length]!;
  }
  return { symbols, count, firstCode, firstIndex };
})();

/** Decodes a Huffman-coded string (as bytes, latin1). Padding must be at most 7 bits, all ones; EOS is an error. */
export function huffmanDecode(input: Uint8Array): string {
  const { symbols, count, firstCode, firstIndex } = huffman;
  const out: number[] = [];
  let code = 0;
  let length = 0;
  for (const byte of input) {
    for (let bit = 7; bit >= 0; bit--) {
      code = code * 2 + ((byte >> bit) & 1);
      length++;
      const offset = code - firstCode[length]!;
      if (offset >= 0 && offset < count[length]!) {
        const symbol = symbols[firstIndex[length]! + offset]!;
        if (symbol === EOS) throw new HpackError('EOS in a Huffman-coded string');
        out.push(symbol);
        code = 0;
        length = 0;
      } else if (length >= MAX_CODE_BITS) {
        throw new HpackError('invalid Huffman code');
      }
    }
  }
  // What is left must be a prefix of EOS (all ones), shorter than a byte.
  if (length > 7 || code !== 2 ** length - 1) throw new HpackError('invalid Huffman padding');
  return Buffer.from(out).toString('latin1');
}

/** An integer with an N-bit prefix (RFC 7541 5.1) into `out`, the first byte's high bits being `pattern`. */
function encodeInteger(out: number[], value: number, prefixBits: number, pattern: number): void {
  const max = (1 << prefixBits) - 1;
  if (value < max) {
    out.push(pattern | value);
    return;
  }
  out.push(pattern | max);
  value -= max;
  while (value >= 128) {
    out.push((value % 128) + 128);
    value = Math.floor(value / 128);
  }
  out.push(value);
}

function encodeString(out: number[], text: string): void {
  const bytes = Buffer.from(text, 'latin1');
  encodeInteger(out, bytes.length, 7, 0);
  for (const byte of bytes) out.push(byte);
}

/**
 * A header block of literal fields without indexing, names and values as plain strings (latin1, as HTTP/2 carries
 * them). Names must be lower case; pseudo-headers (':method', ...) first.
 */
export function encodeHeaderBlock(headers: readonly (readonly [string, string])[]): Buffer {
  const out: number[] = [];
  for (const [name, value] of headers) {
    out.push(0); // literal without indexing, new name
    encodeString(out, name);
    encodeString(out, value);
  }
  return Buffer.from(out);
}

/** Header fields in their order on the wire. */
export type HeaderList = [name: string, value: string][];

/** 32 octets of overhead per entry (RFC 7541 4.1). */
const ENTRY_OVERHEAD = 32;

/**
 * Decodes the header blocks of one connection, in the order they arrive (the dynamic table is shared by all of
 * them). `maxTableBytes` is the table size this side allows (SETTINGS_HEADER_TABLE_SIZE, 4096 by default);
 * `maxListBytes` bounds one decoded block (names, values and 32 octets per field, as SETTINGS_MAX_HEADER_LIST_SIZE
 * counts them).
 */
export class HpackDecoder {
  /** Newest first: dynamic index 62 is entries[0]. */
  private readonly entries: [string, string][] = [];
  private tableBytes = 0;
  private tableLimit: number;

  constructor(
    private readonly maxTableBytes = 4096,
    private readonly maxListBytes = 64 * 1024,
  ) {
    this.tableLimit = maxTableBytes;
  }

  /** The dynamic table's current size in octets (for specs). */
  get dynamicTableBytes(): number {
    return this.tableBytes;
  }

  decode(block: Uint8Array): HeaderList {
    const fields: HeaderList = [];
    let listBytes = 0;
    let pos = 0;
    const readInteger = (prefixBits: number): number => {
      if (pos >= block.length) throw new HpackError('truncated integer');
      const max = (1 << prefixBits) - 1;
      let value = block[pos++]! & max;
      if (value < max) return value;
      for (let shift = 0; ; shift += 7) {
        if (pos >= block.length) throw new HpackError('truncated integer');
        if (shift > 28) throw new HpackError('integer too large');
        const byte = block[pos++]!;
        value += (byte & 127) * 2 ** shift;
        if (byte < 128) return value;
      }
    };
    const readString = (): string => {
      const huffmanCoded = pos < block.length && (block[pos]! & 0x80) !== 0;
      const length = readInteger(7);
      if (length > block.length - pos) throw new HpackError('truncated string');
      const bytes = block.subarray(pos, pos + length);
      pos += length;
      return huffmanCoded ? huffmanDecode(bytes) : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
    };
    const emit = (name: string, value: string): void => {
      listBytes += name.length + value.length + ENTRY_OVERHEAD;
      if (listBytes > this.maxListBytes) throw new HpackError(`header list larger than ${this.maxListBytes} bytes`);
      fields.push([name, value]);
    };
    while (pos < block.length) {
      const first = block[pos]!;
      if (first & 0x80) {
        const [name, value] = this.entry(readInteger(7));
        emit(name, value);
      } else if ((first & 0xe0) === 0x20) {
        // A table size update: only before the block's first field.
        if (fields.length > 0) throw new HpackError('table size update after a header field');
        const size = readInteger(5);
        if (size > this.maxTableBytes) throw new HpackError(`table size ${size} above the allowed ${this.maxTableBytes}`);
        this.tableLimit = size;
        this.evict(0);
      } else {
        // Literal: with incremental indexing (01), without (0000) or never indexed (0001).
        const indexed = (first & 0xc0) === 0x40;
        const nameIndex = readInteger(indexed ? 6 : 4);
        const name = nameIndex === 0 ? readString() : this.entry(nameIndex)[0];
        const value = readString();
        emit(name, value);
        if (indexed) this.insert(name, value);
      }
    }
    return fields;
  }

  private entry(index: number): readonly [string, string] {
    const entry = index === 0 ? undefined : index <= STATIC_TABLE.length ? STATIC_TABLE[index - 1] : this.entries[index - STATIC_TABLE.length - 1];
    if (!entry) throw new HpackError(`no table entry ${index}`);
    return entry;
  }

  private insert(name: string, value: string): void {
    const bytes = name.length + value.length + ENTRY_OVERHEAD;
    this.evict(bytes);
    // An entry larger than the whole table empties it and is not added (RFC 7541 4.4).
    if (bytes > this.tableLimit) return;
    this.entries.unshift([name, value]);
    this.tableBytes += bytes;
  }

  /** Drops the oldest entries until `room` more octets fit. */
  private evict(room: number): void {
    while (this.entries.length > 0 && this.tableBytes + room > this.tableLimit) {
      const [name, value] = this.entries.pop()!;
      this.tableBytes -= name.length + value.length + ENTRY_OVERHEAD;
    }
  }
}
