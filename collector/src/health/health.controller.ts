import { Controller, Get, HttpCode, Inject, ServiceUnavailableException } from '@nestjs/common';
import { DATABASE, SAMPLE_STORE } from '../common/tokens.js';
import type { Database } from '../database/database.js';
import { z } from 'zod';
import { ApiRoute } from '../api/api-route.js';
import type { SampleStore } from '../storage/storage.types.js';
import { LEADERSHIP, type Leadership } from '../leadership/leadership.js';

@Controller()
export class HealthController {
  constructor(
    @Inject(DATABASE) private readonly db: Database,
    @Inject(SAMPLE_STORE) private readonly store: SampleStore,
    @Inject(LEADERSHIP) private readonly leadership: Leadership,
  ) {}

  /** Liveness: the process answers. */
  @Get('healthz')
  @HttpCode(200)
  @ApiRoute({ summary: 'Liveness: the process answers', response: z.strictObject({ status: z.literal('ok') }) })
  healthz() {
    return { status: 'ok' };
  }

  /**
   * Readiness: the database answers a query and the sample store takes writes. A standby is ready
   * too (it takes agents and serves the API); `role` says whether it runs the leader's loops.
   */
  @Get('readyz')
  @ApiRoute({ summary: 'Readiness: the database answers and storage takes writes (503 with the reason otherwise)', response: z.strictObject({ status: z.literal('ready'), role: z.enum(['leader', 'standby']), replica: z.string() }) })
  // Two plain routes rather than @nestjs/terminus: two checks are the whole readiness, terminus would add a dependency for them.
  async readyz() {
    try {
      await this.db.get('SELECT 1 AS ok');
    } catch (error) {
      throw notReady((error as Error).message);
    }
    const writes = this.store.writeState?.() ?? { writable: true };
    if (!writes.writable) throw notReady(writes.reason, writes.sinceMs);
    return { status: 'ready', role: this.leadership.isLeader() ? 'leader' : 'standby', replica: this.leadership.replicaId };
  }
}

/** 503 in the API's error shape (`error`, `message`), plus the fields probes and dashboards read. */
function notReady(reason: string, sinceMs?: number): ServiceUnavailableException {
  return new ServiceUnavailableException({
    error: 'not ready',
    message: reason,
    status: 'not ready',
    reason,
    ...(sinceMs !== undefined ? { since: new Date(sinceMs).toISOString() } : {}),
  });
}
