import { Inject, Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { CONFIG, METRICS_REGISTRY } from '../common/tokens.js';
import { SEVERITIES } from '../common/severity.js';
import type { RuleSpec } from './incidents.config.js';
import { IncidentsRepository } from './incidents.repository.js';

/** Seconds buckets from 10 s to 3 days: acknowledgements take minutes, resolutions hours. */
const DURATION_BUCKETS = [10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14_400, 28_800, 86_400, 259_200];

/**
 * Incident and rule KPIs. Totals are read from SQLite at scrape time (they survive restarts and
 * cost a few indexed GROUP BYs); durations are histograms observed as acks and resolutions happen.
 */
@Injectable()
export class IncidentsMetrics {
  private readonly ack: Histogram<'severity' | 'service'>;
  private readonly resolve: Histogram<'severity' | 'service'>;
  private readonly dropped: Counter<'reason'>;
  private readonly evaluationSeconds: Counter;
  private evaluationsSource: () => number = () => 0;

  constructor(
    @Inject(METRICS_REGISTRY) registry: Registry,
    @Inject(CONFIG) config: { services: ReadonlyArray<{ id: string }>; rules: readonly RuleSpec[] },
    incidents: IncidentsRepository,
  ) {
    const registers = [registry];
    const label = (service: string | null) => service ?? '';
    // Every known severity × service (configured services, services named by rules, none) is
    // exposed at 0 from the start: a series born at its first event makes increase() miss that event.
    const services = [...new Set(['', ...config.services.map((s) => s.id), ...config.rules.flatMap((r) => (r.service ? [r.service] : []))])];
    const known = SEVERITIES.flatMap((severity) => services.map((service) => ({ severity, service })));
    new Gauge({
      name: 'vigil_incidents_open',
      help: 'Incidents currently open or acknowledged.',
      labelNames: ['severity', 'service'],
      registers,
      async collect() {
        this.reset();
        for (const labels of known) this.set(labels, 0);
        for (const r of await incidents.openCounts()) this.set({ severity: r.severity, service: label(r.service) }, r.n);
      },
    });
    new Counter({
      name: 'vigil_incidents_opened_total',
      help: 'Incidents opened (not counting ones suppressed by maintenance), from the incident records.',
      labelNames: ['severity', 'service'],
      registers,
      async collect() {
        this.reset();
        for (const labels of known) this.inc(labels, 0);
        for (const r of await incidents.openedCounts()) this.inc({ severity: r.severity, service: label(r.service) }, r.n);
      },
    });
    this.ack = new Histogram({
      name: 'vigil_incident_time_to_acknowledge_seconds',
      help: 'Time from opening to acknowledgement.',
      labelNames: ['severity', 'service'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.resolve = new Histogram({
      name: 'vigil_incident_time_to_resolve_seconds',
      help: 'Time from opening to resolution (automatic or manual).',
      labelNames: ['severity', 'service'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    for (const labels of known) {
      this.ack.zero(labels);
      this.resolve.zero(labels);
    }
    const self = this;
    let reported = 0;
    new Counter({
      name: 'vigil_rule_evaluations_total',
      help: 'Rule evaluations (one rule applied to one sample or signal).',
      registers,
      collect() {
        const total = self.evaluationsSource();
        if (total > reported) this.inc(total - reported);
        reported = total;
      },
    });
    this.evaluationSeconds = new Counter({
      name: 'vigil_rule_evaluation_seconds_total',
      help: 'Time spent evaluating rules on the ingest path (what rules add to ingest CPU).',
      registers,
    });
    this.dropped = new Counter({
      name: 'vigil_incident_transitions_dropped_total',
      help: 'Rule transitions not applied, by reason.',
      labelNames: ['reason'],
      registers,
    });
  }

  bindEvaluations(source: () => number): void {
    this.evaluationsSource = source;
  }

  acknowledged(severity: string, service: string | null, seconds: number): void {
    this.ack.observe({ severity, service: service ?? '' }, Math.max(0, seconds));
  }

  resolved(severity: string, service: string | null, seconds: number): void {
    this.resolve.observe({ severity, service: service ?? '' }, Math.max(0, seconds));
  }

  evaluated(seconds: number): void {
    this.evaluationSeconds.inc(seconds);
  }

  transitionDropped(reason: 'queue_full' | 'apply_failed'): void {
    this.dropped.inc({ reason });
  }
}
