// The service catalogue: services from collector.yaml (read-only) plus services managed through
// the API (persisted). Validation covers both together: ids unique, dependencies exist, no cycle.
import { ConflictException, Inject, Injectable, NotFoundException, BadRequestException } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock.js';
import { catalogueProblems, type ServiceDefinition, type SlaSettings } from './sla.config.js';
import { compileService, type ServiceModel } from './sla.model.js';
import { SlaRepository } from './sla.repository.js';
import { SLA_SETTINGS, type SlaSections } from './sla.settings.js';
import { auditRecord, type Actor } from './audit.js';

export type CatalogueListener = (change: { id: string; action: 'create' | 'update' | 'delete' }) => void;

@Injectable()
export class ServicesService {
  readonly settings: SlaSettings;
  private readonly services = new Map<string, ServiceModel>();
  private readonly listeners = new Set<CatalogueListener>();
  /** Maintenance windows that reference services (checked before a delete); set by MaintenanceService. */
  private maintenanceRefs: () => { id: string; services: string[] }[] = () => [];
  private loaded = false;

  constructor(
    @Inject(SLA_SETTINGS) sections: SlaSections,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly repo: SlaRepository,
  ) {
    this.settings = sections.settings;
    for (const def of sections.services) this.services.set(def.id, compileService(def, 'config', this.settings));
  }

  /** Loads API-managed services; idempotent. A stored service shadowed by a config one is skipped. */
  async load(): Promise<void> {
    if (this.loaded) return;
    await this.sync();
    this.loaded = true;
  }

  /**
   * Takes up the API-managed services as stored, telling listeners what changed: with several
   * collectors on one database, another collector's API may have created, changed or deleted one.
   */
  async sync(): Promise<void> {
    const stored = new Set<string>();
    for (const row of await this.repo.listDefinitions('sla_services')) {
      stored.add(row.id);
      const current = this.services.get(row.id);
      if (current?.source === 'config' || (current && JSON.stringify(current.definition) === row.definition)) continue;
      this.services.set(row.id, compileService(JSON.parse(row.definition) as ServiceDefinition, 'api', this.settings));
      if (this.loaded) this.emit({ id: row.id, action: current ? 'update' : 'create' });
    }
    for (const s of this.list())
      if (s.source === 'api' && !stored.has(s.id)) {
        this.services.delete(s.id);
        this.emit({ id: s.id, action: 'delete' });
      }
  }

  list(): ServiceModel[] {
    return [...this.services.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  find(id: string): ServiceModel | undefined {
    return this.services.get(id);
  }

  get(id: string): ServiceModel {
    const s = this.services.get(id);
    if (!s) throw new NotFoundException({ error: 'not found', message: `service ${JSON.stringify(id)} does not exist` });
    return s;
  }

  onChange(listener: CatalogueListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  setMaintenanceRefs(refs: () => { id: string; services: string[] }[]): void {
    this.maintenanceRefs = refs;
  }

  async create(def: ServiceDefinition, actor: Actor): Promise<ServiceModel> {
    if (this.services.has(def.id)) throw new ConflictException({ error: 'conflict', message: `service ${JSON.stringify(def.id)} already exists` });
    return this.save(def, actor, 'create');
  }

  async update(id: string, def: ServiceDefinition, actor: Actor): Promise<ServiceModel> {
    if (def.id !== id) throw new BadRequestException({ error: 'invalid request', issues: [`id: must match the path (${JSON.stringify(id)})`] });
    this.writable(id);
    return this.save(def, actor, 'update');
  }

  async remove(id: string, actor: Actor): Promise<void> {
    this.writable(id);
    const dependents = this.list().filter((s) => s.definition.depends_on.includes(id)).map((s) => s.id);
    if (dependents.length) throw new ConflictException({ error: 'conflict', message: `service ${JSON.stringify(id)} is a dependency of ${dependents.join(', ')}` });
    const windows = this.maintenanceRefs().filter((w) => w.services.includes(id)).map((w) => w.id);
    if (windows.length) throw new ConflictException({ error: 'conflict', message: `service ${JSON.stringify(id)} is used by maintenance window(s) ${windows.join(', ')}` });
    await this.repo.deleteDefinition('sla_services', id, this.clock.now(), auditRecord('service', 'delete', actor));
    this.services.delete(id);
    this.emit({ id, action: 'delete' });
  }

  private writable(id: string): ServiceModel {
    const existing = this.get(id);
    if (existing.source === 'config') throw new ConflictException({ error: 'conflict', message: `service ${JSON.stringify(id)} is defined in collector.yaml and is read-only` });
    return existing;
  }

  private async save(def: ServiceDefinition, actor: Actor, action: 'create' | 'update'): Promise<ServiceModel> {
    // The saved service first, so a cycle is reported from its point of view.
    const next = [def, ...this.list().filter((s) => s.id !== def.id).map((s) => s.definition)];
    const problems = catalogueProblems(next, [], (i) => (next[i]!.id === def.id ? '(body)' : `services[${next[i]!.id}]`));
    if (problems.length) throw new BadRequestException({ error: 'invalid request', issues: problems.map((p) => `${p.path.replace(/^\(body\)\./, '')}: ${p.message}`) });
    const model = compileService(def, 'api', this.settings);
    await this.repo.saveDefinition(
      'sla_services',
      { id: def.id, definition: JSON.stringify(def), nowMs: this.clock.now(), createdBy: actor.createdBy ?? null },
      auditRecord('service', action, actor),
    );
    this.services.set(def.id, model);
    this.emit({ id: def.id, action });
    return model;
  }

  private emit(change: { id: string; action: 'create' | 'update' | 'delete' }): void {
    for (const l of this.listeners) l(change);
  }
}
