// A small renderer for the subset of Go templates and Sprig functions the Vigil charts use, so the
// chart specs can render manifests without a helm binary (none is installable here). It is not Helm:
// it implements exactly the actions and functions listed below, and throws on anything else, so a
// template using something new fails the spec instead of rendering wrongly.
//
// Actions: text, {{- / -}} trimming, comments, define, include, if / else if / else, with / else,
// $var := and $var =, pipelines with parentheses. Functions: and or not eq lt len default empty
// required fail include nindent indent toYaml quote printf trunc trimSuffix replace contains dict set
// deepCopy ternary sha256sum int toString.
import { createHash } from 'node:crypto';
import { stringify } from 'yaml';

type Value = unknown;

interface Scope {
  dot: Value;
  root: Value;
  vars: Map<string, Value>;
}

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'output'; pipe: string }
  | { kind: 'assign'; name: string; pipe: string; declare: boolean }
  | { kind: 'if'; branches: { pipe: string | null; body: Node[] }[] }
  | { kind: 'with'; pipe: string; body: Node[]; otherwise: Node[] };

interface Token {
  kind: 'text' | 'action';
  text: string;
}

/** Splits a template into text and actions, applying {{- and -}} trimming and dropping comments. */
function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const open = source.indexOf('{{', i);
    if (open < 0) {
      tokens.push({ kind: 'text', text: source.slice(i) });
      break;
    }
    let text = source.slice(i, open);
    const trimLeft = source[open + 2] === '-' && /\s/.test(source[open + 3] ?? '');
    if (trimLeft) text = text.replace(/\s+$/, '');
    tokens.push({ kind: 'text', text });
    const close = source.indexOf('}}', open);
    if (close < 0) throw new Error('unclosed action');
    const trimRight = source[close - 1] === '-' && /\s/.test(source[close - 2] ?? '');
    const body = source.slice(open + 2 + (trimLeft ? 1 : 0), close - (trimRight ? 1 : 0)).trim();
    if (!body.startsWith('/*')) tokens.push({ kind: 'action', text: body });
    i = close + 2;
    if (trimRight) while (i < source.length && /\s/.test(source[i]!)) i++;
  }
  return tokens.filter((t) => t.kind === 'action' || t.text !== '');
}

/** Parses tokens into a tree; `defines` collects {{ define }} blocks. */
function parse(tokens: Token[], defines: Map<string, Node[]>): Node[] {
  let pos = 0;
  const block = (terminators: RegExp): { nodes: Node[]; end: string } => {
    const nodes: Node[] = [];
    while (pos < tokens.length) {
      const token = tokens[pos++]!;
      if (token.kind === 'text') {
        nodes.push({ kind: 'text', text: token.text });
        continue;
      }
      const action = token.text;
      if (terminators.test(action)) return { nodes, end: action };
      let m: RegExpExecArray | null;
      if ((m = /^define\s+"([^"]+)"$/.exec(action))) {
        defines.set(m[1]!, block(/^end$/).nodes);
      } else if ((m = /^if\s+([\s\S]+)$/.exec(action))) {
        const branches: { pipe: string | null; body: Node[] }[] = [];
        let pipe: string | null = m[1]!;
        for (;;) {
          const part = block(/^(else(\s+if\s+[\s\S]+)?|end)$/);
          branches.push({ pipe, body: part.nodes });
          if (part.end === 'end') break;
          const elseIf = /^else\s+if\s+([\s\S]+)$/.exec(part.end);
          pipe = elseIf ? elseIf[1]! : null;
          if (!elseIf) {
            branches.push({ pipe: null, body: block(/^end$/).nodes });
            break;
          }
        }
        nodes.push({ kind: 'if', branches });
      } else if ((m = /^with\s+([\s\S]+)$/.exec(action))) {
        const body = block(/^(else|end)$/);
        nodes.push({ kind: 'with', pipe: m[1]!, body: body.nodes, otherwise: body.end === 'else' ? block(/^end$/).nodes : [] });
      } else if ((m = /^(\$\w+)\s*(:?=)\s*([\s\S]+)$/.exec(action))) {
        nodes.push({ kind: 'assign', name: m[1]!, declare: m[2] === ':=', pipe: m[3]! });
      } else if (/^(range|template|block|else|end)\b/.test(action)) {
        throw new Error(`unsupported or unbalanced action {{ ${action} }}`);
      } else {
        nodes.push({ kind: 'output', pipe: action });
      }
    }
    if (terminators.source !== '$^') throw new Error(`missing {{ end }} (expected ${terminators})`);
    return { nodes, end: '' };
  };
  return block(/$^/).nodes;
}

