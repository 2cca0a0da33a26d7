/**
 * The part of Go's html/template that GoTrue's mail templates use: `{{ .Field }}`, `{{ .Data.key }}`,
 * `{{ if … }}` / `{{ else if … }}` / `{{ else }}` / `{{ end }}` on fields with `eq`, `ne` and `not`,
 * comments and the `{{-` / `-}}` trim markers. Values are escaped for where they land in the HTML
 * (src/mail/html-context.ts). Anything else is refused when the template is compiled, naming the
 * construct, rather than being sent as written or evaluated with other rules than GoTrue's.
 */
import { afterAction, contextKey, escapeFor, escaperFor, readText, START, type Escaper, type HtmlContext } from './html-context.js';

export class TemplateSyntaxError extends Error {}

type Operand = { readonly kind: 'path'; readonly path: readonly string[] } | { readonly kind: 'literal'; readonly value: string | number | boolean };
type Condition =
  | { readonly op: 'value'; readonly operand: Operand }
  | { readonly op: 'not'; readonly operand: Operand }
  | { readonly op: 'eq' | 'ne'; readonly operands: readonly Operand[] };
type Node =
  | { readonly type: 'text'; readonly output: string }
  | { readonly type: 'action'; readonly operand: Operand; readonly escaper: Escaper }
  | { readonly type: 'if'; readonly branches: readonly { condition: Condition; body: Node[] }[]; readonly otherwise: Node[] };

export interface CompiledTemplate {
  render(data: Readonly<Record<string, unknown>>): string;
}

type Piece = { readonly kind: 'text'; text: string } | { readonly kind: 'action'; readonly source: string; readonly words: readonly string[] };

const shown = (source: string) => `{{ ${source.trim()} }}`;

/** Splits the source into text and actions, applying the trim markers. */
function lex(source: string): Piece[] {
  const pieces: Piece[] = [];
  let at = 0;
  while (at < source.length) {
    const open = source.indexOf('{{', at);
    if (open < 0) {
      pieces.push({ kind: 'text', text: source.slice(at) });
      break;
    }
    let text = source.slice(at, open);
    let start = open + 2;
    if (/^-[ \t\r\n]/.test(source.slice(start, start + 2))) {
      text = text.replace(/[ \t\r\n]+$/, '');
      start += 1;
    }
    pieces.push({ kind: 'text', text });
    const close = findClose(source, start);
    if (close < 0) throw new TemplateSyntaxError(`an action opened with {{ is never closed with }}`);
    let inner = source.slice(start, close);
    let next = close + 2;
    if (/[ \t\r\n]-$/.test(inner)) {
      inner = inner.slice(0, -1);
      const rest = source.slice(next);
      next += rest.length - rest.replace(/^[ \t\r\n]+/, '').length;
    }
    pieces.push({ kind: 'action', source: inner, words: tokenize(inner) });
    at = next;
  }
  return pieces;
}

/** The `}}` closing an action, skipping string literals and comments. */
function findClose(source: string, from: number): number {
  for (let i = from; i < source.length; i++) {
    const c = source[i];
    if (c === '"' || c === '`') {
      const end = c === '`' ? source.indexOf('`', i + 1) : endOfQuoted(source, i);
      if (end < 0) return -1;
      i = end;
    } else if (source.startsWith('/*', i)) {
      const end = source.indexOf('*/', i + 2);
      if (end < 0) return -1;
      i = end + 1;
    } else if (source.startsWith('}}', i)) return i;
  }
  return -1;
}

function endOfQuoted(source: string, open: number): number {
  for (let i = open + 1; i < source.length; i++) {
    if (source[i] === '\\') i++;
    else if (source[i] === '"') return i;
    else if (source[i] === '\n') return -1;
  }
  return -1;
}

