import { Module } from '@nestjs/common';
import { LiveFeed } from './live-feed.js';
import { LiveMetrics } from './live.metrics.js';
import { LiveRelay } from './live-relay.js';
import { LiveRelayRepository } from './live-relay.repository.js';

/**
 * The WebSocket live feed at /ws. It only listens to the collector event bus ('incident', 'service' and
 * 'agent' events): no other feature depends on it, and it calls no feature's service. On PostgreSQL
 * the relay passes incident and agent messages between collectors (NOTIFY/LISTEN).
 */
@Module({
  providers: [LiveFeed, LiveMetrics, LiveRelay, LiveRelayRepository],
})
export class LiveModule {}
