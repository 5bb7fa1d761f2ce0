// The `services`, `maintenance` and `sla` sections of collector.yaml. The same schemas validate
// API bodies, so what GET returns can be PUT back. Values stay as written (durations as text);
// `compileService`/`compileMaintenance` in sla.model.ts turn them into runtime models.
import { z } from 'zod';
import { DateTime } from 'luxon';
import { parseDuration } from '@vigil/proto';
import { isValidZone, parseRollingWindow, PERIOD_KINDS } from './domain/periods.js';
import { parseWeeklySchedule, type WeeklySchedule } from './domain/weekly-schedule.js';
import { cronProblem } from './domain/maintenance.js';
import { DEFAULT_MIN_COVERAGE } from './domain/figures.js';
import { UNKNOWN_POLICIES, type UnknownPolicy } from './domain/verdict.js';
import { parseSeriesSelector } from './domain/sli-selector.js';

export const SERVICE_ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** Probe names as agents label them (`probe` label); checked at config time, existence at run time. */
export const PROBE_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.:\/-]{0,127}$/;
/** Longest rolling window: the in-memory day cache and the raw-data rebuild are sized on it. */
export const MAX_WINDOW_DAYS = 400;

const serviceId = z.string().regex(SERVICE_ID_RE, 'must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit');
const probeName = z.string().regex(PROBE_NAME_RE, 'must be 1-128 letters, digits, ".", "_", ":", "/" or "-", starting with a letter or digit');
const timezone = z.string().refine(isValidZone, { error: (i) => `unknown time zone ${JSON.stringify(i.input)} (use an IANA name such as Europe/Berlin)` });

const durationText = (what: string, minMs = 1) =>
  z.string().refine((v) => (parseDuration(v) ?? -1) >= minMs, { error: (i) => `invalid ${what} ${JSON.stringify(i.input)} (use e.g. 5m, 2h, 1d)` });

const weeklyText = z.string().superRefine((value, ctx) => {
  try {
    const schedule = parseWeeklySchedule(value);
    const overlap = overlappingRanges(schedule);
    if (overlap) ctx.addIssue({ code: 'custom', message: `overlapping ranges in ${JSON.stringify(value)}: ${overlap}` });
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `invalid schedule ${JSON.stringify(value)}: ${(error as Error).message}` });
  }
});

function uniqueList<T extends z.ZodType<string>>(item: T, what: string) {
  return z.array(item).superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((v, i) => {
      if (seen.has(v)) ctx.addIssue({ code: 'custom', path: [i], message: `duplicate ${what} ${JSON.stringify(v)}` });
      seen.add(v);
    });
  });
}

const windowText = z.string().refine((v) => {
  const minutes = parseRollingWindow(v);
  return minutes !== undefined && minutes >= 60 && minutes <= MAX_WINDOW_DAYS * 1440;
}, { error: (i) => `invalid rolling window ${JSON.stringify(i.input)} (use e.g. 7d, 28d, 30d; between 1h and ${MAX_WINDOW_DAYS}d)` });

const quorumSchema = z.union([z.enum(['majority', 'any', 'all']), z.number().int().min(1)], {
  error: 'must be majority, any, all or a number of agents (1 or more)',
});

/** A share of minutes from 0 to 1 (0.9 = 90 %). */
const coverageRatio = z.number().min(0, 'must be between 0 and 1 (0.9 = 90 %)').max(1, 'must be between 0 and 1 (0.9 = 90 %)');

/** A PromQL series selector (metric{label="value"}); anything else is refused with the reason. */
const selectorText = (check: (metric: string) => string | undefined = () => undefined) =>
  z.string().superRefine((value, ctx) => {
    try {
      const problem = check(parseSeriesSelector(value).metric);
      if (problem) ctx.addIssue({ code: 'custom', message: `invalid series selector ${JSON.stringify(value)}: ${problem}` });
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `invalid series selector ${JSON.stringify(value)}: ${(error as Error).message}` });
    }
  });

const HISTOGRAM_SUFFIX = /_(bucket|count|sum)$/;

/** An SLI on metrics: good / total events from counters, or the share of fast requests from a histogram. */
export const sliSchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({
      type: z.literal('ratio'),
      /** Counter(s) of good events, e.g. http_requests_total{job="shop",code!~"5.."}. */
      good: selectorText(),
      /** Counter(s) of all events, e.g. http_requests_total{job="shop"}. */
      total: selectorText(),
    }),
    z.strictObject({
      type: z.literal('latency'),
      /** The histogram's base name and matchers; its _bucket and _count series are read. */
      histogram: selectorText((metric) =>
        HISTOGRAM_SUFFIX.test(metric) ? `give the histogram's base name (${metric.replace(HISTOGRAM_SUFFIX, '')}), not its _bucket/_count/_sum series` : undefined,
      ),
      /** Requests at or under this duration are good; must be one of the histogram's bucket bounds. */
      threshold: durationText('latency threshold'),
    }),
  ],
  { error: 'must have type ratio (with good and total) or latency (with histogram and threshold)' },
);
export type SliDefinition = z.output<typeof sliSchema>;

