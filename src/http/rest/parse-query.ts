/** The query string of a Data API request, split into select, per-level modifiers and the rest. */
import { emptyModifiers, type LevelModifiers, type SelectItem } from '../../rest/ast.js';
import { parseError } from '../../rest/errors.js';
import { parseCount, parseFilterKey, parseFilterValue, parseLogic, parseOrder } from './parse-filter.js';
import { parseSelect } from './parse-select.js';
import { Cursor } from './tokens.js';

export interface ParsedQuery {
  readonly select: SelectItem[];
  /** Whether the request named `select` (mutations return rows only when asked). */
  readonly hasSelect: boolean;
  readonly levels: Map<string, LevelModifiers>;
  readonly onConflict: string[] | undefined;
  readonly columns: string[] | undefined;
  /** GET/HEAD on a function: the parameters that are its arguments. */
  readonly args: Map<string, string>;
}

const MAX_PARAMS = 1000;

/** Name lists of `on_conflict` and `columns` (bare or "quoted", comma-separated). */
export function parseNameList(what: string, raw: string): string[] {
  const cursor = new Cursor(raw, what);
  const names = [cursor.name()];
  while (cursor.eat(',')) names.push(cursor.name());
  if (!cursor.done) throw cursor.fail('expecting "," or end of input');
  return names;
}

/** A value PostgREST would read as a filter: `[not.]op[(…)].…`. */
const filterLike = /^(not\.)?[a-z]+(\([A-Za-z0-9_]+\))?\./;

/**
 * `rawQuery` is the part of the URL after `?`. For a function called with GET, `argNames` are its
 * argument names: those parameters, and any other that is not filter-shaped, are arguments.
 */
export function parseQuery(rawQuery: string, argNames?: ReadonlySet<string>): ParsedQuery {
  const entries = [...new URLSearchParams(rawQuery)];
  if (entries.length > MAX_PARAMS) throw parseError('query string', `${entries.length} parameters`, `at most ${MAX_PARAMS} parameters`);
  let select: SelectItem[] = [{ kind: 'star' }];
  let hasSelect = false;
  let onConflict: string[] | undefined;
  let columns: string[] | undefined;
  const levels = new Map<string, LevelModifiers>();
  const args = new Map<string, string>();
  const level = (path: readonly string[]) => {
    const key = path.join('.');
    let found = levels.get(key);
    if (!found) levels.set(key, (found = emptyModifiers()));
    return found;
  };

  for (const [key, value] of entries) {
    if (key === 'select') {
      select = parseSelect(value);
      hasSelect = true;
      continue;
    }
    if (key === 'on_conflict') {
      onConflict = parseNameList('on_conflict', value);
      continue;
    }
    if (key === 'columns') {
      columns = parseNameList('columns', value);
      continue;
    }
    if (key === 'apikey') continue;
    if (argNames && (argNames.has(key) || (!filterLike.test(value) && !/(^|\.)(order|limit|offset|or|and)$/.test(key)))) {
      args.set(key, value);
      continue;
    }
    const { path, field } = parseFilterKey(key);
    const names = [...path, field.name];
    const last = names[names.length - 1];
    const plain = field.jsonPath.length === 0;
    if (plain && (last === 'order' || last === 'limit' || last === 'offset')) {
      const target = level(names.slice(0, -1));
      if (last === 'order') target.order = parseOrder(value);
      else if (last === 'limit') target.limit = parseCount('limit', value);
      else target.offset = parseCount('offset', value);
    } else if (plain && (last === 'or' || last === 'and')) {
      const negate = names.length > 1 && names[names.length - 2] === 'not';
      level(names.slice(0, negate ? -2 : -1)).conditions.push(parseLogic(last, negate, value));
    } else {
      level(path).conditions.push({ kind: 'filter', filter: parseFilterValue(field, value) });
    }
  }
  return { select, hasSelect, levels, onConflict, columns, args };
}
