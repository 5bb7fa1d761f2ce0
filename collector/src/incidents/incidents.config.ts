// The `rules`, `notifiers` and `incidents` sections of collector.yaml. Each rule and notifier is
// validated on its own so every message names it: `rules[2].recover_below: rule "disk": ...`.
// The output is normalised (durations in ms, matchers compiled to data, templates checked).
import { z } from 'zod';
import { isValidLabelName, isValidMetricName } from '@vigil/proto';
import { compileTemplate, TemplateError } from './domain/template.js';
import { recoveryProblem, type Comparison } from './domain/rule-state.js';
import type { LabelMatcher } from './domain/matchers.js';
import { SEVERITIES, type Severity } from '../common/severity.js';
import { duration, httpUrl, NAME_RE } from '../common/config-values.js';
import { deliverySettingsSchema } from '../notify/notify.config.js';


export const BUILTINS = [
  'agent_down',
  'probe_failing',
  'tls_cert_expiring',
  'sla_fast_burn',
  'sla_slow_burn',
  'error_budget_exhausted',
  'capacity_exhaustion',
] as const;
export type Builtin = (typeof BUILTINS)[number];
export type SignalBuiltin = 'sla_fast_burn' | 'sla_slow_burn' | 'error_budget_exhausted' | 'capacity_exhaustion';

interface RuleCommon {
  name: string;
  severity: Severity;
  /** Service the rule belongs to; otherwise the condition's `service` label, if any. */
  service?: string | undefined;
  title: string;
  description: string;
  /** Extra labels added to the incident (and to Alertmanager/PagerDuty payloads). */
  labels: Record<string, string>;
  forMs: number;
  keepFiringForMs: number;
}

export interface ThresholdRule extends RuleCommon {
  kind: 'threshold';
  builtin?: 'probe_failing' | 'tls_cert_expiring' | undefined;
  metric: string;
  match: LabelMatcher[];
  op: Comparison;
  threshold: number;
  recover?: number | undefined;
  staleMs: number;
}

export interface AgentDownRule extends RuleCommon {
  kind: 'agent_down';
  missedIntervals: number;
  /** Matchers on the agent's identity labels (agent, host). */
  match: LabelMatcher[];
}

export interface SignalRule extends RuleCommon {
  kind: 'signal';
  builtin: SignalBuiltin;
  withinDays: number;
  /** Only these services (all when empty). */
  services: string[];
}

export type RuleSpec = ThresholdRule | AgentDownRule | SignalRule;


const matcherValue = z.union([
  z.string(),
  z.strictObject({ ne: z.string() }),
  z.strictObject({ re: z.string() }),
  z.strictObject({ nre: z.string() }),
]);
const matchSchema = z.record(z.string(), matcherValue).default({});

const common = {
  name: z.string(),
  severity: z.enum(SEVERITIES).default('warning'),
  service: z.string().min(1).optional(),
  title: z.string().min(1).optional(),
  description: z.string().optional(),
  labels: z.record(z.string(), z.string()).default({}),
  for: duration.optional(),
  keep_firing_for: duration.default(0),
};

const thresholdSchema = z.strictObject({
  ...common,
  // Checked here, not with the semantic checks, so it is reported together with other key errors.
  metric: z.string().refine(isValidMetricName, { error: (issue) => `invalid metric name ${JSON.stringify(issue.input)} (letters, digits, _ and :, not starting with a digit)` }),
  match: matchSchema,
  op: z.enum(['>', '>=', '<', '<=', '==', '!=']),
  threshold: z.number(),
  recover_below: z.number().optional(),
  recover_above: z.number().optional(),
  stale_after: duration.default(5 * 60_000),
});

const builtinSchemas = {
  agent_down: z.strictObject({ ...common, builtin: z.literal('agent_down'), missed_intervals: z.number().int().min(1).default(3), match: matchSchema }),
  probe_failing: z.strictObject({ ...common, builtin: z.literal('probe_failing'), match: matchSchema, stale_after: duration.default(5 * 60_000) }),
  tls_cert_expiring: z.strictObject({
    ...common,
    builtin: z.literal('tls_cert_expiring'),
    within_days: z.number().positive().default(14),
    match: matchSchema,
    stale_after: duration.default(24 * 3_600_000),
  }),
  sla_fast_burn: z.strictObject({ ...common, builtin: z.literal('sla_fast_burn'), services: z.array(z.string()).default([]) }),
  sla_slow_burn: z.strictObject({ ...common, builtin: z.literal('sla_slow_burn'), services: z.array(z.string()).default([]) }),
  error_budget_exhausted: z.strictObject({ ...common, builtin: z.literal('error_budget_exhausted'), services: z.array(z.string()).default([]) }),
  capacity_exhaustion: z.strictObject({
    ...common,
    builtin: z.literal('capacity_exhaustion'),
    within_days: z.number().positive().default(14),
    services: z.array(z.string()).default([]),
  }),
} satisfies Record<Builtin, z.ZodType>;