export const slaObjectiveSchema = z.strictObject({
  /** Availability objective in percent, e.g. 99.9. */
  availability: z.number().gt(0, 'must be above 0 (a percentage such as 99.9)').lt(100, 'must be below 100 (a 100 % objective leaves no error budget)'),
  latency: z
    .strictObject({
      /** A probe result is fast enough when its duration is at most this. */
      threshold: durationText('latency threshold'),
      /** Percentage of probe results that must be fast enough. */
      target: z.number().gt(0).max(100),
    })
    .optional(),
  windows: uniqueList(windowText, 'window').default(['30d']),
  /** Calendar period of the service review. */
  period: z.enum(PERIOD_KINDS as [string, ...string[]]).default('month'),
  /** Defaults to sla.timezone. */
  timezone: timezone.optional(),
  /** Local time in the SLA time zone; minutes outside count neither up nor down. Default: always. */
  service_hours: weeklyText.default('always'),
  /** When a probe minute is bad with several agents: majority (default), any, all or a number. */
  quorum: quorumSchema.default('majority'),
  /** A minute is good only when every probe has a result (default: at least one). */
  require_all_probes: z.boolean().default(false),
  /** How minutes without any result count: left out (default), as good or as bad, as the contract says. */
  unknown: z.enum(UNKNOWN_POLICIES as [UnknownPolicy, ...UnknownPolicy[]], { error: 'must be exclude, as_good or as_bad' }).default('exclude'),
  /** Coverage needed for a met/breached verdict; defaults to sla.min_coverage. */
  min_coverage: coverageRatio.optional(),
  /** Measure the service from request metrics instead of probes (then `probes` is left out). */
  sli: sliSchema.optional(),
});

export const serviceSchema = z.strictObject({
  id: serviceId,
  name: z.string().min(1).max(200),
  owner: z.string().min(1).max(200).optional(),
  tier: z.union([z.string().min(1).max(50), z.number()]).optional(),
  description: z.string().max(4000).optional(),
  /** Shown on the public status page (/status) without a token. */
  public: z.boolean().default(false),
  /** Probes that measure the service; exactly one of probes and sla.sli. */
  probes: uniqueList(probeName, 'probe').min(1, 'a service needs at least one probe').optional(),
  /** Only results from these agents (ids) count; default: every agent running the probe. */
  agents: uniqueList(z.string().min(1), 'agent').optional(),
  /** Only results from these hosts count. */
  hosts: uniqueList(z.string().min(1), 'host').optional(),
  depends_on: uniqueList(serviceId, 'dependency').default([]),
  sla: slaObjectiveSchema.optional(),
}).superRefine((s, ctx) => {
  const sli = s.sla?.sli;
  if (s.probes === undefined && sli === undefined)
    ctx.addIssue({ code: 'custom', path: ['probes'], message: 'required: give probes, or sla.sli to measure the service from request metrics' });
  if (sli === undefined) return;
  if (s.probes !== undefined) ctx.addIssue({ code: 'custom', path: ['sla', 'sli'], message: 'give either probes or sla.sli, not both' });
  // What only probe results have: agents, hosts, probe durations, minutes without results.
  for (const key of ['agents', 'hosts'] as const)
    if (s[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'only for services measured by probes (an sli selects its series with label matchers)' });
  if (s.sla?.latency !== undefined)
    ctx.addIssue({ code: 'custom', path: ['sla', 'latency'], message: 'only for services measured by probes (use sli type latency for request latency)' });
  if (s.sla && s.sla.unknown !== 'exclude')
    ctx.addIssue({ code: 'custom', path: ['sla', 'unknown'], message: 'only exclude applies to an sli (events of a gap are counted at the next sample, so there are no unknown events)' });
});
export type ServiceInput = z.input<typeof serviceSchema>;
export type ServiceDefinition = z.output<typeof serviceSchema>;

/** ISO-8601 date-time; without an offset it is local time in the window's time zone. */
const instantText = z.string().refine((v) => DateTime.fromISO(v, { setZone: true }).isValid, {
  error: (i) => `invalid date-time ${JSON.stringify(i.input)} (use ISO-8601, e.g. 2026-11-14T22:00 or 2026-11-14T22:00:00+01:00)`,
});

