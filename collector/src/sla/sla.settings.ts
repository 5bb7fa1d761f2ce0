import type { CollectorConfig } from '../config/config.schema.js';
import type { MaintenanceWindowConfig, ServiceDefinition, SlaSettings } from './sla.config.js';

/** The SLA-related parts of the validated collector config. */
export function slaSectionsOf(config: CollectorConfig): { services: ServiceDefinition[]; maintenance: MaintenanceWindowConfig[]; settings: SlaSettings } {
  return { services: config.services, maintenance: config.maintenance, settings: config.sla };
}
