// The HTTP probe's header checks stand in for node:http's (the agent no longer loads node:http for them): the same
// verdicts and words on any name and value.
import { validateHeaderName, validateHeaderValue } from 'node:http';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { headerProblem } from './http1.js';

/** node:http's verdict, as the probe's configuration reported it before. */
function nodeProblem(name: string, value: string): string | undefined {
  try {
    validateHeaderName(name);
    validateHeaderValue(name, value);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

// Mostly characters around the edges of both rules: controls, tab, space, separators, DEL, Latin-1 and beyond.
const character = fc.oneof(
  fc.constantFrom('\t', ' ', '"', '(', ')', ',', '/', ':', ';', '<', '=', '>', '?', '@', '[', '\\', ']', '{', '}', '\x7f', '\x00', '\r', '\n', '^', '_', '`', '|', '~', '!', '#', '$', '%', '&', "'", '*', '+', '-', '.'),
  fc.integer({ min: 0, max: 0x17f }).map((code) => String.fromCharCode(code)),
  fc.constantFrom('a', 'Z', '0', '9', '\u{1F600}', '\ud800'),
);
const text = fc.array(character, { maxLength: 12 }).map((chars) => chars.join(''));

describe('headerProblem', () => {
  it('agrees with node:http on random names and values', () => {
    fc.assert(fc.property(text, text, (name, value) => {
      expect(headerProblem(name, value)).toBe(nodeProblem(name, value));
    }), { numRuns: 20_000 });
  });

  it('accepts ordinary headers and names the bad one', () => {
    expect(headerProblem('Authorization', 'Bearer abc')).toBeUndefined();
    expect(headerProblem('X-Empty', '')).toBeUndefined();
    expect(headerProblem('Bad Header', 'x')).toBe('Header name must be a valid HTTP token ["Bad Header"]');
    expect(headerProblem('X-Split', 'a\r\nInjected: yes')).toBe('Invalid character in header content ["X-Split"]');
  });
});
