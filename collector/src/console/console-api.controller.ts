import { Controller, Get, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { ApiRoute, Input } from '../api/api-route.js';
import { ApiTokenGuard, ReadAccessGuard } from '../api/api-token.guard.js';
import { TokenVerifier } from '../auth/token-verifier.js';
import { ServicesService } from '../sla/services.service.js';
import { OverviewService } from './overview.service.js';
import { StatusService, STATUS_DAYS, type PublicStatus } from './status.service.js';

const uptimeQuery = z.strictObject({
  days: z
    .string()
    .regex(/^\d+$/, 'must be a whole number of days from 1 to 400')
    .transform(Number)
    .refine((n) => n >= 1 && n <= 400, 'must be a whole number of days from 1 to 400')
    .default(STATUS_DAYS),
});
const servicePath = z.strictObject({ id: z.string() });

/** Reads the console needs that the rest of the API does not offer in one request. */
@Controller('api')
export class ConsoleApiController {
  constructor(
    private readonly overviews: OverviewService,
    private readonly status: StatusService,
    private readonly catalogue: ServicesService,
    private readonly tokens: TokenVerifier,
  ) {}

  /** GET /api/session: 200 when the bearer token is a valid API token (the console's sign-in check), 401 otherwise. */
  @Get('session')
  @UseGuards(ApiTokenGuard)
  @ApiRoute({ summary: "Checks an API token (the console's sign-in)", auth: 'write' })
  session(): { valid: true; protect_reads: boolean } {
    return { valid: true, protect_reads: this.tokens.protectReads };
  }

  /** GET /api/overview: every service's state and SLA figures, open incidents, agents connected and lost. */
  @Get('overview')
  @UseGuards(ReadAccessGuard)
  @ApiRoute({ summary: "The console's overview: services with state and SLA figures, open incidents, agents", auth: 'read' })
  overview(): Promise<Record<string, unknown>> {
    return this.overviews.overview();
  }

  /** GET /api/services/{id}/uptime?days=90: availability per local day of the service's SLA time zone. */
  @Get('services/:id/uptime')
  @UseGuards(ReadAccessGuard)
  @ApiRoute({ summary: "A service's availability per local day (the uptime bars)", params: servicePath, query: uptimeQuery, auth: 'read' })
  async uptime(@Input('params') { id }: z.output<typeof servicePath>, @Input('query') { days }: z.output<typeof uptimeQuery>): Promise<Record<string, unknown>> {
    const svc = this.catalogue.get(id);
    return { service: svc.id, ...(await this.overviews.dailyUptime(svc, days)) };
  }

  /** GET /api/status: the public status page's data; never needs a token (public services only). */
  @Get('status')
  @ApiRoute({ summary: 'The public status page: public services, their incidents and planned maintenance' })
  publicStatus(): Promise<PublicStatus> {
    return this.status.status();
  }
}
