import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Post, Put, Query, UseGuards } from '@nestjs/common';
import { ApiTokenGuard, ReadAccessGuard } from '../api/api-token.guard.js';
import { parseInput } from '../api/validation.js';
import { ApiRoute } from '../api/api-route.js';
import { maintenanceWindowSchema } from './sla.config.js';
import { MaintenanceService } from './maintenance.service.js';
import { deleteMaintenanceSchema, maintenanceView } from './sla.dto.js';
import { actorFrom } from './audit.js';

@Controller('api/maintenance')
@UseGuards(ReadAccessGuard)
export class MaintenanceController {
  constructor(private readonly maintenance: MaintenanceService) {}

  @Get()
  @ApiRoute({ summary: 'Maintenance windows', auth: 'read' })
  list(): Record<string, unknown>[] {
    return this.maintenance.list().map((w) => maintenanceView(w));
  }

  @Get(':id')
  @ApiRoute({ summary: 'One maintenance window with its audit trail', auth: 'read' })
  async get(@Param('id') id: string): Promise<Record<string, unknown>> {
    const w = this.maintenance.get(id);
    return maintenanceView(w, await this.maintenance.audit(id));
  }

  @Post()
  @UseGuards(ApiTokenGuard)
  @ApiRoute({ summary: 'Create a maintenance window', body: maintenanceWindowSchema, auth: 'write' })
  async create(@Body() body: unknown, @Headers('authorization') auth?: string): Promise<Record<string, unknown>> {
    const def = parseInput(maintenanceWindowSchema, body);
    const w = await this.maintenance.create(def, actorFrom(auth, def.created_by));
    return maintenanceView(w, await this.maintenance.audit(w.id));
  }

  @Put(':id')
  @UseGuards(ApiTokenGuard)
  @ApiRoute({ summary: 'Replace a maintenance window (id from the path)', body: maintenanceWindowSchema, auth: 'write' })
  async update(@Param('id') id: string, @Body() body: unknown, @Headers('authorization') auth?: string): Promise<Record<string, unknown>> {
    const raw = body && typeof body === 'object' && !Array.isArray(body) && !('id' in body) ? { ...body, id } : body;
    const def = parseInput(maintenanceWindowSchema, raw);
    const w = await this.maintenance.update(id, def, actorFrom(auth, def.created_by));
    return maintenanceView(w, await this.maintenance.audit(w.id));
  }

  /** The reason (required once the window covered past time) comes as ?reason=… or in a JSON body. */
  @Delete(':id')
  @UseGuards(ApiTokenGuard)
  @HttpCode(204)
  @ApiRoute({ summary: 'Delete a maintenance window (reason as ?reason= or in the body)', query: deleteMaintenanceSchema, auth: 'write' })
  async remove(@Param('id') id: string, @Query() query: unknown, @Body() body: unknown, @Headers('authorization') auth?: string): Promise<void> {
    const fromBody = body && typeof body === 'object' && !Array.isArray(body) && Object.keys(body).length ? body : {};
    const q = parseInput(deleteMaintenanceSchema, { ...(query as object), ...(fromBody as object) });
    await this.maintenance.remove(id, actorFrom(auth, q.created_by), q.reason);
  }
}
