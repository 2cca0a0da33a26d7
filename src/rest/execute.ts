/**
 * One Data API request = one transaction that first takes on the caller's identity exactly as
 * PostgREST does — `request.jwt.claims` (and `request.jwt.claim.sub`/`.role`), `request.method`,
 * `request.path`, `request.headers`, the search path, then the role — so that row-level security
 * and `auth.uid()` / `auth.jwt()` decide. Everything is `set_config(…, true)`: local to the transaction.
 */
import type { Db, Queryable } from '../store/db.js';
import { isSessionEndedReason, sessionEnded } from './errors.js';
import { quoteIdent } from './ident.js';

export interface CallerSettings {
  readonly role: string;
  readonly claims: Readonly<Record<string, unknown>>;
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly schema: string;
  /** GET/HEAD and calls of stable/immutable functions run read-only, as in PostgREST. */
  readonly readOnly: boolean;
  /** The role's own settings (statement_timeout, …), applied before switching to it. */
  readonly roleSettings: readonly (readonly [string, string])[];
  /** The token's session, asked about after the role switch; undefined: no check. */
  readonly session?: SessionCheck;
}

export interface SessionCheck {
  readonly sessionId: string;
  /** The token's `sub` when it is a UUID: the session must be this user's. */
  readonly userId: string | null;
}

/**
 * Asked as the caller's role, right after the prelude. The prelude runs as the connecting login,
 * which in drop-in mode (a NOINHERIT login of the Data API's own) may not even use schema auth, so
 * the question cannot be part of it; it is sent together with the prelude instead (postgres.js
 * pipelines both on the transaction's connection), so it costs no extra round trip. It fails (PT401,
 * the reason as its message) when the session has ended, which aborts the transaction: the request's
 * own statement, sent right behind it, is then never run.
 */
const REQUIRE_SESSION = `select auth.foyer_rest_require_session($1::uuid, $2::uuid)`;
const SESSION_ENDED_CODE = 'PT401';

/** Rethrows the check's failure as the Data API's 401, or as it came when it failed for another reason. */
function rethrowSessionEnded(error: unknown): never {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (code === SESSION_ENDED_CODE && isSessionEndedReason(message)) throw sessionEnded(message);
  throw error;
}

/** Supabase's statement timeouts for the API roles, when the database sets none for them. */
const DEFAULT_TIMEOUTS: Readonly<Record<string, string>> = { anon: '3s', authenticated: '8s' };

/**
 * Thrown inside a transaction to roll it back, then answer `value` (tx=rollback) or throw `error`
 * (PGRST116 on writes: a single object was asked for and the change touched another number of rows).
 */
export class Rollback<T> extends Error {
  constructor(
    readonly value: T | undefined,
    readonly error?: Error,
  ) {
    super('rollback');
    this.name = 'Rollback';
  }
}

const buildPrelude = (readOnly: boolean, settings: number) =>
  `select set_config('search_path', $1, true), set_config('request.jwt.claims', $2, true),
          set_config('request.jwt.claim.sub', $3, true), set_config('request.jwt.claim.role', $4, true),
          set_config('request.method', $5, true), set_config('request.path', $6, true),
          set_config('request.headers', $7, true)${readOnly ? `, set_config('transaction_read_only', 'on', true)` : ''}` +
  Array.from({ length: settings }, (_, i) => `, set_config($${8 + 2 * i}, $${9 + 2 * i}, true)`).join('') +
  `, set_config('role', $4, true)`;

/** Built once per shape (read-only or not, how many role settings): the text is the same for every request. */
const preludes = new Map<string, string>();
function prelude(readOnly: boolean, settings: number): string {
  const key = `${readOnly ? 'r' : 'w'}${settings}`;
  let text = preludes.get(key);
  if (text === undefined) {
    text = buildPrelude(readOnly, settings);
    // Role settings are few (a role's ALTER ROLE … SET list), so the map stays small.
    preludes.set(key, text);
  }
  return text;
}

export async function runAsCaller<T>(db: Db, settings: CallerSettings, work: (tx: Queryable) => Promise<T>): Promise<T> {
  const sub = settings.claims.sub;
  const searchPath = [settings.schema, ...(settings.schema === 'public' ? [] : ['public'])].map(quoteIdent).join(', ');
  const roleSettings = [...settings.roleSettings];
  const timeout = DEFAULT_TIMEOUTS[settings.role];
  if (timeout && !roleSettings.some(([name]) => name === 'statement_timeout')) roleSettings.unshift(['statement_timeout', timeout]);
  try {
    return await db.transaction(async (tx) => {
      const takeOn = tx.query(prelude(settings.readOnly, roleSettings.length), [
        searchPath,
        JSON.stringify(settings.claims),
        typeof sub === 'string' ? sub : '',
        settings.role,
        settings.method,
        settings.path,
        JSON.stringify(settings.headers),
        ...roleSettings.flat(),
      ]);
      const session = settings.session;
      const checked = session ? tx.query(REQUIRE_SESSION, [session.sessionId, session.userId]) : undefined;
      // Read in order below; a failed prelude makes the check fail too, and that second error is moot.
      checked?.catch(() => {});
      // The request's statement is sent in the same write as the prelude and the check: one round trip,
      // reads and writes alike. A failed check aborts the transaction first, so a refused write never
      // runs (its triggers may reach outside the transaction). The statement's outcome counts only after
      // theirs: once they failed, its own error would only say the transaction is aborted.
      const working = work(tx);
      working.catch(() => {});
      await takeOn;
      if (checked) await checked.catch(rethrowSessionEnded);
      return working;
    });
  } catch (error) {
    if (error instanceof Rollback) {
      if (error.error) throw error.error;
      return error.value as T;
    }
    throw error;
  }
}
