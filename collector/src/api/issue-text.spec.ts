import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { describeInputIssues } from './issue-text.js';

const schema = z.strictObject({
  period: z.string().meta({ examples: ['2026-11'] }),
  id: z.string(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  state: z.enum(['open', 'resolved']).optional(),
  kind: z.literal('webhook').optional(),
  services: z.array(z.string()).min(1).optional(),
  name: z.string().min(1).max(5).optional(),
  ratio: z.number().gt(0).lt(1).optional(),
  at: z.iso.datetime().optional(),
  tz: z.string().regex(/^\w+$/, 'a time zone such as UTC').optional(),
});
const issues = (value: unknown) => {
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) throw new Error('expected issues');
  return describeInputIssues(result.error, schema);
};

describe('describeInputIssues', () => {
  it('names a missing field, with the example its schema declares', () => {
    expect(issues({})).toEqual(['period: required, for example 2026-11', 'id: required (a string)']);
  });

  it('says what type was expected and what came', () => {
    expect(issues({ period: 202611, id: ['a'], limit: 'ten' })).toEqual([
      'period: must be a string, got 202611',
      'id: must be a string, got a list',
      'limit: must be a number',
    ]);
  });

  it('lists the allowed values and the bounds', () => {
    expect(issues({ period: 'p', id: 'i', limit: '0', state: 'closed', kind: 'slack', services: [], name: 'toolong', ratio: 1 })).toEqual([
      'limit: must be at least 1, got 0',
      'state: must be one of open, resolved, got "closed"',
      'kind: must be "webhook", got "slack"',
      'services: must list at least one item',
      'name: must be at most 5 characters long',
      'ratio: must be less than 1, got 1',
    ]);
    expect(issues({ period: 'p', id: 'i', limit: 5000, name: '', ratio: 0 })).toEqual([
      'limit: must be at most 1000, got 5000',
      'name: must not be empty',
      'ratio: must be greater than 0, got 0',
    ]);
  });

  it('names unknown fields and keeps messages a schema wrote itself', () => {
    expect(issues({ period: 'p', id: 'i', tz: 'Europe/Berlin', colour: 'red', at: 'yesterday' })).toEqual([
      'at: must be a valid ISO 8601 timestamp like 2026-11-03T10:00:00Z, got "yesterday"',
      'tz: a time zone such as UTC',
      '(body): unknown field "colour"',
    ]);
  });

  it('prefixes paths for command-line flags', () => {
    const result = schema.safeParse({ period: 'p' }, { reportInput: true });
    expect(result.success ? [] : describeInputIssues(result.error, schema, '--')).toEqual(['--id: required (a string)']);
  });
});
