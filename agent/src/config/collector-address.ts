// The `collector` setting: one HOST:PORT address or several (a YAML list, or a comma-separated string from
// VIGIL_COLLECTOR / --collector). The agent fails over between them (transport/endpoints.ts).
import { INVALID, type Validator } from '../validate.js';

const ADDRESS_PROBLEM = 'is not a HOST:PORT address (examples: 127.0.0.1:7070, collector.example.com:7070, [::1]:7070)';

/** host:port, with IPv6 hosts in brackets ([::1]:7070); the host comes back without brackets. */
export function parseHostPort(value: string): { host: string; port: number } | undefined {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):(\d{1,5})$/.exec(value);
  if (!match) return undefined;
  const port = Number(match[2]);
  if (port < 1 || port > 65535) return undefined;
  return { host: match[1]!.replace(/^\[|\]$/g, ''), port };
}

/** HOST:PORT joined back, with an IPv6 host in brackets. */
export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * One address or a list of them, validated to a non-empty list without repeats. A single address keeps its
 * problems under `collector`; list items are named by index (`collector.1`), with the offending item as the value.
 */
export const collectorList: Validator<string[]> = (value, at) => {
  const items = typeof value === 'string' ? value.split(',').map((item) => item.trim()) : value;
  if (!Array.isArray(items)) {
    at.problem('is not a HOST:PORT address or a list of them');
    return INVALID;
  }
  if (items.length === 0) {
    at.problem('must list at least one HOST:PORT address');
    return INVALID;
  }
  const single = typeof value === 'string' && items.length === 1;
  const before = at.issues.length;
  const seen = new Set<string>();
  items.forEach((item: unknown, index) => {
    const where = single ? {} : { under: [index], value: item };
    if (typeof item !== 'string' || !parseHostPort(item)) at.problem(ADDRESS_PROBLEM, where);
    else if (seen.has(item)) at.problem('is listed twice', where);
    else seen.add(item);
  });
  return at.issues.length > before ? INVALID : (items as string[]);
};