const isMap = (v: Value): v is Record<string, Value> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Go template truthiness: false, 0, nil and empty strings, lists and maps are false. */
export function truthy(v: Value): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isMap(v)) return Object.keys(v).length > 0;
  return true;
}

/** Splits a pipeline or argument list at top level (outside strings and parentheses). */
function splitTop(text: string, separator: RegExp): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"' || c === '`') {
      const end = c === '"' ? findStringEnd(text, i) : text.indexOf('`', i + 1);
      current += text.slice(i, end + 1);
      i = end;
      continue;
    }
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (depth === 0 && separator.test(c)) {
      if (current.trim() !== '') parts.push(current.trim());
      current = '';
      continue;
    }
    current += c;
  }
  if (current.trim() !== '') parts.push(current.trim());
  return parts;
}

function findStringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  throw new Error(`unterminated string in ${text}`);
}

function sprintf(format: string, args: Value[]): string {
  let n = 0;
  return format.replace(/%([sdvq%])/g, (_, verb: string) => {
    if (verb === '%') return '%';
    const arg = args[n++];
    if (verb === 'd') return String(Math.trunc(Number(arg)));
    if (verb === 'q') return JSON.stringify(String(arg));
    return printValue(arg);
  });
}

/** How Go prints a value into template output (missing values print nothing, as Helm renders them). */
function printValue(v: Value): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new Error(`cannot print a ${Array.isArray(v) ? 'list' : 'map'} directly (use toYaml)`);
}

/** sigs.k8s.io/yaml-like: sorted keys, no trailing newline. */
function toYaml(v: Value): string {
  if (v === undefined || v === null) return 'null';
  return stringify(v, { sortMapEntries: true, lineWidth: 0 }).replace(/\n$/, '');
}

const indent = (n: number, s: string) => s.split('\n').map((line) => ' '.repeat(n) + line).join('\n');

export class TemplateError extends Error {}

export class Renderer {
  private readonly defines = new Map<string, Node[]>();
  private readonly files = new Map<string, Node[]>();

  /** `templates`: file name -> source; every file's defines are visible to every file. */
  constructor(templates: Map<string, string>) {
    for (const [file, source] of templates) {
      try {
        this.files.set(file, parse(tokenize(source), this.defines));
      } catch (error) {
        throw new Error(`${file}: ${(error as Error).message}`);
      }
    }
  }

  render(file: string, data: Value): string {
    const nodes = this.files.get(file);
    if (!nodes) throw new Error(`no template ${file}`);
    return this.run(nodes, { dot: data, root: data, vars: new Map([['$', data]]) });
  }

  private run(nodes: Node[], scope: Scope): string {
    let out = '';
    for (const node of nodes) {
      switch (node.kind) {
        case 'text':
          out += node.text;
          break;
        case 'output':
          out += printValue(this.pipe(node.pipe, scope));
          break;
        case 'assign':
          scope.vars.set(node.name, this.pipe(node.pipe, scope));
          break;
        case 'if': {
          const branch = node.branches.find((b) => b.pipe === null || truthy(this.pipe(b.pipe, scope)));
          if (branch) out += this.run(branch.body, { ...scope, vars: new Map(scope.vars) });
          break;
        }
        case 'with': {
          const value = this.pipe(node.pipe, scope);
          out += truthy(value) ? this.run(node.body, { ...scope, dot: value, vars: new Map(scope.vars) }) : this.run(node.otherwise, { ...scope, vars: new Map(scope.vars) });
          break;
        }
      }
    }
    return out;
  }

  private pipe(text: string, scope: Scope): Value {
    let result: Value;
    let first = true;
    for (const command of splitTop(text, /\|/)) {
      const words = splitTop(command, /\s/);
      const args = first ? [] : [result];
      result = this.command(words, args, scope);
      first = false;
    }
    return result;
  }

  /** One command: a function call with its arguments (plus the piped value last), or a single operand. */
  private command(words: string[], piped: Value[], scope: Scope): Value {
    const [head, ...rest] = words;
    if (head === undefined) throw new Error('empty command');
    if (/^[a-zA-Z]\w*$/.test(head) && !['true', 'false', 'nil'].includes(head)) {
      return this.call(head, [...rest.map((w) => this.operand(w, scope)), ...piped], scope);
    }
    if (rest.length > 0 || piped.length > 0) throw new Error(`cannot call ${head}`);
    return this.operand(head, scope);
  }

