import { Controller, Get, UseGuards } from '@nestjs/common';
import { ReadAccessGuard } from '../api/api-token.guard.js';
import { AgentsService, type AgentView } from './agents.service.js';

@Controller('api/agents')
@UseGuards(ReadAccessGuard)
export class AgentsController {
  constructor(private readonly agents: AgentsService) {}

  @Get()
  list(): AgentView[] {
    return this.agents.list();
  }
}