export const maintenanceWindowSchema = z
  .strictObject({
    id: serviceId,
    title: z.string().max(200).optional(),
    services: uniqueList(serviceId, 'service').min(1, 'a maintenance window needs at least one service'),
    timezone: timezone.optional(),
    /** One-off window. */
    start: instantText.optional(),
    end: instantText.optional(),
    /** Recurring window: cron schedule (5 or 6 fields) + duration, or a weekly schedule. */
    schedule: z.string().optional(),
    duration: durationText('duration', 60_000).optional(),
    weekly: weeklyText.optional(),
    /** Recurring windows apply only from/until these instants. */
    valid_from: instantText.optional(),
    valid_until: instantText.optional(),
    /** Change record reference (e.g. CHG-1042). */
    change: z.string().max(200).optional(),
    /** Why the window exists; required when it is created or changed after the fact. */
    reason: z.string().max(2000).optional(),
    /** Who asks for it (recorded in the audit trail along with the API token fingerprint). */
    created_by: z.string().max(200).optional(),
  })
  .superRefine((w, ctx) => {
    const kinds = [w.start !== undefined || w.end !== undefined, w.schedule !== undefined, w.weekly !== undefined].filter(Boolean).length;
    if (kinds !== 1) {
      ctx.addIssue({ code: 'custom', message: 'give exactly one of start/end (one-off), schedule/duration (cron) or weekly' });
      return;
    }
    if (w.start !== undefined || w.end !== undefined) {
      if (w.start === undefined) ctx.addIssue({ code: 'custom', path: ['start'], message: 'required with end' });
      if (w.end === undefined) ctx.addIssue({ code: 'custom', path: ['end'], message: 'required with start' });
      if (w.duration !== undefined) ctx.addIssue({ code: 'custom', path: ['duration'], message: 'only for schedule (a one-off window has start and end)' });
      if (w.start !== undefined && w.end !== undefined) {
        const zone = w.timezone && isValidZone(w.timezone) ? w.timezone : 'UTC';
        const [a, b] = [DateTime.fromISO(w.start, { zone }), DateTime.fromISO(w.end, { zone })];
        if (a.isValid && b.isValid && b.toMillis() - a.toMillis() < 60_000)
          ctx.addIssue({ code: 'custom', path: ['end'], message: `must be at least a minute after start (${w.start})` });
      }
      for (const key of ['valid_from', 'valid_until'] as const)
        if (w[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'only for recurring windows' });
    }
    if (w.schedule !== undefined) {
      if (w.duration === undefined) ctx.addIssue({ code: 'custom', path: ['duration'], message: 'required with schedule' });
      const problem = cronProblem(w.schedule, w.timezone && isValidZone(w.timezone) ? w.timezone : 'UTC');
      if (problem) ctx.addIssue({ code: 'custom', path: ['schedule'], message: `invalid cron schedule ${JSON.stringify(w.schedule)}: ${problem}` });
    }
    if (w.weekly !== undefined && w.duration !== undefined)
      ctx.addIssue({ code: 'custom', path: ['duration'], message: 'only for schedule (a weekly window has its own times)' });
  });
export type MaintenanceInput = z.input<typeof maintenanceWindowSchema>;
export type MaintenanceWindowConfig = z.output<typeof maintenanceWindowSchema>;

export const burnAlertSchema = z.strictObject({
  severity: z.enum(['page', 'ticket']),
  long: windowTextAny('long window'),
  short: windowTextAny('short window'),
  factor: z.number().positive(),
});

function windowTextAny(what: string) {
  return z.string().refine((v) => {
    const m = parseRollingWindow(v);
    return m !== undefined && m <= 30 * 1440;
  }, { error: (i) => `invalid ${what} ${JSON.stringify(i.input)} (whole minutes up to 30d, e.g. 5m, 1h, 3d)` });
}

export const slaSettingsSchema = z
  .strictObject({
    /** Default time zone of SLAs and maintenance windows. */
    timezone: timezone.default('UTC'),
    /**
     * Share of counted minutes that must have been measured before a figure is called met or
     * breached (a certain breach is called earlier); below it the status is insufficient_data.
     */
    min_coverage: coverageRatio.default(DEFAULT_MIN_COVERAGE),
    /** Dirty minute states are written to SQLite this often (and at shutdown). */
    flush_interval: durationText('flush interval', 1000).default('30s'),
    /** Burn rates, budgets and metrics are recomputed this often. */
    evaluation_interval: durationText('evaluation interval', 1000).default('60s'),
    /** Days of minute states kept in memory (rolling windows up to this length are computed without I/O). */
    cache_days: z.number().int().min(2).max(MAX_WINDOW_DAYS + 2).default(35),
    /**
     * Per-agent evidence is kept in memory this long. Results arriving later than this (agents
     * replaying a spool) are folded in by re-reading the affected minutes from raw samples.
     */
    late_data_window: durationText('late data window', 60_000).default('15m'),
    /** Multi-window multi-burn-rate alerts (Google SRE workbook defaults for a 30-day budget). */
    burn_alerts: z
      .array(burnAlertSchema)
      .default([
        { severity: 'page', long: '1h', short: '5m', factor: 14.4 },
        { severity: 'page', long: '6h', short: '30m', factor: 6 },
        { severity: 'ticket', long: '1d', short: '2h', factor: 3 },
        { severity: 'ticket', long: '3d', short: '6h', factor: 1 },
      ]),
  })
  .prefault({});
