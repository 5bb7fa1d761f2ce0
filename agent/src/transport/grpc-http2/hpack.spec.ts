// HPACK against known encodings: RFC 7541's own examples (C.4, Huffman-coded requests sharing a dynamic table) and
// blocks written by an independent encoder (Python's hpack 4.2): every byte value Huffman-coded, literals with and
// without indexing and never indexed, a table size update with the evictions it and later insertions cause. The
// integration spec (test/integration/grpc-http2.spec.ts) decodes what nghttp2 sends.
import { describe, expect, it } from 'vitest';
import { HpackDecoder, HpackError, encodeHeaderBlock, huffmanDecode } from './hpack.js';

const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i)).toString('latin1');

describe('HPACK', () => {
  it('decodes the RFC 7541 C.4 requests, the dynamic table growing as they say', () => {
    const decoder = new HpackDecoder();
    const request = [[':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'www.example.com']];
    expect(decoder.decode(hex('8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff'))).toEqual(request);
    expect(decoder.dynamicTableBytes).toBe(57);
    expect(decoder.decode(hex('8286 84be 5886 a8eb 1064 9cbf'))).toEqual([...request, ['cache-control', 'no-cache']]);
    expect(decoder.dynamicTableBytes).toBe(110);
    expect(decoder.decode(hex('8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf'))).toEqual([
      [':method', 'GET'], [':scheme', 'https'], [':path', '/index.html'], [':authority', 'www.example.com'], ['custom-key', 'custom-value'],
    ]);
    expect(decoder.dynamicTableBytes).toBe(164);
  });

  it('decodes blocks of another encoder: every byte Huffman-coded, indexing, never indexed, a table size update and evictions', () => {
    const decoder = new HpackDecoder();
    const allBytes =
      '885f8b1d75d0620d263d4c4d65644084f2b0e8a3ffc803ffc7fffd8fffffe2fffffe3fffffe4fffffe5fffffe6fffffe7fffffe8ffffeafffffff3fffffa7fffffabffffffdfffffebfffffecfffffedfffffeefffffefffffff0ffffff1ffffff2fffffffbfffffcffffffd3fffffd7fffffdbfffffdffffffe3fffffe7fffffebfffffed4fe3f9ffaffcabf1febfafefe7fdfd2cbb00089969b71d79fb9f7fff20ffbff3ff50ddbd7f061c58f265cd9f469d5af66dddbf871e5f9cff7ff7fffc3ff9ffe45fff4719242cb34e6e9d68a6a3d7dac426defe3cfaf7fffbfe7ffbffdffffffcfffe6ffff4bfff9ffffa3fffd3ffff53fffd5ffffb3fffeb7fffdaffffb7ffff73fffeeffffdeffffebffffbfffffd9ffffdbfffebffffe0ffffeeffffc3ffff8bffff1ffffe4fffee7fffb1ffff97fffd9ffffcdffff9fffffbffffdafffeeffff4ffffb7fffee7fffe8ffffd3fffdeffffd5fffeeffffbdffffe1fffdfffff7fffff5ffffecffff07fff87fffe0ffff17fffedffff87ffff77fffeffffeaffff8bfffe3ffff93ffff87fffcbffff37ffff1fffff83ffffe1fffebfffe3ffff3fffff2ffffa3ffffd9fffff17ffffc7fffff27ffffdefffffbffffff2fffff8fffffb7fff97fff8fffffe6fffffc1fffff87ffffe7fffffc5ffffe5fffe4ffff2fffffd1fffff4ffffffefffffe3fffffc9fffff97fffb3ffffcffffb7fffcdffff4ffff9ffffd1ffffcffffeaffffafffffddffffeffffff4fffff5fffffabffffa7ffffd7fffff9bffffecfffffb7fffff3fffffe8fffffd3fffffabfffff5fffffff7ffffecfffffdbfffffbbfffff7ffffff0fffffbbf408e9acac8b0c842d6958b510f21aa9b903485a9264fafa90b2d03497ea6f66aff';
    expect(decoder.decode(hex(allBytes))).toEqual([
      [':status', '200'], ['content-type', 'application/grpc'], ['x-all', ALL_BYTES], ['grpc-accept-encoding', 'identity,deflate,gzip'],
    ]);
    expect(decoder.dynamicTableBytes).toBe(60 + 293 + 73);
    expect(decoder.decode(hex('40889acac8b21234da8f810740899acac8b5254207317f82d59bc2'))).toEqual([
      ['grpc-status', '0'], ['grpc-message', 'OK'], ['content-type', 'application/grpc'],
    ]);
    expect(decoder.dynamicTableBytes).toBe(426 + 44 + 46);
    // Table size 100: of five entries the newest two stay; then x-plain evicts grpc-status.
    expect(decoder.decode(hex('3f45bf4007782d706c61696e0b6e6f7420687566666d616e1f0806736563726574'))).toEqual([
      ['grpc-status', '0'], ['x-plain', 'not huffman'], ['authorization', 'secret'],
    ]);
    expect(decoder.dynamicTableBytes).toBe(46 + 50);
    expect(decoder.decode(hex('40889acac8b21234da8f81077e820b5f40899acac8b5254207317f8bb6a1f719a81c74154a8fe3'))).toEqual([
      ['grpc-status', '0'], ['grpc-status', '14'], ['grpc-message', 'unavailable now'],
    ]);
    expect(decoder.dynamicTableBytes).toBe(59);
  });

  it('refuses what does not decode: bad indexes, truncation, bad Huffman padding or EOS, oversized tables and lists', () => {
    const fails = (block: string, message: string, decoder = new HpackDecoder()) => expect(() => decoder.decode(hex(block))).toThrow(new HpackError(message));
    fails('80', 'no table entry 0');
    fails('be', 'no table entry 62');
    fails('ff', 'truncated integer');
    fails('ff ff ff ff ff ff 0f', 'integer too large');
    fails('00 05 61', 'truncated string');
    fails('3f e2 1f', 'table size 4097 above the allowed 4096');
    fails('88 20', 'table size update after a header field');
    fails('00 81 00 00', 'invalid Huffman padding'); // a name of 5 zero bits, '0', then 3 zero bits: not all ones
    expect(() => huffmanDecode(hex('ff ff'))).toThrow(new HpackError('invalid Huffman padding')); // 16 one-bits: more than 7 bits of padding
    expect(() => huffmanDecode(hex('ff ff ff fc'))).toThrow(new HpackError('EOS in a Huffman-coded string'));
    fails(`00 01 61 7f 02 ${'62'.repeat(129)}`, 'header list larger than 100 bytes', new HpackDecoder(4096, 100));
  });

  it('encodes literals without indexing that a decoder reads back as given', () => {
    const headers: [string, string][] = [[':method', 'POST'], [':path', '/vigil.v1.Ingest/Stream'], ['authorization', `Bearer ${'t'.repeat(300)}`], ['x-latin1', 'café']];
    const block = encodeHeaderBlock(headers);
    expect(block[0]).toBe(0x00);
    const decoder = new HpackDecoder();
    expect(decoder.decode(block)).toEqual(headers);
    expect(decoder.dynamicTableBytes).toBe(0);
  });
});
