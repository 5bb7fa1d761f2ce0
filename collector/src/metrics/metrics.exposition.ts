import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Inject, Injectable } from '@nestjs/common';
import { Registry } from 'prom-client';
import { METRICS_REGISTRY } from '../common/tokens.js';
import { FLEET_FAMILY } from './exposition-names.js';
import { FleetExporter, type ExpositionOutput } from './fleet.exporter.js';

type RegisteredMetric = { name: string; type: string; help: string; get: () => Promise<{ name: string; type: string }> };

/**
 * An OpenMetrics view of `source` (of the metrics `include` keeps). prom-client renames counters in
 * place when it writes OpenMetrics, so each metric is wrapped and the rename stays in the wrapper.
 */
export function openMetricsView(source: Registry, include: (metric: object) => boolean = () => true): Registry {
  const view = new Registry<typeof Registry.OPENMETRICS_CONTENT_TYPE>();
  view.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  for (const metric of source.getMetricsAsArray()) {
    if (!include(metric)) continue;
    const m = metric as unknown as RegisteredMetric;
    view.registerMetric({
      name: m.name,
      type: m.type,
      help: m.help,
      get: async () => {
        const data = await m.get();
        return data.type === 'counter' ? { ...data, name: data.name.replace(/_total$/, '') } : data;
      },
    } as never);
  }
  return view as unknown as Registry;
}

/** Gathers text and writes it to the response a chunk at a time, waiting for the socket when it is full. */
class ChunkedOutput implements ExpositionOutput {
  private pending = '';
  closed = false;

  constructor(private readonly out: Writable) {
    out.once('close', () => (this.closed = true));
  }

  add(text: string): void {
    this.pending += text;
  }

  async flush(): Promise<void> {
    const text = this.pending;
    this.pending = '';
    if (this.closed || this.out.destroyed) return;
    if (!this.out.write(text)) await Promise.race([once(this.out, 'drain'), once(this.out, 'close')]);
    // Lets gRPC acks and other requests run between chunks of a large scrape.
    await nextTurn();
  }
}

/**
 * Writes /metrics: the collector's own metrics through prom-client, the fleet's families (up to
 * 100,000s of series) straight from the FleetExporter in chunks, in the registry's order, with the
 * same text prom-client's `registry.metrics()` would give.
 */
@Injectable()
export class MetricsExposition {
  constructor(
    @Inject(METRICS_REGISTRY) private readonly registry: Registry,
    private readonly fleet: FleetExporter,
  ) {}

  async write(out: Writable, openMetrics: boolean): Promise<void> {
    const metrics = this.registry.getMetricsAsArray() as unknown as RegisteredMetric[];
    const isFleet = (metric: object) => FLEET_FAMILY in metric;
    const formatter = openMetrics ? openMetricsView(this.registry, (m) => !isFleet(m)) : this.registry;
    // The collector's own metrics are few: read them together, as registry.metrics() does.
    const [snapshot, ...texts] = await Promise.all([
      this.fleet.latestSnapshot(),
      ...metrics.map((m) => (isFleet(m) ? undefined : formatter.getSingleMetricAsString(m.name))),
    ]);
    const output = new ChunkedOutput(out);
    const separator = openMetrics ? '\n' : '\n\n';
    try {
      for (const [i, metric] of metrics.entries()) {
        if (i > 0) output.add(separator);
        const text = texts[i];
        if (text === undefined) await this.fleet.writeFamily(metric.name, openMetrics, snapshot, output);
        else output.add(text);
        if (output.closed) return;
      }
      output.add(openMetrics ? '\n# EOF\n' : '\n');
      await output.flush();
      out.end();
    } catch (error) {
      // Part of the text may be out already: cut the response so the scraper sees a failed scrape, not a short one.
      out.destroy(error as Error);
    }
  }
}
