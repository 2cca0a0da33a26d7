/**
 * A cursor over one query-string value with PostgREST's lexical rules: names (bare or "quoted"),
 * JSON paths (`->key`, `->>key`, `->0`) and lists. Parse failures become PGRST100.
 */
import type { FieldRef, JsonStep } from '../../rest/ast.js';
import { parseError } from '../../rest/errors.js';

/** Characters that end a bare name. `-` ends one only when `->` follows. */
const stops = new Set([',', '.', ':', '(', ')', '!', '"', '{', '}']);

export class Cursor {
  pos = 0;
  constructor(
    readonly text: string,
    readonly what: string,
  ) {}

  get done(): boolean {
    return this.pos >= this.text.length;
  }

  peek(length = 1): string {
    return this.text.slice(this.pos, this.pos + length);
  }

  startsWith(token: string): boolean {
    return this.text.startsWith(token, this.pos);
  }

  eat(token: string): boolean {
    if (!this.startsWith(token)) return false;
    this.pos += token.length;
    return true;
  }

  expect(token: string): void {
    if (!this.eat(token)) throw this.fail(`expected "${token}"`);
  }

  fail(expectation: string): Error {
    const found = this.done ? 'end of input' : `"${this.peek()}"`;
    return parseError(`${this.what} parameter`, this.text, `unexpected ${found} at position ${this.pos + 1}, ${expectation}`);
  }

  /** A bare or double-quoted name; throws when there is none. */
  name(expectation = 'expecting a name'): string {
    if (this.eat('"')) {
      let out = '';
      while (!this.done && this.peek() !== '"') {
        if (this.peek() === '\\' && this.pos + 1 < this.text.length) this.pos++;
        out += this.text[this.pos++];
      }
      this.expect('"');
      if (out === '') throw this.fail('expecting a non-empty quoted name');
      return out;
    }
    const start = this.pos;
    while (!this.done) {
      const ch = this.text[this.pos];
      if (stops.has(ch) || /\s/.test(ch)) break;
      if (ch === '-' && this.text[this.pos + 1] === '>') break;
      this.pos++;
    }
    if (this.pos === start) throw this.fail(expectation);
    return this.text.slice(start, this.pos);
  }

  /** `->key` / `->>key` steps after a column name. */
  jsonPath(): JsonStep[] {
    const steps: JsonStep[] = [];
    for (;;) {
      let arrow: '->' | '->>';
      if (this.eat('->>')) arrow = '->>';
      else if (this.eat('->')) arrow = '->';
      else return steps;
      const negative = this.eat('-');
      const key = this.name('expecting a JSON key after the arrow');
      const index = /^\d+$/.test(key);
      if (negative && !index) throw this.fail('expecting an array index after "-"');
      steps.push({ arrow, key: negative ? `-${key}` : key, index });
    }
  }

  field(): FieldRef {
    const name = this.name();
    return { name, jsonPath: this.jsonPath() };
  }
}

/** Splits `text` at top-level commas, keeping quoted strings and (), {} groups whole. */
export function splitTopLevel(text: string, what: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '\\') i++;
      else if (ch === '"') quoted = false;
      continue;
    }
    if (ch === '"') quoted = true;
    else if (ch === '(' || ch === '{') depth++;
    else if (ch === ')' || ch === '}') {
      depth--;
      if (depth < 0) throw parseError(`${what} parameter`, text, `unbalanced "${ch}" at position ${i + 1}`);
    } else if (ch === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  if (quoted || depth !== 0) throw parseError(`${what} parameter`, text, 'unbalanced quotes or parentheses');
  parts.push(text.slice(start));
  return parts;
}

/** Items of `a,"b,c",d` (quotes removed, backslash escapes honoured). */
export function parseList(text: string, what: string): string[] {
  if (text.trim() === '') return [];
  return splitTopLevel(text, what).map((item) => unquote(item));
}

export function unquote(item: string): string {
  if (item.length >= 2 && item.startsWith('"') && item.endsWith('"')) {
    return item.slice(1, -1).replace(/\\(.)/g, '$1');
  }
  return item;
}