  private operand(word: string, scope: Scope): Value {
    if (word.startsWith('(') && word.endsWith(')')) return this.pipe(word.slice(1, -1), scope);
    if (word.startsWith('"')) return JSON.parse(word) as string;
    if (word === 'true' || word === 'false') return word === 'true';
    if (word === 'nil') return null;
    if (/^-?\d+(\.\d+)?$/.test(word)) return Number(word);
    const m = /^(\$\w*|)(\.[\w.]*)?$/.exec(word);
    if (!m) throw new Error(`unsupported operand ${word}`);
    let value: Value;
    if (m[1]) {
      if (!scope.vars.has(m[1])) throw new Error(`undefined variable ${m[1]}`);
      value = scope.vars.get(m[1]);
    } else {
      value = scope.dot;
    }
    const path = (m[2] ?? '').split('.').filter(Boolean);
    for (const [i, key] of path.entries()) {
      if (!isMap(value)) {
        if (value === undefined || value === null) throw new Error(`nil pointer evaluating ${word} at .${path.slice(0, i + 1).join('.')}`);
        throw new Error(`${word}: cannot read .${key} of a non-map`);
      }
      value = value[key];
    }
    return value;
  }

  private call(name: string, args: Value[], scope: Scope): Value {
    const str = (v: Value) => printValue(v);
    switch (name) {
      case 'and':
        return args.find((a) => !truthy(a)) ?? args.at(-1);
      case 'or':
        return args.find((a) => truthy(a)) ?? args.at(-1);
      case 'not':
        return !truthy(args[0]);
      case 'eq':
        return args.slice(1).some((a) => a === args[0]);
      case 'lt':
        return (args[0] as number) < (args[1] as number);
      case 'len':
        return Array.isArray(args[0]) || typeof args[0] === 'string' ? args[0].length : isMap(args[0]) ? Object.keys(args[0]).length : 0;
      case 'default':
        return truthy(args[1]) ? args[1] : args[0];
      case 'empty':
        return !truthy(args[0]);
      case 'required':
        if (!truthy(args[1])) throw new TemplateError(String(args[0]));
        return args[1];
      case 'fail':
        throw new TemplateError(String(args[0]));
      case 'include': {
        const body = this.defines.get(String(args[0]));
        if (!body) throw new Error(`include of undefined template ${String(args[0])}`);
        return this.run(body, { dot: args[1], root: scope.root, vars: new Map([['$', args[1]]]) });
      }
      case 'nindent':
        return `\n${indent(Number(args[0]), str(args[1]))}`;
      case 'indent':
        return indent(Number(args[0]), str(args[1]));
      case 'toYaml':
        return toYaml(args[0]);
      case 'quote':
        return JSON.stringify(str(args[0]));
      case 'printf':
        return sprintf(String(args[0]), args.slice(1));
      case 'trunc':
        return str(args[1]).slice(0, Number(args[0]));
      case 'trimSuffix':
        return str(args[1]).endsWith(String(args[0])) ? str(args[1]).slice(0, -String(args[0]).length || undefined) : str(args[1]);
      case 'replace':
        return str(args[2]).split(String(args[0])).join(String(args[1]));
      case 'contains':
        return str(args[1]).includes(String(args[0]));
      case 'dict': {
        const out: Record<string, Value> = {};
        for (let i = 0; i < args.length; i += 2) out[String(args[i])] = args[i + 1];
        return out;
      }
      case 'set':
        (args[0] as Record<string, Value>)[String(args[1])] = args[2];
        return args[0];
      case 'deepCopy':
        return structuredClone(args[0]);
      case 'ternary':
        return truthy(args[2]) ? args[0] : args[1];
      case 'sha256sum':
        return createHash('sha256').update(str(args[0])).digest('hex');
      case 'int':
        return Math.trunc(Number(args[0]));
      case 'toString':
        return str(args[0]);
      case 'join':
        // Sprig: a single value joins as itself.
        return (Array.isArray(args[1]) ? args[1] : [args[1]]).map(str).join(String(args[0]));
      default:
        throw new Error(`unsupported function ${name}`);
    }
  }
}
