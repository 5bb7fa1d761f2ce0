// The one place where the validated collector config is cut into the settings each feature injects.
// Features never see CollectorConfig: each declares its own settings type and token, and this file
// (the composition root of configuration, with config.schema.ts) binds them.
import type { Provider } from '@nestjs/common';
import type { CollectorConfig } from './config.schema.js';
import { SLA_SETTINGS, type SlaSections } from '../sla/sla.settings.js';
import { CAPACITY_SETTINGS, type CapacityConfig } from '../capacity/capacity.config.js';
import { RETENTION_SETTINGS, type RetentionConfig } from '../rollups/rollups.config.js';
import { REMOTE_WRITE_SETTINGS, remoteWriteTargets } from '../remote-write/remote-write.config.js';

export function featureSettingsProviders(config: CollectorConfig): Provider[] {
  const sla: SlaSections = { services: config.services, maintenance: config.maintenance, settings: config.sla };
  const capacity: CapacityConfig = config.capacity;
  const retention: RetentionConfig = config.retention;
  return [
    { provide: SLA_SETTINGS, useValue: sla },
    { provide: CAPACITY_SETTINGS, useValue: capacity },
    { provide: RETENTION_SETTINGS, useValue: retention },
    { provide: REMOTE_WRITE_SETTINGS, useValue: remoteWriteTargets(config.remote_write) },
  ];
}
