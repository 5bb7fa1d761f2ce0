// DNS probe: one query through c-ares (dns.promises.Resolver), against the system resolvers or a
// configured server, with the answer rendered as strings so `expect` can be checked.
import type { Resolver } from 'node:dns/promises';
import { dnsPromises, ipVersion } from '../builtins.js';
import type { DnsProbeConfig } from './probe.config.types.js';
import { normaliseDnsValue } from './probe.targets.js';
import { onAbort } from './connect.js';
import { ProbeFailure, type FailureReason, type ProbeCheck } from './probe.types.js';

const DNS_CODE_REASONS: Record<string, FailureReason> = {
  ENOTFOUND: 'nxdomain',
  ENODATA: 'no_answer',
  ESERVFAIL: 'dns_servfail',
  EREFUSED: 'dns_refused',
  ETIMEOUT: 'timeout',
  ECANCELLED: 'timeout',
};

/** One string per record: addresses, names, MX exchange, TXT chunks joined, SRV "target:port". */
async function query(resolver: Resolver, config: DnsProbeConfig): Promise<string[]> {
  const name = config.query;
  switch (config.recordType) {
    case 'A':
      return resolver.resolve4(name);
    case 'AAAA':
      return resolver.resolve6(name);
    case 'CNAME':
      return resolver.resolveCname(name);
    case 'NS':
      return resolver.resolveNs(name);
    case 'PTR':
      // An address is looked up in in-addr.arpa / ip6.arpa; a name is queried as written.
      return ipVersion(name) ? resolver.reverse(name) : resolver.resolvePtr(name);
    case 'MX':
      return (await resolver.resolveMx(name)).map((record) => record.exchange);
    case 'TXT':
      return (await resolver.resolveTxt(name)).map((chunks) => chunks.join(''));
    case 'SRV':
      return (await resolver.resolveSrv(name)).map((record) => `${record.name}:${record.port}`);
  }
}

export function dnsCheck(config: DnsProbeConfig): ProbeCheck {
  return async (ctx) => {
    // One try per run: the probe's own interval is the retry; c-ares' timeout matches the probe's.
    const resolver = new (dnsPromises().Resolver)({ timeout: config.timeoutMs, tries: 1 });
    if (config.server) resolver.setServers([config.server]);
    const unsubscribe = onAbort(ctx.signal, () => resolver.cancel());
    let values: string[];
    try {
      values = (await query(resolver, config)).map((value) => normaliseDnsValue(value, config.recordType));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      const reason = DNS_CODE_REASONS[code] ?? 'dns_error';
      // NXDOMAIN and NODATA are answers too: zero records.
      if (reason === 'nxdomain' || reason === 'no_answer') ctx.facts.dnsAnswers = 0;
      throw new ProbeFailure(reason, `${config.recordType} ${config.query}: ${(err as Error).message}`);
    } finally {
      unsubscribe();
    }
    ctx.facts.dnsAnswers = values.length;
    if (values.length === 0) throw new ProbeFailure('no_answer', `${config.recordType} ${config.query}: empty answer`);
    const missing = (config.expect ?? []).filter((value) => !values.includes(value));
    if (missing.length > 0) throw new ProbeFailure('expect', `${config.recordType} ${config.query}: missing ${missing.join(', ')} (got ${values.join(', ')})`);
  };
}
