import { z } from 'zod';
import { parseDuration } from '@vigil/proto';
import { maintenanceSchema, servicesSchema, slaSettingsSchema } from '../sla/sla.config.js';
import { incidentsSettingsSchema, notifiersSchema, rulesSchema } from '../incidents/incidents.config.js';
import { capacitySchema, retentionSchema } from '../capacity/capacity.config.js';

/** HOST:PORT, IPv6 in brackets; port 0 picks a free port. */
export const listenAddress = z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+):\d{1,5}$/, 'expected HOST:PORT, e.g. 127.0.0.1:7070')
  .refine((v) => Number(v.slice(v.lastIndexOf(':') + 1)) <= 65535, 'port must be 0-65535');

/** A duration written like "10s", "5m", "7d"; parsed to milliseconds. */
export const durationMs = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const ms = typeof value === 'number' ? value * 1000 : parseDuration(value);
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) {
    ctx.addIssue({ code: 'custom', message: `invalid duration ${JSON.stringify(value)} (use e.g. 30s, 5m, 2h, 7d)` });
    return z.NEVER;
  }
  return ms;
});

export const byteSize = z.union([z.number().int().positive(), z.string()]).transform((value, ctx) => {
  if (typeof value === 'number') return value;
  const m = /^(\d+(?:\.\d+)?)\s*(B|KiB|MiB|GiB|KB|MB|GB)?$/.exec(value.trim());
  const unit: Record<string, number> = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, KB: 1e3, MB: 1e6, GB: 1e9 };
  if (!m) {
    ctx.addIssue({ code: 'custom', message: `invalid size ${JSON.stringify(value)} (use e.g. 4MiB)` });
    return z.NEVER;
  }
  return Math.round(Number(m[1]) * unit[m[2] ?? 'B']!);
});

const tokenList = z.array(z.string().min(8, 'tokens must be at least 8 characters')).default([]);

const tlsSchema = z.strictObject({
  cert: z.string().describe('PEM certificate file of the gRPC server'),
  key: z.string().describe('PEM private key file'),
  /** CA bundle for client certificates; with it, agents must present a certificate (mutual TLS). */
  client_ca: z.string().optional(),
});

export const collectorConfigSchema = z.strictObject({
  storage: z
    .strictObject({
      path: z.string().min(1).default('./data/vigil.db'),
      /** normal: survives a killed process; full: also survives a power cut (fsync per commit). */
      durability: z.enum(['normal', 'full']).default('normal'),
    })
    .prefault({}),
  listen: z
    .strictObject({
      grpc: listenAddress.default('127.0.0.1:7070'),
      http: listenAddress.default('127.0.0.1:8080'),
    })
    .prefault({}),
  auth: z
    .strictObject({
      /** Shared agent tokens, plain text in the file; kept only as SHA-256 hashes in memory. */
      agent_tokens: tokenList,
      /** Per-agent tokens: agent id -> token. An agent with its own token may not use a shared one. */
      agent_token_map: z.record(z.string(), z.string().min(8)).default({}),
      api_tokens: tokenList,
      /** Require a token for read endpoints of the API too (write endpoints always need one). */
      protect_reads: z.boolean().default(false),
    })
    .prefault({}),
  tls: tlsSchema.optional(),
  ingest: z
    .strictObject({
      max_message_bytes: byteSize.default(4 * 1024 * 1024),
      max_series_per_batch: z.number().int().positive().default(50_000),
      /** Samples further in the future than this are rejected (clock skew allowance). */
      max_future: durationMs.default(5 * 60_000),
      /** Samples older than this are rejected; matches the agents' default spool age. */
      max_age: durationMs.default(7 * 86_400_000),
    })
    .prefault({}),
  services: servicesSchema,
  maintenance: maintenanceSchema,
  /** SLA engine settings: default time zone, burn-rate alert rules, flush and evaluation intervals. */
  sla: slaSettingsSchema,
  rules: rulesSchema,
  notifiers: notifiersSchema,
  /** Incident lifecycle and notification timing: group_wait, repeat_interval, reopen_within, flapping, delivery. */
  incidents: incidentsSettingsSchema,
  capacity: capacitySchema,
  retention: retentionSchema,
});

export type CollectorConfig = z.infer<typeof collectorConfigSchema>;
