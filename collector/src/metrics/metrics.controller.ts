import { Controller, Get, Header, Headers, Res, UseGuards } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { Registry } from 'prom-client';
import { MetricsAccessGuard } from '../api/api-token.guard.js';
import { MetricsExposition } from './metrics.exposition.js';

@Controller()
@UseGuards(MetricsAccessGuard)
export class MetricsController {
  constructor(private readonly exposition: MetricsExposition) {}

  /** Prometheus text format by default; OpenMetrics when the scraper asks for it. */
  @Get('metrics')
  @Header('Cache-Control', 'no-store')
  async metrics(@Headers('accept') accept: string | undefined, @Res() res: ServerResponse): Promise<void> {
    const openMetrics = (accept ?? '').includes('application/openmetrics-text');
    res.setHeader('Content-Type', openMetrics ? Registry.OPENMETRICS_CONTENT_TYPE : Registry.PROMETHEUS_CONTENT_TYPE);
    await this.exposition.write(res, openMetrics);
  }
}
