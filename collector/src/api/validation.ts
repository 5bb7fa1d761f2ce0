import { BadRequestException } from '@nestjs/common';
import type { z } from 'zod';

function pathOf(path: ReadonlyArray<PropertyKey>): string {
  return path.length ? path.map(String).join('.') : '(body)';
}

/** Parses request input; a mismatch becomes a 400 that lists every bad field. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new BadRequestException({
      error: 'invalid request',
      issues: result.error.issues.map((issue) => `${pathOf(issue.path)}: ${issue.message}`),
    });
  }
  return result.data;
}
