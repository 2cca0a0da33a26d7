/** What every Data API handler works with, built once per request by the plugin. */
import type { AuthDeps } from '../../auth/deps.js';
import type { LevelModifiers, Preferences } from '../../rest/ast.js';
import { fromPgError, RestError, tableNotFound } from '../../rest/errors.js';
import { runAsCaller, type CallerSettings } from '../../rest/execute.js';
import { Params, type ParamValue } from '../../rest/ident.js';
import { relationKey, type SchemaCache, type SchemaSnapshot, type TableInfo } from '../../rest/schema-cache.js';
import type { ReadContext } from '../../rest/sql/read.js';
import type { Db, Queryable } from '../../store/db.js';
import type { Caller } from './caller.js';
import type { MediaChoice } from './parse-headers.js';

export interface RestRequest {
  readonly deps: AuthDeps;
  /** Where the request runs: the project database, or the Data API's own login (drop-in mode). */
  readonly db: Db;
  readonly cache: SchemaCache;
  readonly snapshot: SchemaSnapshot;
  readonly caller: Caller;
  readonly schema: string;
  readonly method: string;
  /** The resource path as PostgREST sees it behind the gateway: /products, /rpc/fn. */
  readonly path: string;
  readonly rawQuery: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly prefer: Preferences;
  readonly media: MediaChoice;
  readonly range: { offset: number; limit: number | undefined } | undefined;
  /** The raw body text ('' when none). */
  readonly rawBody: string;
  readonly maxRows: number;
}

export interface RestResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  /** JSON text, or undefined for no body. */
  readonly body: string | undefined;
}

export function lookupTable(snapshot: SchemaSnapshot, schema: string, name: string): TableInfo {
  const table = snapshot.tables.get(relationKey(schema, name));
  if (!table) throw tableNotFound(schema, name);
  return table;
}

export function readContext(snapshot: SchemaSnapshot, levels: ReadonlyMap<string, LevelModifiers>, initial: readonly ParamValue[] = []): ReadContext {
  let alias = 0;
  return { snapshot, params: new Params(initial), levels, visited: new Set(), nextAlias: () => ++alias };
}

/** Runs `work` as the caller; database errors come back in PostgREST's shape. */
export async function asCaller<T>(request: RestRequest, readOnly: boolean, work: (tx: Queryable) => Promise<T>): Promise<T> {
  const settings: CallerSettings = {
    role: request.caller.role,
    claims: request.caller.claims,
    method: request.method,
    path: request.path,
    headers: request.headers,
    schema: request.schema,
    readOnly,
    roleSettings: request.caller.roleSettings,
    session: request.caller.session,
  };
  try {
    return await runAsCaller(request.db, settings, work);
  } catch (error) {
    if (error instanceof RestError) throw error;
    const mapped = fromPgError(error, request.caller.anonymous);
    if (mapped) {
      if (mapped.schemaMiss) request.cache.invalidate();
      throw mapped;
    }
    throw error;
  }
}

/** The body parsed as JSON, or PGRST102. */
export function jsonBody(request: RestRequest): unknown {
  const text = request.rawBody.trim();
  if (text === '') throw new RestError(400, 'PGRST102', 'Empty or invalid json', { details: 'The request body is empty' });
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new RestError(400, 'PGRST102', 'Empty or invalid json', { details: (error as Error).message });
  }
}

export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `0-9/100`, `*\/0`, `0-9/*`. */
export function contentRange(offset: number, rows: number, total: number | undefined): string {
  const range = rows > 0 ? `${offset}-${offset + rows - 1}` : '*';
  return `${range}/${total === undefined ? '*' : total}`;
}

export function preferenceApplied(prefer: Preferences, headers: Record<string, string>): void {
  if (prefer.applied.length) headers['preference-applied'] = prefer.applied.join(', ');
}
