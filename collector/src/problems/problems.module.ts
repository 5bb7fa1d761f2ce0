import { Module } from '@nestjs/common';
import { ProblemsController } from './problems.controller.js';
import { PROBLEM_RECORDS } from './problems.ports.js';
import { ProblemsRepository } from './problems.repository.js';
import { ProblemsService } from './problems.service.js';

/**
 * Problem records and their API. Exports the ProblemRecords port (incidents propose problems for
 * recurring conditions); consumes the optional ProblemIncidents port to list a problem's incidents.
 */
@Module({
  controllers: [ProblemsController],
  providers: [ProblemsRepository, ProblemsService, { provide: PROBLEM_RECORDS, useExisting: ProblemsService }],
  exports: [PROBLEM_RECORDS],
})
export class ProblemsModule {}