const DEFAULT_TITLES: Record<Builtin | 'threshold', string> = {
  threshold: '{{ rule }}: {{ labels.host | default:"" }} value {{ value }}',
  agent_down: 'Agent {{ labels.agent }} ({{ labels.host }}) is down',
  probe_failing: 'Probe {{ labels.probe }} failing ({{ labels.target }}) from {{ labels.host }}',
  tls_cert_expiring: 'TLS certificate of {{ labels.target }} expires in {{ value | round }} days',
  sla_fast_burn: 'Service {{ labels.service }} burns its error budget fast ({{ labels.window }}, {{ value | round:1 }}x)',
  sla_slow_burn: 'Service {{ labels.service }} burns its error budget steadily ({{ labels.window }}, {{ value | round:1 }}x)',
  error_budget_exhausted: 'Service {{ labels.service }} has exhausted its error budget ({{ labels.window }})',
  capacity_exhaustion: '{{ labels.resource }} will be exhausted in {{ value | round:1 }} days',
};

function matchers(match: Record<string, z.infer<typeof matcherValue>>): LabelMatcher[] {
  return Object.entries(match).map(([name, v]) => {
    if (typeof v === 'string') return { name, kind: 'eq', value: v };
    if ('ne' in v) return { name, kind: 'ne', value: v.ne };
    if ('re' in v) return { name, kind: 're', value: v.re };
    return { name, kind: 'nre', value: v.nre };
  });
}

type Issue = { path: PropertyKey[]; message: string };

/** Semantic checks zod cannot express; each message is prefixed with the rule name by the caller. */
function ruleProblems(spec: RuleSpec, raw: Record<string, unknown>): Issue[] {
  const issues: Issue[] = [];
  if (!NAME_RE.test(spec.name)) issues.push({ path: ['name'], message: 'invalid rule name (letters, digits, _ . : -; at most 100 characters)' });
  for (const key of ['title', 'description'] as const) {
    try {
      compileTemplate(spec[key]);
    } catch (error) {
      if (error instanceof TemplateError) issues.push({ path: [key], message: error.message });
      else throw error;
    }
  }
  for (const name of Object.keys(spec.labels)) if (!isValidLabelName(name)) issues.push({ path: ['labels', name], message: `invalid label name ${JSON.stringify(name)}` });
  if (spec.kind === 'threshold' || spec.kind === 'agent_down') {
    for (const m of spec.match) {
      if (!isValidLabelName(m.name)) issues.push({ path: ['match', m.name], message: `invalid label name ${JSON.stringify(m.name)}` });
      if (m.kind === 're' || m.kind === 'nre') {
        try {
          new RegExp(m.value);
        } catch {
          issues.push({ path: ['match', m.name], message: `invalid regular expression ${JSON.stringify(m.value)}` });
        }
      }
    }
  }
  if (spec.kind === 'threshold' && !spec.builtin) {
    if (raw.recover_below !== undefined && raw.recover_above !== undefined) {
      issues.push({ path: ['recover_above'], message: 'set either recover_below or recover_above, not both' });
    } else {
      const key = raw.recover_below !== undefined ? 'recover_below' : 'recover_above';
      const problem = recoveryProblem(spec, key);
      if (problem) issues.push({ path: [key], message: problem });
    }
  }
  return issues;
}

function toSpec(builtin: Builtin | undefined, r: Record<string, any>): RuleSpec {
  const base: RuleCommon = {
    name: r.name,
    severity: r.severity,
    service: r.service,
    title: r.title ?? DEFAULT_TITLES[builtin ?? 'threshold'],
    description: r.description ?? '',
    labels: r.labels,
    forMs: r.for ?? (builtin === 'probe_failing' ? 60_000 : 0),
    keepFiringForMs: r.keep_firing_for,
  };
  switch (builtin) {
    case undefined:
      return {
        ...base,
        kind: 'threshold',
        metric: r.metric,
        match: matchers(r.match),
        op: r.op,
        threshold: r.threshold,
        recover: r.recover_below ?? r.recover_above,
        staleMs: r.stale_after,
      };
    case 'probe_failing':
      return { ...base, kind: 'threshold', builtin, metric: 'vigil_probe_success', match: matchers(r.match), op: '<', threshold: 1, staleMs: r.stale_after };
    case 'tls_cert_expiring':
      return {
        ...base,
        kind: 'threshold',
        builtin,
        metric: 'vigil_probe_tls_cert_remaining_seconds',
        match: matchers(r.match),
        op: '<',
        threshold: r.within_days * 86_400,
        staleMs: r.stale_after,
      };
    case 'agent_down':
      return { ...base, kind: 'agent_down', missedIntervals: r.missed_intervals, match: matchers(r.match) };
    default:
      return { ...base, kind: 'signal', builtin, withinDays: r.within_days ?? 0, services: r.services };
  }
}

function ruleLabel(item: unknown, index: number): string {
  const name = item && typeof item === 'object' ? (item as Record<string, unknown>).name : undefined;
  return typeof name === 'string' ? `rule "${name}"` : `rule #${index + 1}`;
}

