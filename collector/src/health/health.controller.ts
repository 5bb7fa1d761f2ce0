import { Controller, Get, HttpCode, Inject, ServiceUnavailableException } from '@nestjs/common';
import { DATABASE } from '../common/tokens.js';
import type { Database } from '../database/database.js';
import { z } from 'zod';
import { ApiRoute } from '../api/api-route.js';

@Controller()
export class HealthController {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  /** Liveness: the process answers. */
  @Get('healthz')
  @HttpCode(200)
  @ApiRoute({ summary: 'Liveness: the process answers', response: z.strictObject({ status: z.literal('ok') }) })
  healthz() {
    return { status: 'ok' };
  }

  /** Readiness: the database answers a query. */
  @Get('readyz')
  @ApiRoute({ summary: 'Readiness: the database answers (503 with the reason otherwise)', response: z.strictObject({ status: z.literal('ready') }) })
  // Two plain routes rather than @nestjs/terminus: one SELECT is the whole readiness check, terminus would add a dependency for it.
  async readyz() {
    try {
      await this.db.get('SELECT 1 AS ok');
      return { status: 'ready' };
    } catch (error) {
      throw new ServiceUnavailableException({ status: 'not ready', reason: (error as Error).message });
    }
  }
}
