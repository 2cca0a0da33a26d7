/** Filters (`col=op.value`), logic trees (`or=(…)`, `and=(…)`, `not.`) and `order=` terms. */
import { operators, quantifiable, type Condition, type Filter, type FieldRef, type FilterValue, type Operator, type OrderTerm } from '../../rest/ast.js';
import { parseError } from '../../rest/errors.js';
import { Cursor, parseList, splitTopLevel, unquote } from './tokens.js';

const operatorSet = new Set<string>(operators);
const ftsOperators = new Set<string>(['fts', 'plfts', 'phfts', 'wfts']);
const rangeAndArrayOperators = new Set<string>(['cs', 'cd', 'ov', 'sl', 'sr', 'nxr', 'nxl', 'adj']);
const isValues = new Set(['null', 'not_null', 'true', 'false', 'unknown']);
const MAX_LOGIC_DEPTH = 16;

const filterError = (raw: string, details: string) => parseError('filter', raw, details);

/** `[not.]op[(any|all)|(config)].value` → operator and value. `inLogic`: values may be "quoted". */
export function parseFilterValue(field: FieldRef, raw: string, inLogic = false): Filter {
  let rest = raw;
  let negate = false;
  if (rest.startsWith('not.')) {
    negate = true;
    rest = rest.slice(4);
  }
  const match = /^([a-z]+)(?:\(([A-Za-z0-9_]+)\))?\./.exec(rest);
  if (!match) {
    throw filterError(raw, `expecting an operator and a value, such as eq.1 (operators: ${operators.join(', ')})`);
  }
  const [, opName, modifier] = match;
  if (!operatorSet.has(opName)) throw filterError(raw, `unknown operator "${opName}" (operators: ${operators.join(', ')})`);
  const op = opName as Operator;
  const text = rest.slice(match[0].length);
  let value: FilterValue;
  if (modifier !== undefined && !ftsOperators.has(op)) {
    if (!quantifiable.has(op) || (modifier !== 'any' && modifier !== 'all')) {
      throw filterError(raw, `"${op}(${modifier})" is not an operator; (any) and (all) go with eq, neq, gt, gte, lt, lte, like, ilike, match, imatch`);
    }
    const inner = /^\{(.*)\}$/s.exec(text) ?? /^\((.*)\)$/s.exec(text);
    if (!inner) throw filterError(raw, `expecting a list such as {a,b} after ${op}(${modifier})`);
    value = { kind: 'list', items: parseList(inner[1], 'filter'), quantifier: modifier };
  } else if (op === 'in') {
    const inner = /^\((.*)\)$/s.exec(text);
    if (!inner) throw filterError(raw, 'expecting a list such as (1,2,3) after in.');
    value = { kind: 'list', items: parseList(inner[1], 'filter') };
  } else if (op === 'is') {
    const word = text.toLowerCase();
    if (!isValues.has(word)) throw filterError(raw, 'is. takes null, not_null, true, false or unknown');
    value = { kind: 'is', value: word as 'null' };
  } else if (ftsOperators.has(op)) {
    value = { kind: 'fts', config: modifier, text: inLogic ? unquote(text) : text };
  } else {
    value = { kind: 'scalar', text: inLogic && !rangeAndArrayOperators.has(op) ? unquote(text) : text };
  }
  return { field, negate, op, value };
}

/** A query-string key: `[embed.path.]column[->json…]`. */
export function parseFilterKey(key: string): { path: string[]; field: FieldRef } {
  const cursor = new Cursor(key, 'filter');
  const names = [cursor.name()];
  while (cursor.eat('.')) names.push(cursor.name());
  const jsonPath = cursor.jsonPath();
  if (!cursor.done) throw cursor.fail('expecting "." or "->" or end of the key');
  return { path: names.slice(0, -1), field: { name: names[names.length - 1], jsonPath } };
}

/** The value of `or=`/`and=`: `(a.eq.1,or(b.gt.2,c.is.null))`. */
export function parseLogic(kind: 'and' | 'or', negate: boolean, raw: string, depth = 0): Condition {
  const inner = /^\((.*)\)$/s.exec(raw);
  if (!inner) throw parseError('logic tree', raw, `expecting ${kind}=(…) with parenthesised, comma-separated conditions`);
  if (depth > MAX_LOGIC_DEPTH) throw parseError('logic tree', raw, `nesting deeper than ${MAX_LOGIC_DEPTH}`);
  if (inner[1].trim() === '') throw parseError('logic tree', raw, 'expecting at least one condition');
  const children = splitTopLevel(inner[1], 'logic tree').map((part): Condition => {
    const nested = /^(not\.)?(and|or)(\(.*\))$/s.exec(part);
    if (nested) return parseLogic(nested[2] as 'and' | 'or', nested[1] !== undefined, nested[3], depth + 1);
    const cursor = new Cursor(part, 'logic tree');
    const field = cursor.field();
    if (!cursor.eat('.')) throw cursor.fail('expecting ".operator.value" after the column');
    return { kind: 'filter', filter: parseFilterValue(field, part.slice(cursor.pos), true) };
  });
  return { kind, negate, children };
}

/** `order=a.desc.nullslast,b,author(name).asc`. */
export function parseOrder(raw: string): OrderTerm[] {
  if (raw.trim() === '') throw parseError('order', raw, 'expecting at least one column');
  return splitTopLevel(raw, 'order').map((part) => {
    const cursor = new Cursor(part, 'order');
    let relation: string | undefined;
    let field: FieldRef = cursor.field();
    if (cursor.eat('(')) {
      if (field.jsonPath.length) throw cursor.fail('expecting a relation name before "("');
      relation = field.name;
      field = cursor.field();
      cursor.expect(')');
    }
    let direction: 'asc' | 'desc' | undefined;
    let nulls: 'first' | 'last' | undefined;
    while (cursor.eat('.')) {
      const word = cursor.name('expecting asc, desc, nullsfirst or nullslast');
      if ((word === 'asc' || word === 'desc') && direction === undefined) direction = word;
      else if ((word === 'nullsfirst' || word === 'nullslast') && nulls === undefined) nulls = word === 'nullsfirst' ? 'first' : 'last';
      else throw parseError('order', raw, `unexpected "${word}", expecting asc, desc, nullsfirst or nullslast`);
    }
    if (!cursor.done) throw cursor.fail('expecting "," or end of input');
    return { field, relation, direction, nulls };
  });
}

/** `limit`/`offset`: a non-negative integer. A huge limit means "all" (the max-rows cap still applies). */
export function parseCount(name: 'limit' | 'offset', raw: string): number {
  if (!/^\d+$/.test(raw)) throw parseError(name, raw, `${name} must be a non-negative integer`);
  const value = Number(raw);
  if (Number.isSafeInteger(value)) return value;
  if (name === 'limit') return Number.MAX_SAFE_INTEGER;
  throw parseError(name, raw, `${name} is too large`);
}
