// Zod issues as text for people: "limit: must be at least 1, got 0" rather than the validator's
// "Too small: expected number to be >=1". Messages a schema wrote itself are kept as they are.
import { z } from 'zod';

type Issue = z.core.$ZodIssue & { input?: unknown; received?: string };

/** Zod's own English messages start like this; anything else was written by a schema. */
const DEFAULT_MESSAGE = /^(Invalid (input|option|string|number|key|element|ISO|date|UUID|URL|email)|Too (small|big)|Unrecognized key)/;

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object',
  bigint: 'an integer',
  date: 'a date',
};

function shown(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return JSON.stringify(value) ?? String(value);
}

const got = (issue: Issue) => (issue.input === undefined ? '' : `, got ${shown(issue.input)}`);

function bound(issue: Extract<Issue, { code: 'too_small' | 'too_big' }>): string {
  const small = issue.code === 'too_small';
  const limit = Number(issue.code === 'too_small' ? issue.minimum : issue.maximum);
  const inclusive = issue.inclusive !== false;
  switch (issue.origin) {
    case 'string':
      if (small && limit === 1) return 'must not be empty';
      return `must be ${small ? 'at least' : 'at most'} ${limit} characters long`;
    case 'array':
    case 'set':
      if (small && limit === 1) return 'must list at least one item';
      return `must have ${small ? 'at least' : 'at most'} ${limit} items`;
    default:
      return `must be ${inclusive ? (small ? 'at least' : 'at most') : small ? 'greater than' : 'less than'} ${limit}${got(issue)}`;
  }
}

/** The schema of the field at `path` inside `root` (through objects, optionals, defaults, pipes). */
function fieldSchema(root: z.ZodType | undefined, path: ReadonlyArray<PropertyKey>): z.ZodType | undefined {
  let schema: z.core.$ZodType | undefined = root;
  const unwrap = () => {
    for (let guard = 0; schema && guard < 10; guard++) {
      const def = schema._zod.def as { type: string; innerType?: z.core.$ZodType; in?: z.core.$ZodType };
      if (def.innerType) schema = def.innerType;
      else if (def.type === 'pipe' && def.in) schema = def.in;
      else break;
    }
  };
  for (const key of path) {
    unwrap();
    const def = schema?._zod.def as { type?: string; shape?: Record<string, z.core.$ZodType> } | undefined;
    schema = def?.type === 'object' ? def.shape?.[String(key)] : undefined;
  }
  return schema as z.ZodType | undefined;
}

/** The first example a field's schema declares (`.meta({ examples: [...] })`), as written in a URL or body. */
export function exampleOf(root: z.ZodType | undefined, path: ReadonlyArray<PropertyKey>): string | undefined {
  const schema = fieldSchema(root, path);
  const examples = schema ? (z.globalRegistry.get(schema)?.examples as unknown[] | undefined) : undefined;
  const first = Array.isArray(examples) ? examples[0] : undefined;
  return first === undefined ? undefined : typeof first === 'string' ? first : JSON.stringify(first);
}

/** One issue's text without its path: the schema's own message, or a sentence for the common cases. */
export function issueText(issue: Issue, example?: string): string {
  if (issue.code === 'invalid_type' && issue.input === undefined && issue.received !== 'NaN' && example !== undefined) return `required, for example ${example}`;
  if (!DEFAULT_MESSAGE.test(issue.message)) return issue.message;
  switch (issue.code) {
    case 'invalid_type': {
      const expected = TYPE_NAMES[issue.expected] ?? issue.expected;
      if (issue.received === 'NaN') return `must be ${expected}`; // a coerced value: the original text is gone
      if (issue.input === undefined) return `required (${expected})`;
      return `must be ${expected}, got ${shown(issue.input)}`;
    }
    case 'invalid_value':
      return issue.values.length === 1 ? `must be ${shown(issue.values[0])}${got(issue)}` : `must be one of ${issue.values.map(String).join(', ')}${got(issue)}`;
    case 'too_small':
    case 'too_big':
      return bound(issue);
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length === 1 ? '' : 's'} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
    case 'invalid_format':
      return `must be a valid ${issue.format === 'datetime' ? 'ISO 8601 timestamp like 2026-11-03T10:00:00Z' : issue.format}${got(issue)}`;
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}${got(issue)}`;
    case 'invalid_union':
      return `does not match any accepted form${got(issue)}`;
    default:
      return issue.message;
  }
}

function pathOf(path: ReadonlyArray<PropertyKey>): string {
  return path.length ? path.map(String).join('.') : '(body)';
}

/** "field: text" for each issue; `prefix` goes before the path (the CLI uses "--"). */
export function describeInputIssues(error: z.ZodError, schema?: z.ZodType, prefix = ''): string[] {
  return error.issues.map((issue) => `${prefix}${pathOf(issue.path)}: ${issueText(issue as Issue, exampleOf(schema, issue.path))}`);
}
