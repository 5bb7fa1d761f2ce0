// Small parsers shared by the probe config and the probes themselves: host:port targets, regular expressions,
// DNS answer values. They return problem texts instead of throwing.
import type { DnsRecordType } from './probe.config.types.js';
import { ipVersion } from '../builtins.js';

export interface HostPort {
  /** Host without IPv6 brackets. */
  host: string;
  port: number | undefined;
}

/**
 * Splits "host:port", "[v6]:port", and (when the port is optional) "host", "[v6]" or a bare IPv6
 * address. Returns a problem text instead of throwing.
 */
export function parseHostPort(text: string, portRequired: boolean): HostPort | { problem: string } {
  const example = portRequired ? 'HOST:PORT, e.g. 127.0.0.1:8000 or [::1]:8000' : 'HOST[:PORT], e.g. 10.0.0.53, 10.0.0.53:5353 or [::1]:5353';
  let host: string;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(text);
  if (bracketed) {
    host = bracketed[1]!;
    portText = bracketed[2];
    if (ipVersion(host) !== 6) return { problem: `${JSON.stringify(text)}: only IPv6 addresses go inside [brackets]` };
  } else if (ipVersion(text) === 6) {
    if (portRequired) return { problem: `${JSON.stringify(text)} has no port; write IPv6 targets as [address]:port` };
    host = text;
  } else {
    const colon = text.lastIndexOf(':');
    if (colon >= 0 && text.indexOf(':') !== colon) return { problem: `${JSON.stringify(text)}: write IPv6 targets as [address]:port` };
    host = colon >= 0 ? text.slice(0, colon) : text;
    portText = colon >= 0 ? text.slice(colon + 1) : undefined;
  }
  if (host === '' || /[\s/]/.test(host)) return { problem: `${JSON.stringify(text)} is not ${example}` };
  if (portText === undefined) {
    if (portRequired) return { problem: `${JSON.stringify(text)} has no port; expected ${example}` };
    return { host, port: undefined };
  }
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (!(port >= 1 && port <= 65_535)) return { problem: `${JSON.stringify(text)} has an invalid port (1-65535)` };
  return { host, port };
}

/** Returns the RegExp syntax error for `source`, or undefined when it compiles. */
export function regexProblem(source: string): string | undefined {
  try {
    new RegExp(source);
    return undefined;
  } catch (err) {
    return `invalid regular expression ${JSON.stringify(source)}: ${(err as Error).message}`;
  }
}

/** DNS names compare case-insensitively and with or without the root dot; TXT data is compared as is. */
export function normaliseDnsValue(value: string, recordType: DnsRecordType): string {
  if (recordType === 'TXT') return value;
  const lower = value.trim().toLowerCase();
  return lower.length > 1 && lower.endsWith('.') ? lower.slice(0, -1) : lower;
}
