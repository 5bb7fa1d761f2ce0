import { Inject, Injectable } from '@nestjs/common';
import { Counter, Gauge, type Registry } from 'prom-client';
import { METRICS_REGISTRY } from '../common/tokens.js';
import { ServicesService } from './services.service.js';
import { SlaEvaluator } from './sla-evaluator.js';
import { SlaState } from './sla-state.js';
import type { SlaFigures } from './domain/figures.js';
import { SLA_STATUSES } from './domain/verdict.js';

/**
 * SLA gauges computed from the last evaluation (cheap at scrape time). Label sets are bounded:
 * services come from the catalogue, windows from the SLA config and the burn-rate rules.
 */
@Injectable()
export class SlaMetrics {
  constructor(@Inject(METRICS_REGISTRY) registry: Registry, catalogue: ServicesService, sla: SlaEvaluator, state: SlaState) {
    const each = (fn: (service: string, window: string, f: SlaFigures) => void) => {
      for (const [service, windows] of sla.lastSnapshot().windows) for (const [window, f] of windows) fn(service, window, f);
    };
    new Gauge({
      name: 'vigil_sla_objective_ratio',
      help: 'Availability objective of the service as a ratio (0.999 = 99.9 %).',
      labelNames: ['service'],
      registers: [registry],
      collect() {
        this.reset();
        for (const s of catalogue.list()) if (s.sla) this.set({ service: s.id }, s.sla.objective);
      },
    });
    /** A gauge per service and window of the last evaluation; `null` leaves the series out. */
    const windowGauge = (name: string, help: string, valueOf: (f: SlaFigures) => number | null | undefined) =>
      new Gauge({
        name,
        help,
        labelNames: ['service', 'window'],
        registers: [registry],
        collect() {
          this.reset();
          each((service, window, f) => {
            const value = valueOf(f);
            if (value !== null && value !== undefined) this.set({ service, window }, value);
          });
        },
      });
    windowGauge('vigil_sla_availability_ratio', 'Good / (good + bad) minutes in service hours outside maintenance (good / total events for an SLI on metrics); absent when nothing was measured.', (f) => f.availability);
    windowGauge('vigil_sla_error_budget_remaining_ratio', 'Share of the error budget left (1 = untouched, below 0 = objective breached).', (f) => f.errorBudget.remainingRatio);
    windowGauge('vigil_sla_latency_attainment_ratio', 'Share of probe results at or under the latency threshold (services with a latency objective).', (f) => f.latency?.attainment);
    // Base units (seconds) as Prometheus naming asks; the SLA engine counts whole minutes.
    windowGauge('vigil_sla_coverage_ratio', 'Measured minutes over counted minutes elapsed in the window (1 = every minute has a probe result).', (f) => f.coverage);
    new Gauge({
      name: 'vigil_sla_status',
      help: 'Verdict of the window, one series per status with 1 on the current one (insufficient_data below sla.min_coverage).',
      labelNames: ['service', 'window', 'status'],
      registers: [registry],
      collect() {
        this.reset();
        each((service, window, f) => {
          for (const status of SLA_STATUSES) this.set({ service, window, status }, f.status === status ? 1 : 0);
        });
      },
    });
    windowGauge('vigil_sla_unknown_seconds', 'Time in service hours outside maintenance without any probe result.', (f) => f.counts.unknown * 60);
    new Gauge({
      name: 'vigil_sla_burn_rate',
      help: 'Error budget burn rate over the window (1 = spending exactly the budget).',
      labelNames: ['service', 'window'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [service, rates] of sla.lastSnapshot().burnRates) for (const [window, rate] of rates) this.set({ service, window }, rate);
      },
    });
    new Gauge({
      name: 'vigil_sla_downtime_seconds',
      help: 'Bad time in service hours: planned (inside maintenance) or unplanned.',
      labelNames: ['service', 'window', 'kind'],
      registers: [registry],
      collect() {
        this.reset();
        each((service, window, f) => {
          this.set({ service, window, kind: 'planned' }, f.counts.plannedDown * 60);
          this.set({ service, window, kind: 'unplanned' }, f.counts.bad * 60);
        });
      },
    });
    new Gauge({
      name: 'vigil_sla_burn_alert_firing',
      help: '1 while a multi-window burn-rate alert condition holds.',
      labelNames: ['service', 'severity', 'long_window', 'short_window'],
      registers: [registry],
      collect() {
        this.reset();
        for (const s of sla.burnRateSignals()) this.set({ service: s.service, severity: s.severity, long_window: s.longWindow, short_window: s.shortWindow }, s.firing ? 1 : 0);
      },
    });
    const c = state.counters;
    new Counter({
      name: 'vigil_sla_samples_deferred_total',
      help: 'Probe results folded in by re-reading raw samples instead of incrementally, by reason.',
      labelNames: ['reason'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [reason, n] of Object.entries(c.samplesDeferred)) this.inc({ reason }, n);
      },
    });
    new Counter({
      name: 'vigil_sla_flush_failures_total',
      help: 'Failed writes of minute states to SQLite (retried at the next flush).',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(c.flushFailures);
      },
    });
    new Counter({
      name: 'vigil_sla_rebuild_failures_total',
      help: 'Failed re-reads of minutes from raw samples (retried).',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(c.rebuildFailures);
      },
    });
    new Gauge({
      name: 'vigil_sla_evaluation_duration_seconds',
      help: 'Duration of the last evaluation of all SLAs.',
      registers: [registry],
      collect() {
        this.set(c.lastEvaluationDurationMs / 1000);
      },
    });
  }
}
