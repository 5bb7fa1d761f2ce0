// PLACEHOLDER owned by the probes work: replaced by the real probe runner.
import { z } from 'zod';
import type { SampleSink } from '../pipeline/types.js';

export const probeListSchema = z.array(z.object({ name: z.string() }).passthrough()).default([]);
export type ProbeConfig = z.infer<typeof probeListSchema>[number];

export interface ProbeRunner {
  stop(): Promise<void>;
}

export function startProbes(_configs: ProbeConfig[], _sink: SampleSink, _options: { hostRoot: string }): ProbeRunner {
  return { stop: async () => undefined };
}
