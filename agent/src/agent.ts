// Composition root of the agent: spool, batcher, samplers, probes, scheduler and sender wired together, with an
// idempotent shutdown that flushes and tries to deliver before closing.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { formatDuration } from '@vigil/proto/agent';
import type { AgentConfig } from './config/config.schema.js';
import { formatBytes } from './config/units.js';
import type { Logger } from './log.js';
import { OnceLog, silentLogger } from './log.js';
import { Batcher, type ClosedBatch } from './pipeline/batcher.js';
import { Scheduler } from './pipeline/scheduler.js';
import { Spool } from './pipeline/spool.js';
import { ReasonCounter, systemClock, type Clock, type Sampler } from './pipeline/types.js';
import { startProbes, type ProbeRunner } from './probes/index.js';
import { collectInventory, createHostSampler, SelfSampler, type Inventory } from './samplers/index.js';
import { SCRAPE_LIMITS, startScrapes, TextfileSampler, type ScrapeRunner } from './scrape/index.js';
import { Sender, type SenderOptions } from './transport/sender.js';
import { AGENT_VERSION } from './version.js';

/** Local and collector-side sample rejections start visible at zero. */
const REJECT_REASONS = ['invalid_metric_name', 'invalid_label', 'non_finite_value'];
/** Closed batches waiting for the disk; beyond this the disk is too slow and new batches are dropped, counted. */
const MAX_PENDING_APPENDS = 64;

export interface AgentDeps {
  clock?: Clock;
  logger?: Logger;
  /** Replaces the host sampler (tests); the self sampler is always added. */
  hostSampler?: Sampler;
  inventory?: Inventory;
  /** Transport tuning (tests shorten backoff and timeouts). */
  transport?: Pick<SenderOptions, 'backoff' | 'welcomeTimeoutMs' | 'ackTimeoutMs' | 'healthyAfterMs' | 'window' | 'heartbeatIntervalMs'>;
}

export interface RunningAgent {
  readonly agentId: string;
  readonly streamEpoch: string;
  readonly hostname: string;
  readonly spool: Spool;
  readonly sender: Sender;
  readonly scheduler: Scheduler;
  readonly rejectedSamples: ReasonCounter;
  /** One line describing what runs, for the startup log. */
  readonly summary: string;
  /** Stops sampling, flushes into the spool, delivers for up to shutdown_grace, closes. Idempotent. */
  shutdown(): Promise<{ delivered: boolean; pending: number }>;
}

