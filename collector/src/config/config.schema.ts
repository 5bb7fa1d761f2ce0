import { z } from 'zod';
import { storageSchema } from '../database/database.config.js';
import { byteSize, durationValue, listenAddress } from '../common/config-values.js';
import { logSettingsSchema } from '../common/logger.js';
import { maintenanceSchema, servicesSchema, slaSettingsSchema } from '../sla/sla.config.js';
import { incidentsSettingsSchema, notifiersSchema, rulesSchema } from '../incidents/incidents.config.js';
import { capacitySchema } from '../capacity/capacity.config.js';
import { retentionSchema } from '../rollups/rollups.config.js';
import { remoteWriteSchema } from '../remote-write/remote-write.config.js';

/** A duration written like "10s", "5m", "7d"; parsed to milliseconds. */
const durationMs = durationValue({ examples: '30s, 5m, 2h, 7d', allowZero: true });

const tokenList = z.array(z.string().min(8, 'tokens must be at least 8 characters')).default([]);

const tlsSchema = z.strictObject({
  cert: z.string().describe('PEM certificate file of the gRPC server'),
  key: z.string().describe('PEM private key file'),
  /** CA bundle for client certificates; with it, agents must present a certificate (mutual TLS). */
  client_ca: z.string().optional(),
});

export const collectorConfigSchema = z.strictObject({
  storage: storageSchema,
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
      /** Tokens that may read /metrics only (for scrapers); needed there when protect_reads is set. */
      metrics_tokens: tokenList,
      /** Require a token for read endpoints of the API too (write endpoints always need one). */
      protect_reads: z.boolean().default(false),
      /**
       * Every agent must use its own token from agent_token_map, whose key is the only agent id the
       * token may claim: shared agent_tokens are refused (must be empty), so no agent can speak for another.
       */
      require_per_agent_tokens: z.boolean().default(false),
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
      /**
       * A batch whose sequence is further ahead of the agent's last stored one is rejected whole
       * (sequence_gap). 1,000,000 covers 115 days of one batch per 10 s dropped by an agent's spool.
       */
      max_sequence_gap: z.number().int().positive().default(1_000_000),
      /** An agent stream silent for longer (and 3 x the agent's interval) is dead: a new stream for the same agent replaces it. */
      stream_stale_after: durationValue({ examples: '30s, 1m, 5m', allowZero: false }).default(60_000),
      /** New series of one agent beyond this count are refused (series_limit); existing series keep flowing. */
      max_series_per_agent: z.number().int().positive().default(20_000),
      /** New series beyond this count in the whole store are refused (series_limit). */
      max_series: z.number().int().positive().default(2_000_000),
      /** Largest hello (labels and inventory included); a larger one ends the stream (invalid_hello). */
      max_hello_bytes: byteSize.default(64 * 1024),
      /**
       * Batches received and not yet committed, in estimated decoded bytes, over all streams; beyond it a
       * stream is ended UNAVAILABLE (the agent backs off and resends) so a burst cannot exhaust memory.
       */
      max_inflight_bytes: byteSize.default(64 * 1024 * 1024),
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
  /** How the collector writes its log: `format: text` (default) or `json` (one object per line). */
  log: logSettingsSchema,
  /** Prometheus remote-write receivers that get every stored sample. */
  remote_write: remoteWriteSchema,
});

export type CollectorConfig = z.infer<typeof collectorConfigSchema>;
