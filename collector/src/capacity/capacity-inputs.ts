// What capacity forecasts read: the resource series in the sample store, grouped per resource, and
// their hourly averages from the rollups, combined and scaled as the forecasters use them.
import { Inject, Injectable } from '@nestjs/common';
import { SAMPLE_STORE } from '../common/tokens.js';
import { RollupsService } from '../rollups/rollups.service.js';
import type { Point, SampleStore, SeriesRef } from '../storage/storage.types.js';
import { CAPACITY_SETTINGS, type CapacityConfig } from './capacity.config.js';
import { packColumns, packPoints, unpackColumns } from './domain/series.js';
import { combineHourly, RESOURCE_METRICS, resourceGroups, type ResourceGroup } from './domain/resources.js';

const HOUR_MS = 3_600_000;

@Injectable()
export class CapacityInputs {
  constructor(
    private readonly rollups: RollupsService,
    @Inject(SAMPLE_STORE) private readonly store: SampleStore,
    @Inject(CAPACITY_SETTINGS) private readonly settings: CapacityConfig,
  ) {}

  /** Every resource to forecast: host resources by their metrics, plus the configured series. */
  async discover(): Promise<ResourceGroup[]> {
    const byMetric = new Map<string, SeriesRef[]>();
    for (const metric of Object.values(RESOURCE_METRICS)) byMetric.set(metric, await this.store.findSeries({ metric }));
    for (const custom of this.settings.series) {
      byMetric.set(`custom:${custom.name}`, await this.store.findSeries({ metric: custom.metric, labels: custom.labels }));
    }
    return resourceGroups(byMetric, this.settings);
  }

  /** Last raw sample of each gauge series of the groups (network is a rate: it uses the rollup). */
  latestOfGauges(groups: readonly ResourceGroup[]): Promise<Map<number, Point>> {
    const ids = groups.filter((g) => g.resource !== 'network_rx' && g.resource !== 'network_tx').flatMap((g) => g.seriesIds);
    return ids.length ? this.store.latest(ids) : Promise.resolve(new Map());
  }

  /**
   * The hourly averages of each group, combined and scaled as the forecast uses them, packed (see
   * packPoints); one read for all groups.
   */
  async readHourly(groups: readonly ResourceGroup[], fromMs: number, toMs: number): Promise<Map<string, Float64Array>> {
    const averages = await this.rollups.hourlyAverages(groups.flatMap((g) => g.seriesIds), fromMs, toMs);
    const none = { t: new Float64Array(0), v: new Float64Array(0) };
    const out = new Map<string, Float64Array>();
    for (const g of groups) {
      const columns = g.seriesIds.map((id) => averages.get(id) ?? none);
      // One series (nearly every resource): straight into the packed form, no per-point objects.
      out.set(g.key, columns.length === 1 ? packColumns(columns[0]!.t, columns[0]!.v, g.scale) : packPoints(combineHourly(columns.map((c) => unpackColumns(c.t, c.v)), g.combine, g.scale)));
    }
    return out;
  }
}

/** Latest raw value of a gauge resource (fresher than the hourly average); undefined for summed (network) groups. */
export function currentOf(group: ResourceGroup, latest: ReadonlyMap<number, Point>, nowMs: number): number | undefined {
  if (group.combine === 'sum') return undefined;
  const values = group.seriesIds.map((id) => latest.get(id)).filter((p): p is Point => p !== undefined && p[0] >= nowMs - HOUR_MS && Number.isFinite(p[1]));
  if (values.length === 0) return undefined;
  return (values.reduce((sum, p) => sum + p[1], 0) / values.length) * group.scale;
}
