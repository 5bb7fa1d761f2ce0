import fc from 'fast-check';
import { parseArgs } from 'node:util';
import { describe, expect, it } from 'vitest';
import { type ArgOption, parseArgv, parseFlags } from './cli.js';

const OPTIONS: Record<string, ArgOption> = {
  config: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
  collector: { type: 'string' },
  'spool-dir': { type: 'string' },
  // Not the agent's, but the cases parseArgs has: a string option with a short name, a one-letter long name.
  output: { type: 'string', short: 'o' },
  x: { type: 'boolean' },
};

/** What node:util's parseArgs makes of args: values and positionals, or the first line of its error. */
function reference(args: string[], options: Record<string, ArgOption>) {
  try {
    const { values, positionals } = parseArgs({ args, options, strict: true, allowPositionals: true });
    return { values: { ...values }, positionals };
  } catch (error) {
    return { error: (error as Error).message.split('\n')[0] };
  }
}

function ours(args: string[], options: Record<string, ArgOption>) {
  const parsed = parseArgv(args, options);
  return 'error' in parsed ? parsed : { values: { ...parsed.values }, positionals: parsed.positionals };
}

describe('parseArgv', () => {
  it('parses command lines as node:util parseArgs does (strict, positionals allowed)', () => {
    const cases = [
      [], ['--config', 'a.yaml'], ['--config=a.yaml'], ['--config='], ['--config'], ['--config', '--help'], ['--config', '-'], ['--config', '-x'],
      ['--config=-x'], ['-h'], ['-hv'], ['-vh'], ['-h-'], ['-h', '--', '-v'], ['--', '--config'], ['--help=yes'], ['-h=1'], ['-'], ['--'],
      ['--=a=b'], ['--x'], ['-x'], ['-ofile'], ['-o', 'file'], ['-o'], ['-o', '-h'], ['-ho', 'file'], ['-hofile'], ['-hox'], ['-oh'],
      ['--colector', 'x:1'], ['--__proto__'], ['--toString'], ['check-config', '--spool-dir', '/tmp/s', 'extra'], ['---config', 'a'], ['-é'],
    ];
    for (const args of cases) expect(ours(args, OPTIONS), JSON.stringify(args)).toEqual(reference(args, OPTIONS));
    const piece = fc.constantFrom('-', '--', '=', 'h', 'v', 'o', 'x', 'q', 'config', 'help', 'version', 'collector', 'spool-dir', 'output', 'a', '/tmp/f', ' ', '__proto__');
    const arg = fc.oneof(
      fc.array(piece, { maxLength: 4 }).map((pieces) => pieces.join('')),
      fc.constantFrom('--config', '--help', '-h', '-v', '-hv', '-o', '--', '-', 'check-config', '--collector=x:1', '--output='),
      fc.string({ maxLength: 8 }),
    );
    fc.assert(fc.property(fc.array(arg, { maxLength: 6 }), (args) => {
      expect(ours(args, OPTIONS)).toEqual(reference(args, OPTIONS));
    }), { numRuns: 20_000 });
  });

  it("gives the agent's flags and command", () => {
    expect(parseFlags(['check-config', '--config', 'a.yaml', '--spool-dir=/s', '-hv'])).toEqual({
      flags: { command: 'check-config', config: 'a.yaml', values: { spool_dir: '/s' }, help: true, version: true },
    });
    expect(parseFlags(['--token'])).toEqual({ errors: ["command line: Option '--token <value>' argument missing"] });
    expect(parseFlags(['--interval', '-5s'])).toEqual({ errors: ["command line: Option '--interval' argument is ambiguous."] });
  });
});
