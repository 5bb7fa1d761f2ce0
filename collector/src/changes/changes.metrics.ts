import { Inject, Injectable, Optional } from '@nestjs/common';
import { Counter, type Registry } from 'prom-client';
import { METRICS_REGISTRY } from '../common/tokens.js';
import { CHANGE_INCIDENTS, type ChangeIncidents } from './changes.ports.js';
import { ChangesRepository } from './changes.repository.js';

/** Change-management totals, read from SQLite at scrape time (they survive restarts). */
@Injectable()
export class ChangesMetrics {
  constructor(
    @Inject(METRICS_REGISTRY) registry: Registry,
    changes: ChangesRepository,
    @Optional() @Inject(CHANGE_INCIDENTS) incidents?: ChangeIncidents,
  ) {
    const registers = [registry];
    new Counter({
      name: 'vigil_changes_total',
      help: 'Recorded changes by outcome (pending: outcome not yet recorded).',
      labelNames: ['outcome'],
      registers,
      async collect() {
        this.reset();
        for (const o of ['success', 'failed', 'rolled_back', 'pending']) this.inc({ outcome: o }, 0);
        for (const r of await changes.outcomeCounts()) this.inc({ outcome: r.outcome ?? 'pending' }, r.n);
      },
    });
    new Counter({
      name: 'vigil_changes_causing_incidents_total',
      help: 'Changes with at least one incident linked to them.',
      registers,
      async collect() {
        this.reset();
        this.inc(incidents ? await changes.countTakingEffect(await incidents.changesWithIncidents()) : 0);
      },
    });
  }
}
