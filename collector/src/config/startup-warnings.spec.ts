import { describe, expect, it } from 'vitest';
import { buildConfig } from './config.loader.js';
import { isLoopbackAddress, startupWarnings } from './startup-warnings.js';

const TOKENS = { agent_tokens: ['agent-token-1'], api_tokens: ['api-token-1'] };

describe('startupWarnings', () => {
  it('is silent with tokens on a loopback address', () => {
    expect(startupWarnings(buildConfig({ auth: TOKENS }))).toEqual([]);
  });

  it('names each open door and the key that closes it', () => {
    const warnings = startupWarnings(buildConfig({ listen: { grpc: '0.0.0.0:7070', http: '0.0.0.0:8080' } }));
    expect(warnings).toEqual([
      'no agent tokens are configured: every agent stream to 0.0.0.0:7070 will be refused as unauthenticated (set auth.agent_tokens or auth.agent_token_map, or pass --agent-token)',
      'no API tokens are configured: every write to the API and the live feed will answer 401 (set auth.api_tokens or pass --api-token)',
      'reads are open on 0.0.0.0:8080, which is not a loopback address: anyone who reaches it can read fleet, SLA and incident data (set auth.protect_reads: true)',
    ]);
  });

  it('counts per-agent tokens as agent tokens and protected reads as closed', () => {
    const config = buildConfig({ auth: { agent_token_map: { web1: 'web1-token' }, api_tokens: ['api-token-1'], protect_reads: true }, listen: { http: '[::]:8080' } });
    expect(startupWarnings(config)).toEqual([]);
  });

  it('knows which hosts are loopback', () => {
    expect(['127.0.0.1:1', '127.8.9.10:1', '[::1]:1', 'localhost:1', 'LOCALHOST:1'].map(isLoopbackAddress)).toEqual([true, true, true, true, true]);
    expect(['0.0.0.0:1', '[::]:1', '10.0.0.1:1', 'collector.example:1', '128.0.0.1:1'].map(isLoopbackAddress)).toEqual([false, false, false, false, false]);
  });
});