const TOKEN = /\s*(\/\*[\s\S]*?\*\/|"(?:[^"\\\n]|\\.)*"|`[^`]*`|[^\s"`()|]+|[()|])/y;

function tokenize(inner: string): string[] {
  const words: string[] = [];
  let at = 0;
  TOKEN.lastIndex = 0;
  for (let match = TOKEN.exec(inner); match; match = TOKEN.exec(inner)) {
    words.push(match[1] as string);
    at = TOKEN.lastIndex;
  }
  if (inner.slice(at).trim() !== '') throw new TemplateSyntaxError(`cannot read the action ${shown(inner)}`);
  return words;
}

const FIELD_PATH = /^(\.[A-Za-z_][A-Za-z0-9_]*)+$/;

function operand(word: string, source: string): Operand {
  if (word === '.') return { kind: 'path', path: [] };
  if (FIELD_PATH.test(word)) return { kind: 'path', path: word.slice(1).split('.') };
  if (word.startsWith('"')) return { kind: 'literal', value: JSON.parse(word.replace(/\\'/g, "'")) as string };
  if (word.startsWith('`')) return { kind: 'literal', value: word.slice(1, -1) };
  if (word === 'true' || word === 'false') return { kind: 'literal', value: word === 'true' };
  if (/^-?\d+(\.\d+)?$/.test(word)) return { kind: 'literal', value: Number(word) };
  if (word === '|') throw new TemplateSyntaxError(`pipelines (|) are not supported: ${shown(source)}`);
  if (word === '(' || word === ')') throw new TemplateSyntaxError(`parenthesised expressions are not supported: ${shown(source)}`);
  if (word.startsWith('$')) throw new TemplateSyntaxError(`template variables (${word}) are not supported: ${shown(source)}`);
  throw new TemplateSyntaxError(`the function or keyword "${word}" is not supported: ${shown(source)}`);
}

function condition(words: readonly string[], source: string): Condition {
  const [head, ...rest] = words;
  if (head === undefined) throw new TemplateSyntaxError(`{{ if }} needs a condition`);
  if (head === 'eq' || head === 'ne') {
    if (rest.length < 2 || (head === 'ne' && rest.length !== 2)) throw new TemplateSyntaxError(`${head} needs ${head === 'eq' ? 'two or more' : 'two'} arguments: ${shown(source)}`);
    return { op: head, operands: rest.map((word) => operand(word, source)) };
  }
  if (head === 'not') {
    if (rest.length !== 1) throw new TemplateSyntaxError(`not needs one argument: ${shown(source)}`);
    return { op: 'not', operand: operand(rest[0] as string, source) };
  }
  // A function other than eq, ne or not (and, or, len…) is named by operand().
  const value = operand(head, source);
  if (rest.length > 0) throw new TemplateSyntaxError(`only a field, eq, ne or not may follow if: ${shown(source)}`);
  return { op: 'value', operand: value };
}

interface Frame {
  readonly node: { branches: { condition: Condition; body: Node[] }[]; otherwise: Node[] };
  /** The context the {{ if }} started in, and where each finished branch ended. */
  readonly start: HtmlContext;
  readonly ends: HtmlContext[];
  inElse: boolean;
}

