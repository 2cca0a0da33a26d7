/**
 * A pg-functions:// hook, called as GoTrue calls it: in a transaction (the caller's, or one of its
 * own), under `set local statement_timeout` of 2 seconds, as `select "schema"."function"($1)` with the
 * input JSON as the one argument. What the function returns is read as text and parsed by the caller,
 * so a function that returns jsonb, json or text behaves alike.
 */
import { FoyerError } from '../../errors.js';
import type { Db, Queryable } from '../../store/db.js';
import type { HookTarget } from '../../config/hook-settings.js';
import { hookFailure } from './outcome.js';

/** GoTrue's statement timeout for hook functions. */
export const POSTGRES_HOOK_TIMEOUT_MS = 2000;

/** SQLSTATE of a statement cancelled by statement_timeout. */
const QUERY_CANCELED = '57014';

export const hookTimeoutError = (seconds: number): FoyerError =>
  new FoyerError('hook_timeout', `Failed to reach hook within maximum time of ${seconds.toFixed(6)} seconds`);

type PostgresTarget = Extract<HookTarget, { kind: 'postgres' }>;

export interface PostgresHookCall {
  readonly db: Db;
  /** The transaction the hook belongs to; without one the call runs in its own. */
  readonly tx?: Queryable;
  readonly timeoutMs?: number;
}

/** The function's answer as text (null when it returns SQL NULL). */
export async function callPostgresHook(call: PostgresHookCall, target: PostgresTarget, inputJson: string): Promise<string | null> {
  const timeoutMs = call.timeoutMs ?? POSTGRES_HOOK_TIMEOUT_MS;
  const run = async (tx: Queryable, ownTransaction: boolean): Promise<string | null> => {
    const startedAt = performance.now();
    // Sent together, in one round trip on PostgreSQL: the timeout, the call, then either COMMIT (a
    // transaction of its own, where the timeout ends with it) or the timeout's reset (the caller's
    // transaction goes on). A failed call fails what follows it too; the call's own error is the one read.
    const armed = tx.query(`set local statement_timeout = ${Math.max(1, Math.floor(timeoutMs))}`);
    const called = tx.query<{ output: string | null }>(`select ${target.functionSql}($1)::text as output`, [inputJson], { last: ownTransaction });
    const reset = ownTransaction ? undefined : tx.query('set local statement_timeout to default');
    // Each is read below, but a throw from an earlier one leaves the later ones unread.
    armed.catch(() => {});
    called.catch(() => {});
    reset?.catch(() => {});
    await armed;
    const rows = await called;
    // The embedded engine cannot interrupt a statement: a function that ran too long fails the same way
    // once it returns, and its transaction is rolled back with the error.
    if (call.db.engine === 'pglite' && performance.now() - startedAt > timeoutMs) throw hookTimeoutError(timeoutMs / 1000);
    await reset;
    return rows[0]?.output ?? null;
  };
  try {
    return call.tx ? await run(call.tx, false) : await call.db.transaction((tx) => run(tx, true));
  } catch (error) {
    if (error instanceof FoyerError) throw error;
    if ((error as { code?: unknown }).code === QUERY_CANCELED) throw hookTimeoutError(timeoutMs / 1000);
    // GoTrue's answer for a function that is missing, raises or fails: the URI, never the database's text.
    throw hookFailure(`Error running hook URI: ${target.uri}`, error);
  }
}
