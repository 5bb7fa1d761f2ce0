import type { MaintenanceWindowConfig, ServiceDefinition, SlaSettings } from './sla.config.js';

/** The SLA feature's part of collector.yaml: the `services`, `maintenance` and `sla` sections. */
export interface SlaSections {
  services: readonly ServiceDefinition[];
  maintenance: readonly MaintenanceWindowConfig[];
  settings: SlaSettings;
}

/** Injection token of the validated `SlaSections` (bound once, in config/feature-settings.ts). */
export const SLA_SETTINGS = Symbol('SlaSettings');
