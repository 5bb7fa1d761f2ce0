import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module.js';
import { ReceiversController } from './receivers.controller.js';
import { ReceiversMetrics } from './receivers.metrics.js';
import { ReceiversService } from './receivers.service.js';

/** Prometheus remote write and OTLP/HTTP metrics into the sample store, with the gRPC path's rules. */
@Module({
  imports: [AgentsModule],
  controllers: [ReceiversController],
  providers: [ReceiversMetrics, ReceiversService],
})
export class ReceiversModule {}