export const rulesSchema = z
  .array(z.unknown())
  .default([])
  .transform((items, ctx): RuleSpec[] => {
    const specs: RuleSpec[] = [];
    const seen = new Map<string, number>();
    items.forEach((item, i) => {
      const label = ruleLabel(item, i);
      const add = (path: PropertyKey[], message: string) => ctx.addIssue({ code: 'custom', path: [i, ...path], message: `${label}: ${message}` });
      if (!item || typeof item !== 'object' || Array.isArray(item)) return add([], 'expected a mapping');
      const raw = item as Record<string, unknown>;
      let builtin: Builtin | undefined;
      if (raw.builtin !== undefined) {
        if (!(BUILTINS as readonly unknown[]).includes(raw.builtin)) return add(['builtin'], `unknown builtin ${JSON.stringify(raw.builtin)} (known: ${BUILTINS.join(', ')})`);
        builtin = raw.builtin as Builtin;
      }
      const parsed = (builtin ? builtinSchemas[builtin] : thresholdSchema).safeParse(raw);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) {
          const message = issue.code === 'unrecognized_keys' ? `unknown key(s) ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}` : issue.message;
          add(issue.path, message);
        }
        return;
      }
      const spec = toSpec(builtin, parsed.data);
      const problems = ruleProblems(spec, raw);
      for (const p of problems) add(p.path, p.message);
      if (seen.has(spec.name)) add(['name'], `duplicate rule name (also rules[${seen.get(spec.name)}])`);
      else seen.set(spec.name, i);
      if (problems.length === 0) specs.push(spec);
    });
    return specs;
  });

// The notifiers section is notify's (notify/notify.config.ts); the config schema takes it from here.
export { notifiersSchema, type NotifierConfig } from '../notify/notify.config.js';
import type { NotifierConfig } from '../notify/notify.config.js';

export const incidentsSettingsSchema = z
  .strictObject({
    /** Delay before the first notification of an incident (a blip resolving within it notifies nobody). */
    group_wait: duration.default(5_000),
    /** Re-notify open, unacknowledged incidents this often (0 disables). */
    repeat_interval: duration.default(4 * 3_600_000),
    /** The same condition returning within this time reopens the resolved incident. */
    reopen_within: duration.default(3_600_000),
    /** Resolved incidents are closed after this time. */
    close_after: duration.default(24 * 3_600_000),
    /** An incident opening this long after a change on its service starts is linked to the change. */
    change_window: duration.default(2 * 3_600_000),
    flap_window: duration.default(10 * 60_000),
    /** State changes within flap_window that mark a condition flapping (0 disables). */
    flap_threshold: z.number().int().min(0).default(6),
    /** Flapping ends after this long without a state change. */
    flap_stable_for: duration.default(10 * 60_000),
    /** This many incidents of one condition within problem_period propose a problem record (0 disables). */
    problem_threshold: z.number().int().min(0).default(3),
    problem_period: duration.default(7 * 86_400_000),
    /** Timer for `for` expiry, keep_firing_for, absence of data, closing and notification upkeep. */
    evaluation_interval: duration.pipe(z.number().min(100, 'must be at least 100ms')).default(1_000),
    /** How often SLA burn-rate and capacity signals are polled. */
    signal_interval: duration.pipe(z.number().min(1_000, 'must be at least 1s')).default(30_000),
    /** Agent sampling interval assumed when the agent registry does not report one. */
    default_agent_interval: duration.default(10_000),
    /** Base URL of this collector's API, for links in notifications. */
    external_url: httpUrl.default('http://localhost:8080'),
    /** Delivery of notifications (notify's settings; the key stays under `incidents`). */
    delivery: deliverySettingsSchema,
  })
  .prefault({});
export type IncidentsSettings = z.infer<typeof incidentsSettingsSchema>;

/** Cross-section checks: services named by rules and notifiers exist (when services are configured). */
export function validateIncidentsConfig(config: {
  services?: ReadonlyArray<{ id: string }>;
  rules: readonly RuleSpec[];
  notifiers: readonly NotifierConfig[];
}): string[] {
  const known = new Set((config.services ?? []).map((s) => s.id));
  if (known.size === 0) return [];
  const problems: string[] = [];
  const check = (path: string, owner: string, service: string) => {
    if (!known.has(service)) problems.push(`${path}: ${owner}: unknown service ${JSON.stringify(service)} (known: ${[...known].join(', ')})`);
  };
  config.rules.forEach((r, i) => {
    if (r.service) check(`rules[${i}].service`, `rule "${r.name}"`, r.service);
    if (r.kind === 'signal') r.services.forEach((s, j) => check(`rules[${i}].services[${j}]`, `rule "${r.name}"`, s));
  });
  config.notifiers.forEach((n, i) => n.services?.forEach((s, j) => check(`notifiers[${i}].services[${j}]`, `notifier "${n.name}"`, s)));
  return problems;
}
