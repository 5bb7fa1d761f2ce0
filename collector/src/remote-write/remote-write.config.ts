// The `remote_write` section of collector.yaml: Prometheus remote-write receivers that get every
// stored sample (Prometheus with --web.enable-remote-write-receiver, VictoriaMetrics, Mimir, Thanos).
//
//   remote_write:
//     - name: longterm                      # cursor and metrics label; default: the url
//       url: http://prometheus:9090/api/v1/write
//       headers: { X-Scope-OrgID: team-a }
//       bearer_token_file: /run/secrets/rw-token
//       timeout: 30s                        # per request
//       queue: { max_samples_per_send: 2000, min_backoff: 30ms, max_backoff: 5s, max_pending_samples: 10000000 }
import { accessSync, constants } from 'node:fs';
import { z } from 'zod';
import { httpUrl, NAME_RE, positiveDuration } from '../common/config-values.js';

const duration = positiveDuration('30ms, 5s, 1m');

export const remoteWriteTargetSchema = z.strictObject({
  /** Names the target's cursor and its metrics; default: the url. */
  name: z.string().regex(NAME_RE, 'invalid target name (letters, digits, _ . : -, at most 100)').optional(),
  url: httpUrl,
  headers: z.record(z.string(), z.string()).default({}),
  /** File holding a bearer token, read before every request (so a rotated token is picked up). */
  bearer_token_file: z.string().min(1).optional(),
  /** Per request, connecting included. */
  timeout: duration.default(30_000),
  queue: z
    .strictObject({
      max_samples_per_send: z.number().int().min(1).max(100_000).default(2_000),
      min_backoff: duration.default(30),
      max_backoff: duration.default(5_000),
      /**
       * Unsent samples kept for the target (the log plus what compaction copied aside for it); past
       * this the oldest are dropped, counted with reason backlog_full. About 24 bytes each on disk.
       */
      max_pending_samples: z.number().int().min(1).default(10_000_000),
    })
    .prefault({}),
});

export const remoteWriteSchema = z.array(remoteWriteTargetSchema).default([]);

export type RemoteWriteTargetConfig = z.infer<typeof remoteWriteTargetSchema>;

/** One target as the feature uses it: name resolved. */
export interface RemoteWriteTarget extends Omit<RemoteWriteTargetConfig, 'name'> {
  name: string;
}

/** Injection token of the validated targets (bound once, in config/feature-settings.ts). */
export const REMOTE_WRITE_SETTINGS = Symbol('RemoteWriteSettings');

/** Headers the collector sets itself: a target may not override them. */
const RESERVED_HEADERS = ['content-type', 'content-encoding', 'content-length', 'x-prometheus-remote-write-version', 'user-agent', 'host'];

export function remoteWriteTargets(config: readonly RemoteWriteTargetConfig[]): RemoteWriteTarget[] {
  return config.map((t) => ({ ...t, name: t.name ?? t.url }));
}

/** Checks across keys of each target and between targets; "key.path: message" lines. */
export function validateRemoteWriteConfig(config: readonly RemoteWriteTargetConfig[]): string[] {
  const problems: string[] = [];
  const seen = new Map<string, number>();
  remoteWriteTargets(config).forEach((target, i) => {
    const key = `remote_write[${i}]`;
    const first = seen.get(target.name);
    if (first !== undefined) problems.push(`${key}.name: target name ${JSON.stringify(target.name)} is already used by remote_write[${first}] (each target keeps its own cursor: give it a distinct name)`);
    else seen.set(target.name, i);
    const url = new URL(target.url);
    if (url.username || url.password) problems.push(`${key}.url: must not contain credentials (they would show in logs and metric labels); use bearer_token_file or headers`);
    for (const header of Object.keys(target.headers)) {
      const lower = header.toLowerCase();
      if (RESERVED_HEADERS.includes(lower)) problems.push(`${key}.headers.${header}: set by the collector (remote-write protocol); remove it`);
      if (lower === 'authorization' && target.bearer_token_file) problems.push(`${key}.headers.${header}: conflicts with bearer_token_file; use one of them`);
    }
    if (target.queue.min_backoff > target.queue.max_backoff) problems.push(`${key}.queue.min_backoff: must not exceed queue.max_backoff (${target.queue.max_backoff} ms), got ${target.queue.min_backoff} ms`);
    if (target.bearer_token_file) {
      try {
        accessSync(target.bearer_token_file, constants.R_OK);
      } catch (error) {
        problems.push(`${key}.bearer_token_file: cannot read ${target.bearer_token_file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
      }
    }
  });
  return problems;
}
