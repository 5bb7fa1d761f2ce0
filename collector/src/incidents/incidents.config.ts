// PLACEHOLDER owned by the incidents work: the `rules`, `notifiers` and `incidents` sections.
import { z } from 'zod';
export const rulesSchema = z.array(z.object({ name: z.string() }).passthrough()).default([]);
export const notifiersSchema = z.array(z.object({ name: z.string() }).passthrough()).default([]);
