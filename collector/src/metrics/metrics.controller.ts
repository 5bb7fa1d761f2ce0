import { Controller, Get, Header, Headers, Inject, Res, UseGuards } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { Registry } from 'prom-client';
import { MetricsAccessGuard } from '../api/api-token.guard.js';
import { METRICS_REGISTRY } from '../common/tokens.js';

/**
 * A view of `source` in OpenMetrics format. prom-client renames counters in place when it writes
 * OpenMetrics, so each metric is wrapped and the rename stays in the wrapper.
 */
async function openMetricsText(source: Registry): Promise<string> {
  const view = new Registry<typeof Registry.OPENMETRICS_CONTENT_TYPE>();
  view.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  for (const metric of source.getMetricsAsArray()) {
    const m = metric as unknown as { name: string; type: string; help: string; get: () => Promise<{ name: string; type: string }> };
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
  return view.metrics();
}

@Controller()
@UseGuards(MetricsAccessGuard)
export class MetricsController {
  constructor(@Inject(METRICS_REGISTRY) private readonly registry: Registry) {}

  /** Prometheus text format by default; OpenMetrics when the scraper asks for it. */
  @Get('metrics')
  @Header('Cache-Control', 'no-store')
  async metrics(@Headers('accept') accept: string | undefined, @Res() res: ServerResponse): Promise<void> {
    const openMetrics = (accept ?? '').includes('application/openmetrics-text');
    const body = openMetrics ? await openMetricsText(this.registry) : await this.registry.metrics();
    res.setHeader('Content-Type', openMetrics ? Registry.OPENMETRICS_CONTENT_TYPE : Registry.PROMETHEUS_CONTENT_TYPE);
    res.end(body);
  }
}
