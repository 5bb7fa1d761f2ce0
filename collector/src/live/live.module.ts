import { Module } from '@nestjs/common';
import { LiveFeed } from './live-feed.js';
import { LiveMetrics } from './live.metrics.js';

/**
 * The WebSocket live feed at /ws. It only listens to the collector event bus ('incident', 'service' and
 * 'agent' events): no other feature depends on it, and it calls no feature's service.
 */
@Module({
  providers: [LiveFeed, LiveMetrics],
})
export class LiveModule {}
