/** `select=` as PostgREST reads it: columns, aliases, casts, JSON paths, aggregates, embeds, spreads. */
import type { AggregateName, SelectItem } from '../../rest/ast.js';
import { Cursor } from './tokens.js';

const aggregates = new Set<AggregateName>(['count', 'sum', 'avg', 'min', 'max']);
const MAX_DEPTH = 16;

function castName(cursor: Cursor): string {
  const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(cursor.text.slice(cursor.pos));
  if (!match) throw cursor.fail('expecting a type name after "::"');
  cursor.pos += match[0].length;
  return match[0];
}

function item(cursor: Cursor, depth: number): SelectItem {
  if (cursor.eat('...')) {
    const embed = item(cursor, depth);
    if (embed.kind !== 'embed' || embed.alias !== undefined) throw cursor.fail('expecting a resource to spread, without alias');
    return { ...embed, spread: true };
  }
  if (cursor.eat('*')) return { kind: 'star' };
  let name = cursor.name();
  let alias: string | undefined;
  if (cursor.peek() === ':' && cursor.peek(2) !== '::') {
    cursor.pos++;
    alias = name;
    name = cursor.name();
  }
  if (cursor.startsWith('!') || cursor.startsWith('(')) {
    if (name === 'count' && cursor.eat('()')) {
      const cast = cursor.eat('::') ? castName(cursor) : undefined;
      return { kind: 'count', alias, cast };
    }
    let hint: string | undefined;
    let joinType: 'inner' | 'left' | undefined;
    while (cursor.eat('!')) {
      const word = cursor.name('expecting a hint or inner/left after "!"');
      if (word === 'inner' || word === 'left') joinType = word;
      else if (hint === undefined) hint = word;
      else throw cursor.fail('expecting only one hint');
    }
    cursor.expect('(');
    if (depth >= MAX_DEPTH) throw cursor.fail(`embedding at most ${MAX_DEPTH} levels deep`);
    const select = cursor.startsWith(')') ? [] : list(cursor, depth + 1);
    cursor.expect(')');
    return { kind: 'embed', target: name, alias, hint, joinType, spread: false, select };
  }
  const field = { name, jsonPath: cursor.jsonPath() };
  let cast = cursor.eat('::') ? castName(cursor) : undefined;
  let aggregate: AggregateName | undefined;
  let aggregateCast: string | undefined;
  if (cursor.eat('.')) {
    const fn = cursor.name('expecting an aggregate function (sum, avg, min, max, count)');
    if (!aggregates.has(fn as AggregateName)) throw cursor.fail('expecting an aggregate function (sum, avg, min, max, count)');
    cursor.expect('()');
    aggregate = fn as AggregateName;
    if (cursor.eat('::')) aggregateCast = castName(cursor);
  } else if (cast === undefined && cursor.eat('::')) {
    cast = castName(cursor);
  }
  return { kind: 'field', field, alias, cast, aggregate, aggregateCast };
}

function list(cursor: Cursor, depth: number): SelectItem[] {
  const items = [item(cursor, depth)];
  while (cursor.eat(',')) items.push(item(cursor, depth));
  return items;
}

/** The whole `select` value; empty means `*`. */
export function parseSelect(text: string): SelectItem[] {
  if (text.trim() === '') return [{ kind: 'star' }];
  // supabase-js removes unquoted whitespace; a hand-written URL may still have it.
  const cursor = new Cursor(stripSpaces(text), 'select');
  const items = list(cursor, 0);
  if (!cursor.done) throw cursor.fail('expecting "," or end of input');
  return items;
}

function stripSpaces(text: string): string {
  let quoted = false;
  let out = '';
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    if (!quoted && /\s/.test(ch)) continue;
    out += ch;
  }
  return out;
}
