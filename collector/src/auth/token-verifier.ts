import { createHash, timingSafeEqual } from 'node:crypto';

const hash = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

function matchesAny(candidate: Buffer, hashes: readonly Buffer[]): boolean {
  let found = false;
  // Compare against every hash so timing does not reveal which one matched.
  for (const h of hashes) if (timingSafeEqual(candidate, h)) found = true;
  return found;
}

/** Reads the token out of an `Authorization: Bearer …` header value. */
export function bearerToken(header: string | undefined | null): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/** The `auth` section of collector.yaml, as validated (plain-text tokens; hashed at once). */
export interface AuthSettings {
  agent_tokens: readonly string[];
  /** agent id -> its own token. */
  agent_token_map: Readonly<Record<string, string>>;
  api_tokens: readonly string[];
  /** Tokens good for /metrics only (scrapers). */
  metrics_tokens: readonly string[];
  protect_reads: boolean;
  /** Only per-agent tokens count (config validation also insists that agent_tokens is empty). */
  require_per_agent_tokens?: boolean;
}

/**
 * Agent and API tokens, kept only as SHA-256 hashes after start-up. Comparison is constant-time.
 * An agent listed in `agent_token_map` must use its own token; others use a shared one. A per-agent
 * token is valid for its one agent id only, so a holder of it cannot speak for another agent; with
 * `require_per_agent_tokens` no shared token is accepted at all.
 */
export class TokenVerifier {
  private constructor(
    private readonly sharedAgent: Buffer[],
    private readonly perAgent: Map<string, Buffer>,
    private readonly api: Buffer[],
    private readonly metrics: Buffer[],
    readonly protectReads: boolean,
  ) {}

  static fromSettings(auth: AuthSettings): TokenVerifier {
    const perAgent = new Map(Object.entries(auth.agent_token_map).map(([id, token]) => [id, hash(token)]));
    const shared = auth.require_per_agent_tokens ? [] : auth.agent_tokens.map(hash);
    return new TokenVerifier(shared, perAgent, auth.api_tokens.map(hash), auth.metrics_tokens.map(hash), auth.protect_reads);
  }

  /** True when some agent token (shared or per-agent) matches; the agent id is checked later, at hello. */
  isKnownAgentToken(token: string | undefined): boolean {
    if (!token) return false;
    const h = hash(token);
    return matchesAny(h, this.sharedAgent) || matchesAny(h, [...this.perAgent.values()]);
  }

  /** Whether `token` may be used by agent `agentId`. */
  agentMayUse(agentId: string, token: string): boolean {
    const own = this.perAgent.get(agentId);
    const h = hash(token);
    return own ? timingSafeEqual(own, h) : matchesAny(h, this.sharedAgent);
  }

  /** The agent id whose own token (agent_token_map) this is; undefined for a shared or unknown token. */
  agentIdOfToken(token: string): string | undefined {
    const h = hash(token);
    let found: string | undefined;
    for (const [id, own] of this.perAgent) if (timingSafeEqual(own, h)) found = id;
    return found;
  }

  isApiToken(token: string | undefined): boolean {
    return token !== undefined && matchesAny(hash(token), this.api);
  }

  /** A scraper's token: a metrics token, or an API token (which may read everything). */
  mayReadMetrics(token: string | undefined): boolean {
    if (token === undefined) return false;
    const h = hash(token);
    return matchesAny(h, this.metrics) || matchesAny(h, this.api);
  }
}