export async function startAgent(config: AgentConfig, deps: AgentDeps = {}): Promise<RunningAgent> {
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger ?? silentLogger;
  const hostname = config.hostname ?? hostHostname(config.hostRoot);
  const spool = await Spool.open({
    dir: config.spoolDir,
    maxBytes: config.spool.maxBytes,
    maxAgeMs: config.spool.maxAgeMs,
    memoryMaxBytes: config.spool.memoryMaxBytes,
    agentId: config.id,
    // A new spool without a configured id takes the host name; existing spools keep the id they hold (a UUID).
    defaultAgentId: agentIdFromHostname(hostname),
    clock,
    logger,
  });
  const rejectedSamples = new ReasonCounter(REJECT_REASONS);
  const rejections = new ReasonCounter();

  const pendingAppends = new Set<Promise<unknown>>();
  const onBatch = (batch: ClosedBatch) => {
    if (pendingAppends.size >= MAX_PENDING_APPENDS) {
      spool.dropped.add('write_backlog');
      logger.warn('spool writes are too slow; dropping a batch', { pending_writes: pendingAppends.size });
      return;
    }
    // The debug line is the agent's own record of what it produced (delivery audits, the crash test).
    const write = spool
      .append(batch)
      .then((seq) => seq !== undefined && logger.debug('spooled batch', { seq, samples: batch.sampleCount }))
      .catch((error: unknown) => logger.error('spool append failed', { error: error instanceof Error ? error.message : String(error) }))
      .finally(() => pendingAppends.delete(write));
    pendingAppends.add(write);
  };
  const batcher = new Batcher({ maxSamples: config.batch.maxSamples, maxAgeMs: config.batch.maxAgeMs, onBatch, rejected: rejectedSamples, clock });

  const samplerFailures = new OnceLog();
  let scheduler: Scheduler | undefined;
  // Created below, once the inventory is known; the self sampler reads it from then on.
  let sender: Sender | undefined;
  const hostSampler = deps.hostSampler ?? (await createHostSampler(config, logger));
  const selfSampler = new SelfSampler({
    spoolPendingBatches: () => spool.pendingBatches,
    spoolDropped: spool.dropped,
    rejectedSamples,
    skippedTicks: () => scheduler?.skippedTicks ?? 0,
    spoolErrors: spool.errors,
    rejections,
    collector: () => sender?.collector,
    collectorFailovers: () => sender?.failovers ?? 0,
  });
  const samplers: Sampler[] = [hostSampler, selfSampler];
  // Local files, read on the host tick like node_exporter's textfile collector.
  if (config.textfileDir) samplers.push(new TextfileSampler({ dir: config.textfileDir, maxSeries: SCRAPE_LIMITS.defaultMaxSeries, maxBytes: SCRAPE_LIMITS.defaultMaxBytes }, logger));
  scheduler = new Scheduler({
    intervalMs: config.intervalMs,
    // The first sample at start, not an interval later.
    runAtStart: true,
    clock,
    logger,
    task: async (nowMs) => {
      const results = await Promise.allSettled(samplers.map((s) => s.collect(nowMs)));
      results.forEach((result, i) => {
        if (result.status === 'fulfilled') batcher.add(result.value);
        else if (samplerFailures.first(samplers[i]!.name)) logger.error('sampler failed', { sampler: samplers[i]!.name, error: String(result.reason) });
      });
      // One batch per tick: host metrics go out right away instead of waiting for the batch age.
      batcher.flush();
    },
  });

  const inventory = deps.inventory ?? (await collectInventory({ hostRoot: config.hostRoot, logger }));
  sender = new Sender({
    collectors: config.collectors,
    token: config.token,
    tls: config.tls,
    spool,
    rejected: rejectedSamples,
    rejections,
    heartbeatIntervalMs: config.intervalMs,
    hello: {
      agentId: spool.agentId,
      hostname,
      version: AGENT_VERSION,
      labels: config.labels,
      streamEpoch: spool.streamEpoch,
      intervalMs: config.intervalMs,
      inventory,
    },
    clock,
    logger,
    ...deps.transport,
  });

  let probes: ProbeRunner | undefined;
  let scrapes: ScrapeRunner | undefined;
  try {
    probes = startProbes(config.probes, batcher, { hostRoot: config.hostRoot, clock, logger });
    // Each target on its own schedule: a slow or dead endpoint never delays the host tick.
    scrapes = startScrapes(config.scrape, batcher, { clock, logger });
  } catch (error) {
    await Promise.all([probes?.stop(), sender.stop(), spool.close(), hostSampler.close?.()]);
    throw error;
  }
  sender.start();
  scheduler.start();

  const summary =
    `vigil-agent ${AGENT_VERSION} id=${spool.agentId} host=${hostname} collector=${config.collector} tls=${config.tls.enabled ? (config.tls.cert ? 'mutual' : 'on') : 'off'} ` +
    `interval=${formatDuration(config.intervalMs)} sampler=${hostSampler.name} probes=${config.probes.length} scrape=${config.scrape.length}${config.textfileDir ? '+textfile' : ''} host_root=${config.hostRoot} ` +
    `spool=${config.spoolDir} (${spool.pendingBatches} pending, max ${formatBytes(config.spool.maxBytes)}/${formatDuration(config.spool.maxAgeMs)}) epoch=${spool.streamEpoch}`;

  let shuttingDown: Promise<{ delivered: boolean; pending: number }> | undefined;
  const shutdown = () =>
    (shuttingDown ??= (async () => {
      await Promise.allSettled([scheduler.stop(), probes.stop(), scrapes.stop()]);
      batcher.close();
      await Promise.allSettled([...pendingAppends]);
      const delivered = await sender.drain(config.shutdownGraceMs);
      await sender.stop();
      await Promise.allSettled(samplers.map((s) => s.close?.()));
      const pending = spool.pendingBatches;
      await spool.close();
      return { delivered, pending };
    })());

  return { agentId: spool.agentId, streamEpoch: spool.streamEpoch, hostname, spool, sender, scheduler, rejectedSamples, summary, shutdown };
}

/** The host name as an agent id (letters, digits, ".", "_", ":", "-", at most 128); undefined when nothing is left. */
export function agentIdFromHostname(hostname: string): string | undefined {
  const id = hostname.trim().replace(/[^A-Za-z0-9._:-]/g, '-').slice(0, 128);
  return /[A-Za-z0-9]/.test(id) ? id : undefined;
}

/** The host's name: its /etc/hostname under a non-default host root (in a container), else the kernel's. */
function hostHostname(hostRoot: string): string {
  if (hostRoot !== '/') {
    try {
      const name = readFileSync(path.join(hostRoot, 'etc/hostname'), 'utf8').trim();
      if (name) return name;
    } catch {
      // Fall through to our own hostname.
    }
  }
  return os.hostname();
}