/** Compiles `source`; throws TemplateSyntaxError naming the first construct outside the supported part. */
export function compileTemplate(source: string): CompiledTemplate {
  const root: Node[] = [];
  const stack: Frame[] = [];
  let body = root;
  let context: HtmlContext = START;

  const closeBranch = (frame: Frame) => {
    frame.ends.push(context);
    context = frame.start;
  };

  for (const piece of lex(source)) {
    if (piece.kind === 'text') {
      const read = readText(piece.text, context);
      context = read.context;
      if (read.output) body.push({ type: 'text', output: read.output });
      continue;
    }
    const [keyword, ...rest] = piece.words;
    if (keyword === undefined) throw new TemplateSyntaxError('an empty action {{ }}');
    if (keyword.startsWith('/*')) {
      if (rest.length > 0) throw new TemplateSyntaxError(`a comment must be alone in its action: ${shown(piece.source)}`);
      continue;
    }
    if (keyword === 'if') {
      const node = { type: 'if' as const, branches: [{ condition: condition(rest, piece.source), body: [] as Node[] }], otherwise: [] as Node[] };
      body.push(node);
      stack.push({ node, start: context, ends: [], inElse: false });
      body = node.branches[0]!.body;
    } else if (keyword === 'else') {
      const frame = stack.at(-1);
      if (!frame || frame.inElse) throw new TemplateSyntaxError(`{{ else }} without a matching {{ if }}`);
      closeBranch(frame);
      if (rest[0] === 'if') {
        const branch = { condition: condition(rest.slice(1), piece.source), body: [] as Node[] };
        frame.node.branches.push(branch);
        body = branch.body;
      } else if (rest.length === 0) {
        frame.inElse = true;
        body = frame.node.otherwise;
      } else throw new TemplateSyntaxError(`only {{ else }} or {{ else if … }} are supported: ${shown(piece.source)}`);
    } else if (keyword === 'end') {
      const frame = stack.pop();
      if (!frame || rest.length > 0) throw new TemplateSyntaxError(`{{ end }} without a matching {{ if }}`);
      closeBranch(frame);
      if (!frame.inElse) frame.ends.push(frame.start);
      if (new Set(frame.ends.map(contextKey)).size > 1) {
        throw new TemplateSyntaxError('the branches of an {{ if }} end in different places of the HTML (for example one leaves a tag or attribute open)');
      }
      context = frame.ends[0] as HtmlContext;
      const parent = stack.at(-1);
      body = parent ? currentBody(parent) : root;
    } else if (['range', 'with', 'define', 'template', 'block', 'break', 'continue', 'and', 'or', 'printf', 'print', 'println', 'html', 'js', 'urlquery', 'index', 'slice', 'len', 'call'].includes(keyword)) {
      throw new TemplateSyntaxError(`{{ ${keyword} }} is not supported: ${shown(piece.source)}`);
    } else {
      // Names the construct when the rest is one (a pipeline, a variable), else says what an action may hold.
      for (const word of piece.words) operand(word, piece.source);
      if (rest.length > 0) throw new TemplateSyntaxError(`an action may only write one field: ${shown(piece.source)}`);
      const value = operand(keyword, piece.source);
      const where = escaperFor(context);
      if ('refused' in where) throw new TemplateSyntaxError(`${shown(piece.source)} cannot be placed ${where.refused}`);
      body.push({ type: 'action', operand: value, escaper: where.escaper });
      context = afterAction(context);
    }
  }
  if (stack.length > 0) throw new TemplateSyntaxError('an {{ if }} is never closed with {{ end }}');
  return { render: (data) => renderNodes(root, data) };
}

const currentBody = (frame: Frame): Node[] => (frame.inElse ? frame.node.otherwise : (frame.node.branches.at(-1)?.body as Node[]));

function resolve(value: Operand, data: Readonly<Record<string, unknown>>): unknown {
  if (value.kind === 'literal') return value.value;
  let current: unknown = data;
  for (const key of value.path) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    current = Object.hasOwn(current, key) ? (current as Record<string, unknown>)[key] : undefined;
  }
  return current;
}

/** Go's truth: false, 0, nil and empty strings, slices and maps are false. */
function truthy(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

function holds(test: Condition, data: Readonly<Record<string, unknown>>): boolean {
  if (test.op === 'value') return truthy(resolve(test.operand, data));
  if (test.op === 'not') return !truthy(resolve(test.operand, data));
  const [first, ...others] = test.operands.map((item) => resolve(item, data));
  const equal = others.some((other) => first === other);
  return test.op === 'eq' ? equal : !equal;
}

/** How Go's fmt prints a JSON value: html/template writes nothing for a missing one. */
function goString(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(goString).join(' ')}]`;
  if (typeof value === 'object') {
    const entries = Object.keys(value).sort().map((key) => `${key}:${goString((value as Record<string, unknown>)[key])}`);
    return `map[${entries.join(' ')}]`;
  }
  return '';
}

function renderNodes(nodes: readonly Node[], data: Readonly<Record<string, unknown>>): string {
  let out = '';
  for (const node of nodes) {
    if (node.type === 'text') out += node.output;
    else if (node.type === 'action') out += escapeFor(node.escaper, goString(resolve(node.operand, data)));
    else {
      const branch = node.branches.find((candidate) => holds(candidate.condition, data));
      out += renderNodes(branch ? branch.body : node.otherwise, data);
    }
  }
  return out;
}
