import { BadRequestException, Inject, Injectable } from '@nestjs/common';
import { DateTime } from 'luxon';
import { CHANGE_RECORDS, type ChangeRecords } from '../changes/changes.ports.js';
import { PROBLEM_RECORDS, type ProblemRecords } from '../problems/problems.ports.js';
import { IncidentsRepository } from './incidents.repository.js';

const ratio = (n: number, d: number): number | null => (d > 0 ? n / d : null);

/** ISO/IEC 20000 service-management KPIs of a calendar month. */
@Injectable()
export class KpisService {
  constructor(
    private readonly incidents: IncidentsRepository,
    @Inject(CHANGE_RECORDS) private readonly changes: ChangeRecords,
    @Inject(PROBLEM_RECORDS) private readonly problems: ProblemRecords,
  ) {}

  /** [from, to) of a month "YYYY-MM" in a time zone. */
  static monthRange(period: string, zone: string): { fromMs: number; toMs: number } {
    const [year, month] = period.split('-').map(Number) as [number, number];
    const start = DateTime.fromObject({ year, month, day: 1 }, { zone });
    if (!start.isValid) throw new BadRequestException({ error: 'invalid request', issues: [`tz: unknown time zone ${JSON.stringify(zone)}`] });
    return { fromMs: start.toMillis(), toMs: start.plus({ months: 1 }).toMillis() };
  }

  async forMonth(period: string, zone: string) {
    const { fromMs, toMs } = KpisService.monthRange(period, zone);
    const { totals, bySeverity } = await this.incidents.periodFigures(fromMs, toMs);
    const outcomes = Object.fromEntries((await this.changes.periodOutcomes(fromMs, toMs)).map((r) => [r.outcome ?? 'pending', r.n]));
    const success = outcomes.success ?? 0;
    const failed = outcomes.failed ?? 0;
    const rolledBack = outcomes.rolled_back ?? 0;
    const pending = outcomes.pending ?? 0;
    const decided = success + failed + rolledBack;
    const causing = await this.changes.countTakingEffect(await this.incidents.changesWithIncidents(), fromMs, toMs);
    const problems = await this.problems.periodFigures(fromMs, toMs);
    return {
      period,
      timezone: zone,
      from: new Date(fromMs).toISOString(),
      to: new Date(toMs).toISOString(),
      incidents: {
        opened: totals.opened,
        suppressed: totals.suppressed,
        reopened: totals.reopened,
        acknowledged: totals.acknowledged,
        resolved: totals.resolved,
        by_severity: Object.fromEntries(bySeverity.map((r) => [r.severity, r.n])),
        mean_time_to_acknowledge_seconds: totals.acknowledged > 0 && totals.tta_sum !== null ? totals.tta_sum / totals.acknowledged / 1000 : null,
        mean_time_to_resolve_seconds: totals.ttr_n > 0 && totals.ttr_sum !== null ? totals.ttr_sum / totals.ttr_n / 1000 : null,
        linked_to_changes: totals.linked_changes,
        linked_to_problems: totals.linked_problems,
      },
      changes: {
        total: decided + pending,
        success,
        failed,
        rolled_back: rolledBack,
        pending,
        /** Of changes with a recorded outcome. */
        successful_change_rate: ratio(success, decided),
        causing_incidents: causing,
        causing_incidents_rate: ratio(causing, decided + pending),
      },
      problems: { created: problems.created, known_errors: problems.known_errors, resolved: problems.resolved },
    };
  }
}
