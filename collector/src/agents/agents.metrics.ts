import { Inject, Injectable } from '@nestjs/common';
import { Gauge, type Registry } from 'prom-client';
import { METRICS_REGISTRY } from '../common/tokens.js';
import { AgentsService } from './agents.service.js';

/** Per-agent liveness for dashboards: one series per known agent (bounded by the fleet size). */
@Injectable()
export class AgentsMetrics {
  constructor(@Inject(METRICS_REGISTRY) registry: Registry, agents: AgentsService) {
    new Gauge({
      name: 'vigil_agent_up',
      help: '1 when the agent has an open ingest stream (to this collector or, on a shared PostgreSQL, one that wrote its last seen lately), else 0.',
      labelNames: ['agent', 'host'],
      registers: [registry],
      collect() {
        this.reset();
        for (const a of agents.list()) this.set({ agent: a.id, host: a.hostname }, a.connected ? 1 : 0);
      },
    });
    new Gauge({
      name: 'vigil_agent_last_seen_timestamp_seconds',
      help: 'When the agent last sent data or a heartbeat, Unix seconds.',
      labelNames: ['agent', 'host'],
      registers: [registry],
      collect() {
        this.reset();
        for (const a of agents.list()) this.set({ agent: a.id, host: a.hostname }, a.lastSeen / 1000);
      },
    });
  }
}
