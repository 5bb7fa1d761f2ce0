import { Module } from '@nestjs/common';
import { AgentsController } from './agents.controller.js';
import { AgentsMetrics } from './agents.metrics.js';
import { AgentsRepository } from './agents.repository.js';
import { AgentsService } from './agents.service.js';

@Module({
  controllers: [AgentsController],
  providers: [AgentsRepository, AgentsService, AgentsMetrics],
  exports: [AgentsService],
})
export class AgentsModule {}
