import { Inject, Injectable } from '@nestjs/common';
import { Gauge, type Registry } from 'prom-client';
import { METRICS_REGISTRY } from '../common/tokens.js';
import { CapacityService } from './capacity.service.js';
import { resourceLabel, type CapacityEntry } from './domain/resources.js';

const LABELS = ['agent', 'host', 'resource', 'mountpoint'] as const;

/**
 * Gauges of the last forecast run, computed at scrape time. Label sets are bounded by the fleet: a few
 * resources per host (one per mount point) plus the configured `capacity.series`.
 */
@Injectable()
export class CapacityMetrics {
  constructor(@Inject(METRICS_REGISTRY) registry: Registry, capacity: CapacityService) {
    /** A gauge per resource; `null` leaves the resource out (no forecast, or not within the horizon). */
    const resourceGauge = (name: string, help: string, valueOf: (e: CapacityEntry) => number | null | undefined) =>
      new Gauge({
        name,
        help,
        labelNames: LABELS,
        registers: [registry],
        collect() {
          this.reset();
          for (const e of capacity.entriesNow()) {
            const value = valueOf(e);
            if (value !== null && value !== undefined && Number.isFinite(value)) {
              this.set({ agent: e.agent, host: e.host, resource: resourceLabel(e), mountpoint: e.mountpoint }, value);
            }
          }
        },
      });
    resourceGauge(
      'vigil_capacity_exhaustion_seconds',
      'Forecast seconds until the resource reaches its threshold (0 when over it now); absent when not within the horizon.',
      (e) => e.exhaustion?.secondsLeft,
    );
    resourceGauge('vigil_capacity_forecast_value', 'Forecast utilisation (or value, for capacity.series) at the forecast horizon.', (e) => e.atHorizon?.mean);
    resourceGauge('vigil_capacity_growth_per_day', 'Forecast growth of utilisation (or value) per day.', (e) => e.growthPerDay);
    resourceGauge('vigil_capacity_utilization_ratio', 'Current utilisation used by the forecast, 0-1 (the value, for capacity.series).', (e) => e.current);
  }
}
