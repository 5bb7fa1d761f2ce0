import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { Counter, Gauge, type Registry } from 'prom-client';
import { METRICS_REGISTRY } from '../common/tokens.js';
import { LEADERSHIP, type Leadership } from './leadership.js';

/** Whether this collector leads, and how often that changed (a flapping election shows here). */
@Injectable()
export class LeadershipMetrics implements OnModuleDestroy {
  private readonly unsubscribe: () => void;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry, @Inject(LEADERSHIP) leadership: Leadership) {
    new Gauge({
      name: 'vigil_leader',
      help: '1 while this collector runs the leader-only loops (SLA, cross-agent rules, capacity, notifications, retention), else 0.',
      labelNames: ['replica'],
      registers: [registry],
      collect() {
        this.set({ replica: leadership.replicaId }, leadership.isLeader() ? 1 : 0);
      },
    });
    const changes = new Counter({
      name: 'vigil_leader_changes_total',
      help: 'Times this collector became the leader or stepped down (becoming the leader at start counts once).',
      labelNames: ['replica'],
      registers: [registry],
    });
    const labels = { replica: leadership.replicaId };
    changes.inc(labels, leadership.isLeader() ? 1 : 0);
    this.unsubscribe = leadership.onChange(() => changes.inc(labels));
  }

  onModuleDestroy(): void {
    this.unsubscribe();
  }
}
