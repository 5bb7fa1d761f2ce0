import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module.js';
import { IngestMetrics } from './ingest.metrics.js';
import { IngestServer } from './ingest.server.js';
import { IngestService } from './ingest.service.js';

@Module({
  imports: [AgentsModule],
  providers: [IngestMetrics, IngestService, IngestServer],
  exports: [IngestServer],
})
export class IngestModule {}
