import { describe, expect, it } from 'vitest';
import {
  array, boolean, crossCheck, expecting, number, object, oneOf, optional, orInput, record, refine, string, transform, validate,
  withDefault, type Issue, type Validator,
} from './validate.js';

/** Problems as `path: message`, the path dotted as the config loader prints it. */
function problems(validator: Validator<unknown>, value: unknown): string[] {
  const result = validate(validator, value);
  return result.ok ? [] : result.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
}
function value<T>(validator: Validator<T>, input: unknown): T {
  const result = validate(validator, input);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.value;
}

describe('config validators', () => {
  it('names the expected type of a wrong value', () => {
    expect(problems(string(), 5)).toEqual(['(root): is not a string']);
    expect(problems(boolean(), 'yes')).toEqual(['(root): is not a boolean']);
    expect(problems(number(), '5')).toEqual(['(root): is not a number']);
    expect(problems(number(), Number.NaN)).toEqual(['(root): is not a number']);
    expect(problems(number(), Infinity)).toEqual(['(root): is not a number']);
    expect(problems(number({ integer: true }), 1.5)).toEqual(['(root): is not a whole number']);
    expect(problems(number({ integer: true }), 'x')).toEqual(['(root): is not a number']);
    expect(problems(array(string()), 'a')).toEqual(['(root): is not a list']);
    expect(problems(object({}), [])).toEqual(['(root): is not a map']);
    expect(problems(record(string()), null)).toEqual(['(root): is not a map']);
    expect(problems(oneOf(['a', 'b']), 'c')).toEqual(['(root): is not one of "a", "b"']);
  });

  it('says "required" or names the wrong value with expecting(), and marks the message as naming it', () => {
    const validator = object({ name: string(expecting('a name')) });
    expect(validate(validator, {})).toEqual({ ok: false, issues: [{ path: ['name'], message: 'required', selfContained: true }] });
    expect(problems(validator, { name: 5 })).toEqual(['name: expected a name, got number 5']);
    expect(problems(validator, { name: [1] })).toEqual(['name: expected a name, got a list']);
    expect(problems(validator, { name: { a: 1 } })).toEqual(['name: expected a name, got a map']);
    expect(problems(validator, { name: null })).toEqual(['name: expected a name, got null']);
    expect(problems(validator, { name: -Infinity })).toEqual(['name: expected a name, got number -Infinity']);
  });

  it('checks ranges, with default or given texts, and keeps integers within the safe range', () => {
    const port = number({ integer: true, min: 1, max: 65535 });
    expect(value(port, 1)).toBe(1);
    expect(value(port, 65535)).toBe(65535);
    expect(problems(port, 0)).toEqual(['(root): is below the minimum 1']);
    expect(problems(port, 65536)).toEqual(['(root): is above the maximum 65535']);
    expect(problems(number({ integer: true, min: 0 }), 2 ** 60)).toEqual(['(root): is above the maximum 9007199254740991']);
    expect(problems(number({ min: 0 }), 2 ** 60)).toEqual([]);
    expect(problems(number({ min: 100, max: 599, tooSmall: 'codes are 100-599', tooBig: 'codes are 100-599' }), 99)).toEqual(['(root): codes are 100-599']);
  });

  it('reports every problem of a nested value at its own path, in key order', () => {
    const validator = object({
      name: string(),
      targets: array(object({ port: number({ integer: true, min: 1 }), tags: record(string()) })),
      mode: oneOf(['a', 'b']),
    });
    expect(problems(validator, { name: 1, targets: [{ port: 0, tags: {} }, { port: 'x', tags: { a: 'b', c: 3 } }], mode: 'c' })).toEqual([
      'name: is not a string',
      'targets.0.port: is below the minimum 1',
      'targets.1.port: is not a number',
      'targets.1.tags.c: is not a string',
      'mode: is not one of "a", "b"',
    ]);
  });

  it('rejects unknown keys one by one after the known ones, with the closest known key as a hint', () => {
    const validator = object({ interval: string(), tls: object({ enabled: boolean() }) });
    expect(problems(validator, { intervl: '1s', interval: 2, tls: { enabeld: true, enabled: true, colour: 'blue' } })).toEqual([
      'interval: is not a string',
      'tls.enabeld: unknown key (did you mean enabled?)',
      'tls.colour: unknown key',
      'intervl: unknown key (did you mean interval?)',
    ]);
    expect(value(object({ a: string() }, { unknownKeys: 'ignore' }), { a: 'x', b: 1 })).toEqual({ a: 'x' });
  });

  it('fills defaults with copies, reads written defaults through the validator, and leaves optional keys out', () => {
    const fallback = ['lo'];
    const validator = object({
      list: withDefault(array(string()), fallback),
      every: orInput(transform(string(), (text) => text.length), 'abc'),
      maybe: optional(string()),
    });
    const parsed = value(validator, {});
    expect(parsed).toEqual({ list: ['lo'], every: 3 });
    expect(parsed.list).not.toBe(fallback);
    expect('maybe' in parsed).toBe(false);
    expect(problems(validator, { maybe: null, every: 5 })).toEqual(['every: is not a string', 'maybe: is not a string']);
  });

  it('runs refine only on a value of the right shape, and crossCheck on any map', () => {
    const seen: unknown[] = [];
    const refined = refine(object({ a: number(), b: number() }), (v, at) => {
      seen.push(v);
      if (v.a > v.b) at.problem('is above b', { under: ['a'] });
    });
    expect(problems(refined, { a: 2, b: 1 })).toEqual(['a: is above b']);
    expect(problems(refined, { a: 'x', b: 1 })).toEqual(['a: is not a number']);
    expect(seen).toEqual([{ a: 2, b: 1 }]);
    // A broken rule (not a wrong type) leaves the value usable: the check above still runs.
    expect(problems(refine(object({ a: number({ max: 1 }), b: number() }), (v, at) => at.problem(`sum ${v.a + v.b}`)), { a: 5, b: 1 })).toEqual([
      'a: is above the maximum 1',
      '(root): sum 6',
    ]);
    // So does an unknown key: the known ones are still checked together.
    expect(problems(refine(object({ limit: number() }), (v, at) => at.problem(`checked ${v.limit}`)), { limit: 1, colour: 2 })).toEqual(['colour: unknown key', '(root): checked 1']);
    const crossed = crossCheck(object({ a: number() }, { unknownKeys: 'ignore' }), (raw, at) => {
      if (raw.b !== undefined) at.problem('b is not allowed', { under: ['b'] });
    });
    expect(problems(crossed, { a: 'x', b: 1 })).toEqual(['a: is not a number', 'b: b is not allowed']);
    expect(problems(crossed, [1])).toEqual(['(root): is not a map']);
  });

  it('transforms only a value without problems, and carries an offending value when asked', () => {
    const calls: string[] = [];
    const upper = transform(refine(string(), (v, at) => v === 'bad' && at.problem('is bad')), (v) => (calls.push(v), v.toUpperCase()));
    expect(value(upper, 'ok')).toBe('OK');
    expect(problems(upper, 'bad')).toEqual(['(root): is bad']);
    expect(calls).toEqual(['ok']);
    const items: Validator<string[]> = (_input, at) => {
      at.problem('is odd', { under: [1], value: 'b' });
      return ['a', 'b'];
    };
    expect(validate(items, 'a,b')).toEqual({ ok: false, issues: [{ path: [1], message: 'is odd', value: 'b' } satisfies Issue] });
  });

  it('lists at least one item when asked', () => {
    expect(problems(array(string(), { nonEmpty: 'list at least one' }), [])).toEqual(['(root): list at least one']);
    expect(value(array(string(), { nonEmpty: 'list at least one' }), ['a'])).toEqual(['a']);
  });
});
