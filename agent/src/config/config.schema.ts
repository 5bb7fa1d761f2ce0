// The agent's configuration: one validator for the merged YAML/env/flag input (snake_case keys, unknown keys
// rejected), producing the typed camelCase AgentConfig the rest of the agent receives.
import path from 'node:path';
import { formatDuration, labelSetProblem } from '@vigil/proto/agent';
import { probeListSchema } from '../probes/probe.config.js';
import { LOG_FORMATS, LOG_LEVELS } from '../log.js';
import type { ScrapeTargetConfig } from './scrape.types.js';
import { collectorList } from './collector-address.js';
import { byteSize, duration } from './fields.js';
import { scrapeListSchema, toScrapeTargets } from './scrape.schema.js';
import { formatBytes } from './units.js';
import { array, boolean, number, object, oneOf, optional, orInput, refine, record, string, transform, withDefault, type Output } from '../validate.js';

const trimmed = transform(string(), (text) => text.trim());

/** A string, trimmed, that must not be empty. */
const nonEmpty = refine(trimmed, (text, at) => {
  if (text === '') at.problem('must not be empty');
});

const labelMap = refine(record(string()), (labels, at) => {
  const problem = labelSetProblem(labels);
  if (problem) at.problem(problem);
});

const patternList = array(nonEmpty);

/** Filesystem types never worth reporting: kernel and virtual filesystems, container layers, read-only images. */
export const DEFAULT_EXCLUDED_FS_TYPES = [
  'autofs', 'binfmt_misc', 'bpf', 'cgroup', 'cgroup2', 'configfs', 'debugfs', 'devpts', 'devtmpfs', 'efivarfs',
  'fuse.lxcfs', 'fuse.portal', 'fusectl', 'hugetlbfs', 'iso9660', 'mqueue', 'nsfs', 'overlay', 'proc', 'procfs',
  'pstore', 'ramfs', 'rpc_pipefs', 'securityfs', 'selinuxfs', 'squashfs', 'erofs', 'sysfs', 'tmpfs', 'tracefs',
];
export const DEFAULT_EXCLUDED_MOUNTPOINTS = [
  '/dev', '/dev/*', '/proc', '/proc/*', '/sys', '/sys/*', '/run/credentials/*', '/var/lib/docker/*',
  '/var/lib/containers/storage/*', '/var/lib/kubelet/pods/*', '/snap/*',
];
export const DEFAULT_EXCLUDED_DEVICES = ['loop*', 'ram*', 'zram*', 'fd*'];
export const DEFAULT_EXCLUDED_INTERFACES = ['lo'];

const AGENT_ID_RE = /^[A-Za-z0-9._:-]{1,128}$/;

export const rawConfigSchema = object({
  collector: optional(collectorList),
  token: optional(nonEmpty),
  interval: orInput(duration({ min: 1000, max: 3_600_000 }), '10s'),
  spool_dir: withDefault(nonEmpty, './data/spool'),
  id: optional(
    refine(trimmed, (id, at) => {
      if (!AGENT_ID_RE.test(id)) at.problem('must be 1-128 characters of letters, digits, ".", "_", ":" or "-"');
    }),
  ),
  hostname: optional(nonEmpty),
  labels: withDefault(labelMap, {}),
  host_root: withDefault(nonEmpty, '/'),
  tls: orInput(
    object({
      enabled: withDefault(boolean(), false),
      ca: optional(nonEmpty),
      cert: optional(nonEmpty),
      key: optional(nonEmpty),
      server_name: optional(nonEmpty),
    }),
    {},
  ),
  spool: orInput(
    object({
      max_bytes: orInput(byteSize(1 << 20), '256MiB'),
      max_age: orInput(duration({ min: 60_000 }), '7d'),
      memory_max_bytes: orInput(byteSize(64 << 10), '8MiB'),
    }),
    {},
  ),
  batch: orInput(
    object({
      max_samples: withDefault(number({ integer: true, min: 100, max: 1_000_000 }), 10_000),
      max_age: orInput(duration({ min: 100 }), '10s'),
    }),
    {},
  ),
  shutdown_grace: orInput(duration({ max: 600_000 }), '5s'),
  log_level: withDefault(oneOf(LOG_LEVELS), 'info'),
  log: orInput(object({ format: withDefault(oneOf(LOG_FORMATS), 'text') }), {}),
  filesystems: orInput(
    object({
      exclude_types: withDefault(patternList, DEFAULT_EXCLUDED_FS_TYPES),
      exclude_mountpoints: withDefault(patternList, DEFAULT_EXCLUDED_MOUNTPOINTS),
    }),
    {},
  ),
  disks: orInput(object({ exclude_devices: withDefault(patternList, DEFAULT_EXCLUDED_DEVICES) }), {}),
  network: orInput(object({ exclude_interfaces: withDefault(patternList, DEFAULT_EXCLUDED_INTERFACES) }), {}),
  probes: probeListSchema,
  scrape: scrapeListSchema,
  textfile_dir: optional(nonEmpty),
});

