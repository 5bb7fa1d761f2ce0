import { Module } from '@nestjs/common';
import { ChangesController } from './changes.controller.js';
import { ChangesMetrics } from './changes.metrics.js';
import { CHANGE_RECORDS } from './changes.ports.js';
import { ChangesRepository } from './changes.repository.js';
import { ChangesService } from './changes.service.js';

/**
 * Change records and their API. Exports the ChangeRecords port (incidents link to changes);
 * consumes the optional ChangeIncidents port to list the incidents linked to each change.
 */
@Module({
  controllers: [ChangesController],
  providers: [ChangesRepository, ChangesService, ChangesMetrics, { provide: CHANGE_RECORDS, useExisting: ChangesService }],
  exports: [CHANGE_RECORDS],
})
export class ChangesModule {}
