// Node built-in modules that many agents never use, loaded on first use instead of at start: `tls` (TLS to the
// collector, TLS probes), `http` and `https` (scrape targets; the HTTP probe speaks HTTP/1.1 itself, probes/http1.ts),
// `dns` (collector host names, DNS probes) and `crypto` (random identifiers where the system has no /dev/urandom);
// and a monotonic clock without `perf_hooks`. Once loaded they stay, at about 3 MiB of resident memory for all of them
// (issue 14, docs/agent.md Footprint, tenth pass). Loaded with `process.getBuiltinModule` (Node 20.16+), not
// `createRequire`, which would load `node:module` and its source-map support for nothing.
import { closeSync, openSync, readSync } from 'node:fs';
import { isIP, isIPv4 } from 'node:net';

export const tlsModule = (): typeof import('node:tls') => process.getBuiltinModule('node:tls');
export const httpModule = (): typeof import('node:http') => process.getBuiltinModule('node:http');
export const httpsModule = (): typeof import('node:https') => process.getBuiltinModule('node:https');
export const dnsPromises = (): typeof import('node:dns/promises') => process.getBuiltinModule('node:dns/promises');

/**
 * `net.isIP`, with the same verdicts, without running Node's IPv6 pattern on text that cannot be an IPv6 address.
 * That pattern compiles to 100 KiB of regular-expression bytecode on its first use and to 135 KiB of machine code on
 * its second, and the compilation raises the resident set by about 1.4 MiB for good (VmHWM; issue 14, docs/agent.md
 * Footprint, eleventh pass): `isIP("127.0.0.1:7070")` in the config check used to pay it. Every address Node's pattern
 * accepts has at least two colons and nothing but hex digits, colons and dots before an optional `%zone`.
 */
const MAYBE_IPV6 = /^[0-9a-fA-F.]*:[0-9a-fA-F.]*:[0-9a-fA-F.:]*(?:%.*)?$/s;
export function ipVersion(text: string): 0 | 4 | 6 {
  if (isIPv4(text)) return 4;
  return MAYBE_IPV6.test(text) ? (isIP(text) as 0 | 6) : 0;
}
/** Milliseconds from an arbitrary origin, never going back (what `performance.now()` gives, without its module). */
export function monotonicMs(): number {
  const [seconds, nanoseconds] = process.hrtime();
  return seconds * 1000 + nanoseconds / 1e6;
}

/** A random (version 4) UUID, as `crypto.randomUUID` makes them, from the kernel's random source. */
export function randomUUID(): string {
  const bytes = Buffer.alloc(16);
  try {
    const fd = openSync('/dev/urandom', 'r');
    try {
      if (readSync(fd, bytes, 0, 16, null) !== 16) throw new Error('short read from /dev/urandom');
    } finally {
      closeSync(fd);
    }
  } catch {
    return process.getBuiltinModule('node:crypto').randomUUID();
  }
  bytes[6] = (bytes[6]! & 0x0f) | 0x40; // version 4
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // variant 10
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
