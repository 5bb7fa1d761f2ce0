import { BadRequestException } from '@nestjs/common';
import type { z } from 'zod';
import { describeInputIssues } from './issue-text.js';

/** Parses request input; a mismatch becomes a 400 that lists every bad field in words for people. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value, { reportInput: true });
  if (!result.success) throw new BadRequestException({ error: 'invalid request', issues: describeInputIssues(result.error, schema) });
  return result.data;
}
