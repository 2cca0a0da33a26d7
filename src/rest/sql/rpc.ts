/**
 * `rpc/<function>`: which overload the given argument names select, and the call. Arguments travel as
 * one JSON object parameter, typed by json_to_record with the function's own argument types, then
 * passed by name — as PostgREST does.
 */
import { RestError } from '../errors.js';
import { quoteIdent, qualified } from '../ident.js';
import { relationKey, type FunctionInfo, type SchemaSnapshot, type TableInfo } from '../schema-cache.js';
import type { ExprContext } from './expr.js';

const isJsonType = (type: string) => type === 'json' || type === 'jsonb';

/** A function taking the whole body as its one unnamed json/jsonb argument. */
export const takesSingleJson = (fn: FunctionInfo) => fn.args.length === 1 && fn.args[0].name === '' && isJsonType(fn.args[0].type);

export function findFunction(snapshot: SchemaSnapshot, schema: string, name: string, keys: readonly string[], hasBody: boolean): FunctionInfo {
  const overloads = snapshot.functions.get(relationKey(schema, name)) ?? [];
  const matches = overloads.filter((fn) => {
    if (takesSingleJson(fn)) return hasBody;
    const named = new Set(fn.args.map((arg) => arg.name));
    return keys.every((key) => named.has(key)) && fn.args.every((arg) => arg.hasDefault || keys.includes(arg.name));
  });
  // An exact-arguments overload wins over the single-json one.
  const exact = matches.filter((fn) => !takesSingleJson(fn));
  const chosen = exact.length ? exact : matches;
  const signature = `${schema}.${name}${keys.length ? `(${[...keys].sort().join(', ')})` : ''}`;
  if (chosen.length === 0) {
    throw new RestError(404, 'PGRST202', `Could not find the function ${signature}${keys.length ? '' : ' without parameters'} in the schema cache`, {
      details: `Searched for the function ${schema}.${name}${keys.length ? ` with parameters ${[...keys].sort().join(', ')}` : ' without parameters'} or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache.`,
      schemaMiss: true,
    });
  }
  if (chosen.length > 1) {
    throw new RestError(300, 'PGRST203', `Could not choose the best candidate function between: ${chosen
      .map((fn) => `${fn.schema}.${fn.name}(${fn.args.map((arg) => `${arg.name} => ${arg.type}`).join(', ')})`)
      .join(', ')}`, { hint: 'Try renaming the parameters or the function itself in the database so function overloading can be resolved' });
  }
  return chosen[0];
}

/**
 * The FROM items of a call: `json_to_record($1) as "pgrst_args"(…) cross join lateral fn(…) as "pgrst_f"`.
 * `args` is the JSON object text of the arguments (the body, or the GET parameters).
 */
export function callFrom(ctx: ExprContext, fn: FunctionInfo, args: string, keys: readonly string[], scalarColumn: string | undefined): string {
  const target = qualified(fn.schema, fn.name);
  const alias = scalarColumn === undefined ? '"pgrst_f"' : `"pgrst_f"(${quoteIdent(scalarColumn)})`;
  if (takesSingleJson(fn)) return `${target}(${ctx.params.add(args, fn.args[0].type)}) as ${alias}`;
  const used = fn.args.filter((arg) => keys.includes(arg.name));
  if (used.length === 0) return `${target}() as ${alias}`;
  const definitions = used.map((arg) => `${quoteIdent(arg.name)} ${arg.type}`).join(', ');
  const call = used.map((arg) => `${arg.variadic ? 'variadic ' : ''}${quoteIdent(arg.name)} := "pgrst_args".${quoteIdent(arg.name)}`).join(', ');
  return `json_to_record(${ctx.params.add(args, 'json')}) as "pgrst_args"(${definitions}) cross join lateral ${target}(${call}) as ${alias}`;
}

/** A relation-like view of a function's rows, so select/filters/order work on them (and embeds, for table types). */
export function resultTable(snapshot: SchemaSnapshot, fn: FunctionInfo): TableInfo {
  if (fn.returnRelation) {
    const table = snapshot.tables.get(relationKey(fn.returnRelation.schema, fn.returnRelation.name));
    if (table) return table;
  }
  return {
    schema: fn.schema,
    name: fn.name,
    kind: 'view',
    columns: new Map(fn.returnColumns.map((column) => [column.name, { name: column.name, type: column.type, nullable: true, hasDefault: false, generated: false }])),
    primaryKey: [],
    uniqueKeys: [],
  };
}
