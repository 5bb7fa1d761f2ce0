// The collector endpoints an agent dials: every configured address, a host name counting once per address it
// resolves to (a Kubernetes headless Service names every replica). Names are resolved afresh on each failover
// round, so replicas that come and go are followed.
import { dnsPromises, ipVersion } from '../builtins.js';
import { formatHostPort, parseHostPort } from '../config/collector-address.js';

export interface CollectorEndpoint {
  /** What gRPC dials: IP:PORT ([::1]:7070 for IPv6), or the configured address itself when its name did not resolve. */
  target: string;
  /** The address as configured, host name kept: for logs, the :authority and TLS verification. */
  configured: string;
  /** The configured host, without brackets. */
  host: string;
}

/** Every address of a host name, like dns.lookup(host, { all: true }); injected in tests. */
export type LookupAll = (host: string) => Promise<readonly { address: string }[]>;

export const systemLookup: LookupAll = (host) => dnsPromises().lookup(host, { all: true });

/** getaddrinfo can wait on slow resolvers for many seconds; a round must not. */
const LOOKUP_TIMEOUT_MS = 5_000;

export interface ResolvedEndpoints {
  endpoints: CollectorEndpoint[];
  /** Names that did not resolve; they are dialed by name (gRPC reports why that fails). */
  unresolved: { collector: string; error: string }[];
}

/** Expands the configured addresses into endpoints, in configured order, each target once. */
export async function resolveEndpoints(configured: readonly string[], lookup: LookupAll, timeoutMs = LOOKUP_TIMEOUT_MS): Promise<ResolvedEndpoints> {
  const unresolved: ResolvedEndpoints['unresolved'] = [];
  const expanded = await Promise.all(
    configured.map(async (collector): Promise<CollectorEndpoint[]> => {
      const parsed = parseHostPort(collector);
      if (!parsed || ipVersion(parsed.host)) return [{ target: collector, configured: collector, host: parsed?.host ?? collector }];
      const { host, port } = parsed;
      try {
        const addresses = await withTimeout(lookup(host), timeoutMs, `no answer within ${timeoutMs} ms`);
        if (addresses.length === 0) throw new Error('no addresses');
        return addresses.map((a) => ({ target: formatHostPort(a.address, port), configured: collector, host }));
      } catch (error) {
        unresolved.push({ collector, error: error instanceof Error ? error.message : String(error) });
        return [{ target: collector, configured: collector, host }];
      }
    }),
  );
  const seen = new Set<string>();
  const endpoints = expanded.flat().filter((e) => !seen.has(e.target) && seen.add(e.target));
  return { endpoints, unresolved };
}

function withTimeout<T>(promise: Promise<T>, ms: number, why: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(why)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
