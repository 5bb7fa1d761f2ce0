// PLACEHOLDER owned by the capacity work: the `capacity` and `retention` sections.
import { z } from 'zod';
export const capacitySchema = z.object({}).passthrough().default({});
export const retentionSchema = z.object({}).passthrough().default({});
