import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock.js';
import { READ_ONLY, SAMPLE_STORE } from '../common/tokens.js';
import { LEADERSHIP, type Leadership } from '../leadership/leadership.js';
import type { SampleStore } from '../storage/storage.types.js';
import { remoteWriteClient } from './remote-write.client.js';
import { REMOTE_WRITE_SETTINGS, type RemoteWriteTarget } from './remote-write.config.js';
import { RemoteWriteMetrics } from './remote-write.metrics.js';
import { RemoteWriteRepository } from './remote-write.repository.js';
import { TargetShipper } from './target-shipper.js';
import { seriesLabels, type Label } from './write-request.js';

/**
 * Remote write's lifecycle: at start, makes the stored cursors match the configured targets (a
 * target no longer configured is forgotten with its backlog); then one TargetShipper per target
 * sends what the store commits, woken by each commit. Nothing runs under READ_ONLY. With several
 * collectors on one PostgreSQL the journal and cursors are shared, so only the leader ships: a new
 * leader starts from the saved cursors (what the old one sent after its last save is sent again,
 * at least once as always).
 */
@Injectable()
export class RemoteWriteService implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private readonly log = new Logger('remote-write');
  private shippers: TargetShipper[] = [];
  /** Prometheus labels per series id; series never change, so entries never go stale. */
  private readonly labelCache = new Map<number, Label[]>();
  private stopping: Promise<void> | undefined;
  /** Role changes and stops, one after another. */
  private roleChange: Promise<void> = Promise.resolve();
  private unsubscribe: (() => void) | undefined;

  constructor(
    @Inject(REMOTE_WRITE_SETTINGS) private readonly targets: RemoteWriteTarget[],
    @Inject(SAMPLE_STORE) private readonly store: SampleStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(READ_ONLY) private readonly readOnly: boolean,
    private readonly repository: RemoteWriteRepository,
    private readonly metrics: RemoteWriteMetrics,
    @Inject(LEADERSHIP) private readonly leadership: Leadership,
  ) {}

  async onModuleInit(): Promise<void> {
    if (this.readOnly) return;
    await this.repository.syncTargets(this.targets.map((t) => t.name), this.clock.now());
    if (this.targets.length === 0) return;
    await this.repository.open();
    for (const target of this.targets) this.metrics.declareTarget(target.name);
    this.metrics.readBacklogsFrom(() => Promise.all(this.shippers.map((s) => s.backlog())));
    this.store.onCommit(() => {
      for (const s of this.shippers) s.wake();
    });
  }

  onApplicationBootstrap(): void {
    if (this.readOnly || this.targets.length === 0) return;
    this.unsubscribe = this.leadership.onChange((leader) => this.queueRole(leader));
    if (this.leadership.isLeader()) this.queueRole(true);
  }

  /** Stops the shippers (an unanswered request is resent at the next start) before the database closes. */
  onModuleDestroy(): Promise<void> {
    this.unsubscribe?.();
    this.stopping ??= (async () => {
      await this.roleChange;
      await this.stopShippers();
      await this.repository.close();
    })();
    return this.stopping;
  }

  private queueRole(leader: boolean): void {
    this.roleChange = this.roleChange
      .then(() => (leader ? this.startShippers() : this.stopShippers()))
      .catch((error: unknown) => this.log.error(`remote write could not ${leader ? 'start' : 'stop'}: ${(error as Error).message}`));
  }

  /** Ships from the cursors as saved now (another collector may have moved them while it led). */
  private async startShippers(): Promise<void> {
    if (this.stopping || this.shippers.length > 0 || !this.leadership.isLeader()) return;
    const positions = await this.repository.syncTargets(this.targets.map((t) => t.name), this.clock.now());
    const labels = (seriesId: number) => this.labels(seriesId);
    this.shippers = this.targets.map(
      (target) =>
        new TargetShipper(
          { target, journal: this.repository, send: remoteWriteClient(target, () => this.clock.now()), labels, metrics: this.metrics, clock: this.clock },
          positions.get(target.name)!,
        ),
    );
    for (const s of this.shippers) s.start();
    this.log.log(`sending stored samples to ${this.shippers.map((s) => s.name).join(', ')}`);
  }

  private async stopShippers(): Promise<void> {
    const shippers = this.shippers;
    this.shippers = [];
    await Promise.all(shippers.map((s) => s.stop()));
  }

  private async labels(seriesId: number): Promise<Label[] | undefined> {
    let labels = this.labelCache.get(seriesId);
    if (!labels) {
      const series = await this.store.getSeries(seriesId);
      if (!series) return undefined;
      labels = seriesLabels(series.metric, series.labels);
      this.labelCache.set(seriesId, labels);
    }
    return labels;
  }
}