export type SlaSettings = z.output<typeof slaSettingsSchema>;

export const servicesSchema = z.array(serviceSchema).default([]);
export const maintenanceSchema = z.array(maintenanceWindowSchema).default([]);

/** Returns a description of the first pair of overlapping ranges of a weekly schedule, if any. */
export function overlappingRanges(schedule: WeeklySchedule): string | undefined {
  // Minutes of the week; a range past midnight on Sunday wraps to Monday.
  const week = new Uint8Array(7 * 1440);
  for (const range of schedule.ranges) {
    for (const weekday of range.weekdays) {
      for (let m = range.startMinute; m < range.endMinute; m++) {
        const at = ((weekday - 1) * 1440 + m) % week.length;
        if (week[at]) return `${['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'][Math.floor(at / 1440)]} ${String(Math.floor((at % 1440) / 60)).padStart(2, '0')}:${String(at % 60).padStart(2, '0')} is covered twice`;
        week[at] = 1;
      }
    }
  }
  return undefined;
}

interface SlaConfigSections {
  services: readonly ServiceDefinition[];
  maintenance: readonly MaintenanceWindowConfig[];
}

/**
 * Cross-section checks for collector.yaml: unique ids, dependencies that exist and form no cycle,
 * maintenance windows naming existing services. Returns "key.path: message" lines.
 */
export function validateSlaConfig(config: SlaConfigSections): string[] {
  return catalogueProblems(config.services, config.maintenance).map((p) => `${p.path}: ${p.message}`);
}

export interface CatalogueProblem {
  path: string;
  message: string;
}

/** The checks of validateSlaConfig, shared with the API (config and API services together). */
export function catalogueProblems(
  services: readonly Pick<ServiceDefinition, 'id' | 'depends_on'>[],
  maintenance: readonly Pick<MaintenanceWindowConfig, 'id' | 'services'>[],
  servicePath = (i: number) => `services[${i}]`,
  maintenancePath = (i: number) => `maintenance[${i}]`,
): CatalogueProblem[] {
  const problems: CatalogueProblem[] = [];
  const ids = new Map<string, number>();
  services.forEach((s, i) => {
    if (ids.has(s.id)) problems.push({ path: `${servicePath(i)}.id`, message: `duplicate service id ${JSON.stringify(s.id)} (also ${servicePath(ids.get(s.id)!)})` });
    else ids.set(s.id, i);
  });
  services.forEach((s, i) => {
    (s.depends_on ?? []).forEach((dep, j) => {
      if (dep === s.id) problems.push({ path: `${servicePath(i)}.depends_on[${j}]`, message: `service ${JSON.stringify(s.id)} cannot depend on itself` });
      else if (!ids.has(dep)) problems.push({ path: `${servicePath(i)}.depends_on[${j}]`, message: `unknown service ${JSON.stringify(dep)}` });
    });
  });
  const cycle = dependencyCycle(services);
  if (cycle) problems.push({ path: `${servicePath(ids.get(cycle[0]!)!)}.depends_on`, message: `dependency cycle ${cycle.join(' -> ')}` });
  const windowIds = new Map<string, number>();
  maintenance.forEach((w, i) => {
    if (windowIds.has(w.id)) problems.push({ path: `${maintenancePath(i)}.id`, message: `duplicate maintenance id ${JSON.stringify(w.id)} (also ${maintenancePath(windowIds.get(w.id)!)})` });
    else windowIds.set(w.id, i);
    w.services.forEach((svc, j) => {
      if (!ids.has(svc)) problems.push({ path: `${maintenancePath(i)}.services[${j}]`, message: `unknown service ${JSON.stringify(svc)}` });
    });
  });
  return problems;
}

/** The first dependency cycle found (ids, first repeated at the end), or undefined. */
export function dependencyCycle(services: readonly Pick<ServiceDefinition, 'id' | 'depends_on'>[]): string[] | undefined {
  const deps = new Map(services.map((s) => [s.id, s.depends_on ?? []]));
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): string[] | undefined => {
    const st = state.get(id);
    if (st === 'done') return undefined;
    if (st === 'visiting') return [...stack.slice(stack.indexOf(id)), id];
    state.set(id, 'visiting');
    stack.push(id);
    for (const dep of deps.get(id) ?? []) {
      if (!deps.has(dep) || dep === id) continue;
      const found = visit(dep);
      if (found) return found;
    }
    stack.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const s of services) {
    const found = visit(s.id);
    if (found) return found;
  }
  return undefined;
}