type ParsedConfig = Output<typeof rawConfigSchema>;

export interface TlsConfig {
  enabled: boolean;
  ca?: string;
  cert?: string;
  key?: string;
  serverName?: string;
}

export interface AgentConfig {
  /** The collector addresses as configured, comma-joined: for logs and summaries. */
  collector: string;
  /** Every configured HOST:PORT address, in order; the agent fails over between them. */
  collectors: string[];
  token: string;
  intervalMs: number;
  /** Absolute path. */
  spoolDir: string;
  id?: string;
  hostname?: string;
  labels: Record<string, string>;
  /** Absolute path; "/" unless the host is mounted elsewhere (container). */
  hostRoot: string;
  tls: TlsConfig;
  /** memoryMaxBytes bounds what is held in memory while the spool's disk refuses writes. */
  spool: { maxBytes: number; maxAgeMs: number; memoryMaxBytes: number };
  batch: { maxSamples: number; maxAgeMs: number };
  shutdownGraceMs: number;
  logLevel: (typeof LOG_LEVELS)[number];
  /** text: one `key=value` line per event; json: one JSON object per line. */
  logFormat: (typeof LOG_FORMATS)[number];
  filesystems: { excludeTypes: string[]; excludeMountpoints: string[] };
  disks: { excludeDevices: string[] };
  network: { excludeInterfaces: string[] };
  probes: ParsedConfig['probes'];
  /** Prometheus/OpenMetrics endpoints to scrape (docs/agent.md, "Scraping"). */
  scrape: ScrapeTargetConfig[];
  /** Absolute path of the directory of *.prom files read on every tick, like node_exporter's textfile collector. */
  textfileDir?: string;
}

/** Maps the validated snake_case input to AgentConfig; relative paths resolve against `cwd`. */
export function toAgentConfig(parsed: ParsedConfig & { collector: string[]; token: string }, cwd: string): AgentConfig {
  const abs = (p: string) => path.resolve(cwd, p);
  return {
    collector: parsed.collector.join(','),
    collectors: parsed.collector,
    token: parsed.token,
    intervalMs: parsed.interval,
    spoolDir: abs(parsed.spool_dir),
    id: parsed.id,
    hostname: parsed.hostname,
    labels: parsed.labels,
    hostRoot: abs(parsed.host_root),
    tls: {
      enabled: parsed.tls.enabled,
      ca: parsed.tls.ca && abs(parsed.tls.ca),
      cert: parsed.tls.cert && abs(parsed.tls.cert),
      key: parsed.tls.key && abs(parsed.tls.key),
      serverName: parsed.tls.server_name,
    },
    spool: { maxBytes: parsed.spool.max_bytes, maxAgeMs: parsed.spool.max_age, memoryMaxBytes: parsed.spool.memory_max_bytes },
    batch: { maxSamples: parsed.batch.max_samples, maxAgeMs: parsed.batch.max_age },
    shutdownGraceMs: parsed.shutdown_grace,
    logLevel: parsed.log_level,
    logFormat: parsed.log.format,
    filesystems: { excludeTypes: parsed.filesystems.exclude_types, excludeMountpoints: parsed.filesystems.exclude_mountpoints },
    disks: { excludeDevices: parsed.disks.exclude_devices },
    network: { excludeInterfaces: parsed.network.exclude_interfaces },
    probes: parsed.probes,
    scrape: toScrapeTargets(parsed.scrape, parsed.interval, abs),
    textfileDir: parsed.textfile_dir && abs(parsed.textfile_dir),
  };
}

/** One line naming what the configuration runs, for `check-config`. */
export function configSummary(config: AgentConfig): string {
  const tls = config.tls.enabled ? (config.tls.cert ? 'mutual' : 'on') : 'off';
  return (
    `collector=${config.collector} id=${config.id ?? '(host name)'} interval=${formatDuration(config.intervalMs)} tls=${tls} ` +
    `spool_dir=${config.spoolDir} spool.max_bytes=${formatBytes(config.spool.maxBytes)} probes=${config.probes.length}${config.scrape.length ? ` scrape=${config.scrape.length}` : ''}${config.textfileDir ? ` textfile_dir=${config.textfileDir}` : ''}`
  );
}
