// PLACEHOLDER owned by the SLA work: the `services` and `maintenance` sections of collector.yaml.
import { z } from 'zod';
export const servicesSchema = z.array(z.object({ id: z.string() }).passthrough()).default([]);
export const maintenanceSchema = z.array(z.object({ id: z.string() }).passthrough()).default([]);
