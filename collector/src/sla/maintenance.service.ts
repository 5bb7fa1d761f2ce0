// Planned maintenance windows: from collector.yaml (read-only) and from the API (SQLite, audited).
// A change that alters which minutes before "now" are covered rewrites SLA history: it needs a
// reason and is marked retroactive, with who/when/why kept in the audit trail.
import { BadRequestException, ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { DateTime } from 'luxon';
import { CLOCK, type Clock } from '../common/clock.js';
import { DAY_MS, mergeIntervals, type Interval } from './domain/bitmap.js';
import { expandMaintenance } from './domain/maintenance.js';
import { MAX_WINDOW_DAYS, type MaintenanceWindowConfig } from './sla.config.js';
import { compileMaintenance, type MaintenanceModel } from './sla.model.js';
import { SlaRepository } from './sla.repository.js';
import { SLA_SETTINGS, type SlaSections } from './sla.settings.js';
import { ServicesService } from './services.service.js';
import { auditRecord, type Actor, type AuditEntry } from './audit.js';

export type MaintenanceListener = (change: { id: string; services: string[] }) => void;

@Injectable()
export class MaintenanceService {
  private readonly windows = new Map<string, MaintenanceModel>();
  private readonly listeners = new Set<MaintenanceListener>();
  private readonly expansionCache = new Map<string, Interval[]>();
  private loaded = false;

  constructor(
    @Inject(SLA_SETTINGS) sections: SlaSections,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly repo: SlaRepository,
    private readonly catalogue: ServicesService,
  ) {
    for (const def of sections.maintenance) this.windows.set(def.id, compileMaintenance(def, 'config', sections.settings));
    catalogue.setMaintenanceRefs(() => this.list().map((w) => ({ id: w.id, services: w.window.services })));
  }

  /** Loads API-managed windows (after the catalogue, whose services they reference); idempotent. */
  async load(): Promise<void> {
    if (this.loaded) return;
    await this.sync();
    this.loaded = true;
  }

  /**
   * Takes up the API-managed windows as stored, telling listeners what changed: with several
   * collectors on one database, another collector's API may have created, changed or deleted one.
   */
  async sync(): Promise<void> {
    const stored = new Set<string>();
    for (const row of await this.repo.listDefinitions('sla_maintenance')) {
      stored.add(row.id);
      const current = this.windows.get(row.id);
      if (current?.source === 'config' || (current && current.updatedMs === row.updated_ms && JSON.stringify(current.definition) === row.definition)) continue;
      const meta = { retroactive: row.retroactive === 1, createdMs: row.created_ms, updatedMs: row.updated_ms, ...(row.created_by ? { createdBy: row.created_by } : {}) };
      const model = compileMaintenance(JSON.parse(row.definition) as MaintenanceWindowConfig, 'api', this.catalogue.settings, meta);
      this.windows.set(row.id, model);
      if (this.loaded) this.invalidate(row.id, [...new Set([...(current?.window.services ?? []), ...model.window.services])]);
    }
    for (const w of this.list())
      if (w.source === 'api' && !stored.has(w.id)) {
        this.windows.delete(w.id);
        this.invalidate(w.id, w.window.services);
      }
  }

  list(): MaintenanceModel[] {
    return [...this.windows.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  get(id: string): MaintenanceModel {
    const w = this.windows.get(id);
    if (!w) throw new NotFoundException({ error: 'not found', message: `maintenance window ${JSON.stringify(id)} does not exist` });
    return w;
  }

  audit(id: string): Promise<AuditEntry[]> {
    return this.repo.listAudit('maintenance', id);
  }

  onChange(listener: MaintenanceListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Merged planned-maintenance intervals of a service within [fromMs, toMs). */
  intervalsFor(service: string, fromMs: number, toMs: number): Interval[] {
    const out: Interval[] = [];
    for (const w of this.windows.values()) {
      if (!w.window.services.includes(service)) continue;
      const key = `${w.id}\u0000${fromMs}\u0000${toMs}`;
      let expanded = this.expansionCache.get(key);
      if (!expanded) {
        if (this.expansionCache.size > 20_000) this.expansionCache.clear();
        expanded = expandMaintenance(w.window, fromMs, toMs);
        this.expansionCache.set(key, expanded);
      }
      out.push(...expanded);
    }
    return out.length > 1 ? mergeIntervals(out) : out;
  }

  async create(input: MaintenanceWindowConfig, actor: Actor): Promise<MaintenanceModel> {
    if (this.windows.has(input.id)) throw new ConflictException({ error: 'conflict', message: `maintenance window ${JSON.stringify(input.id)} already exists` });
    const def = this.withDefaults(input);
    this.checkServices(def);
    const model = compileMaintenance(def, 'api', this.catalogue.settings);
    const retroactive = this.changesPast(undefined, model);
    return this.save(model, actor, 'create', retroactive);
  }

  async update(id: string, input: MaintenanceWindowConfig, actor: Actor): Promise<MaintenanceModel> {
    if (input.id !== id) throw new BadRequestException({ error: 'invalid request', issues: [`id: must match the path (${JSON.stringify(id)})`] });
    const old = this.writable(id);
    const def = this.withDefaults(input, old.definition.valid_from);
    this.checkServices(def);
    const model = compileMaintenance(def, 'api', this.catalogue.settings);
    const retroactive = this.changesPast(old, model);
    return this.save(model, actor, 'update', retroactive || old.retroactive, old);
  }

  async remove(id: string, actor: Actor, reason: string | undefined): Promise<void> {
    const old = this.writable(id);
    const retroactive = this.changesPast(old, undefined);
    if (retroactive && !reason?.trim()) throw this.reasonRequired('deleting a window that already covered past time changes SLA history');
    await this.repo.deleteDefinition('sla_maintenance', id, this.clock.now(), auditRecord('maintenance', 'delete', actor, { reason, retroactive }));
    this.windows.delete(id);
    this.invalidate(id, old.window.services);
  }

  private async save(model: MaintenanceModel, actor: Actor, action: 'create' | 'update', retroactive: boolean, old?: MaintenanceModel): Promise<MaintenanceModel> {
    const def = model.definition;
    if (retroactive && !def.reason?.trim()) throw this.reasonRequired('the window covers time in the past, so it changes SLA history (retroactive)');
    const now = this.clock.now();
    const stored: MaintenanceWindowConfig = { ...def };
    if (actor.createdBy && !stored.created_by) stored.created_by = actor.createdBy;
    await this.repo.saveDefinition(
      'sla_maintenance',
      { id: def.id, definition: JSON.stringify(stored), nowMs: now, createdBy: old?.createdBy ?? stored.created_by ?? actor.token ?? null, retroactive },
      auditRecord('maintenance', action, actor, { reason: def.reason, retroactive }),
    );
    const meta = {
      retroactive: retroactive || (old?.retroactive ?? false),
      createdMs: old?.createdMs ?? now,
      updatedMs: now,
      ...((old?.createdBy ?? stored.created_by ?? actor.token) ? { createdBy: (old?.createdBy ?? stored.created_by ?? actor.token)! } : {}),
    };
    const saved = compileMaintenance(stored, 'api', this.catalogue.settings, meta);
    this.windows.set(def.id, saved);
    this.invalidate(def.id, [...new Set([...(old?.window.services ?? []), ...saved.window.services])]);
    return saved;
  }

  /** API-created recurring windows start when they are created unless valid_from says otherwise. */
  private withDefaults(input: MaintenanceWindowConfig, previousValidFrom?: string): MaintenanceWindowConfig {
    if (input.start !== undefined || input.valid_from !== undefined) return input;
    const validFrom = previousValidFrom ?? DateTime.fromMillis(this.clock.now(), { zone: 'UTC' }).toISO({ suppressMilliseconds: true })!;
    return { ...input, valid_from: validFrom };
  }

  private checkServices(def: MaintenanceWindowConfig): void {
    const issues = def.services.flatMap((s, i) => (this.catalogue.find(s) ? [] : [`services[${i}]: unknown service ${JSON.stringify(s)}`]));
    if (issues.length) throw new BadRequestException({ error: 'invalid request', issues });
  }

  private writable(id: string): MaintenanceModel {
    const w = this.get(id);
    if (w.source === 'config') throw new ConflictException({ error: 'conflict', message: `maintenance window ${JSON.stringify(id)} is defined in collector.yaml and is read-only` });
    return w;
  }

  /** Whether switching from `before` to `after` changes which past minutes (per service) are planned. */
  private changesPast(before: MaintenanceModel | undefined, after: MaintenanceModel | undefined): boolean {
    const now = this.clock.now();
    const from = now - (MAX_WINDOW_DAYS + 1) * DAY_MS;
    const covered = (m: MaintenanceModel | undefined) =>
      m ? JSON.stringify([[...m.window.services].sort(), expandMaintenance(m.window, from, now)]) : JSON.stringify([[], []]);
    const past = (m: MaintenanceModel | undefined) => (m ? expandMaintenance(m.window, from, now).length > 0 : false);
    if (!before) return past(after);
    if (!after) return past(before);
    if (!past(before) && !past(after)) return false;
    return covered(before) !== covered(after);
  }

  private reasonRequired(why: string): BadRequestException {
    return new BadRequestException({ error: 'invalid request', issues: [`reason: required because ${why}`] });
  }

  private invalidate(id: string, services: string[]): void {
    for (const key of this.expansionCache.keys()) if (key.startsWith(`${id}\u0000`)) this.expansionCache.delete(key);
    for (const l of this.listeners) l({ id, services });
  }
}
