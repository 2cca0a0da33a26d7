/**
 * The Data API's own login in drop-in mode (FOYER_REST_DATABASE_URL): PostgREST's `authenticator`
 * pattern, a login that can do nothing by itself but become the API roles, one per request. Opened and
 * checked at start, so a login that could not serve requests stops Foyer with the GRANT that fixes it,
 * instead of failing each request later.
 */
import { ConfigError } from '../config/parse.js';
import type { Db } from './db.js';
import { openPostgres, redact } from './postgres.js';

const VARIABLE = 'FOYER_REST_DATABASE_URL';

export interface RestLogin {
  readonly db: Db;
  /** The role it logs in as (current_user). */
  readonly login: string;
}

export interface RestLoginOptions {
  readonly url: string;
  readonly poolSize: number;
  /** The auth server's own connection (DATABASE_URL): the Data API must not be the same login, nor on another database. */
  readonly authDb: Db;
  /** The roles requests switch to: anon, authenticated, service_role. */
  readonly apiRoles: readonly string[];
}

const quoteRole = (name: string): string => (/^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`);

interface Identity {
  readonly login: string;
  readonly database: string;
  readonly superuser: boolean;
}

const identityOf = async (db: Db): Promise<Identity> =>
  (
    await db.query<Identity>(
      `select current_user::text as login, current_database()::text as database, r.rolsuper as superuser
         from pg_roles r where r.rolname = current_user`,
    )
  )[0];

/** Whether the login may switch to `role` (SET ROLE needs membership; PostgreSQL 16 also the SET option). */
async function canBecome(db: Db, role: string): Promise<boolean> {
  try {
    await db.transaction((tx) => tx.query(`select set_config('role', $1, true)`, [role]));
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === '42501') return false;
    throw error;
  }
}

/** Problems that make the login unfit for the Data API, each with its fix; empty when it is fit. */
async function loginProblems(db: Db, options: RestLoginOptions, identity: Identity): Promise<string[]> {
  const auth = await identityOf(options.authDb);
  const login = quoteRole(identity.login);
  if (identity.login === auth.login) {
    return [
      `${VARIABLE} logs in as ${identity.login}, the auth server's own login (DATABASE_URL); the Data API needs a login of its own that can only become the API roles, e.g. ` +
        `CREATE ROLE foyer_rest LOGIN NOINHERIT PASSWORD '…'; GRANT ${options.apiRoles.map(quoteRole).join(', ')} TO foyer_rest;`,
    ];
  }
  if (identity.superuser) {
    return [`${VARIABLE} logs in as ${identity.login}, a superuser; give the Data API a login that is no superuser and is a member of ${options.apiRoles.join(', ')} only`];
  }
  if (identity.database !== auth.database) {
    return [`${VARIABLE} connects to database ${identity.database}, DATABASE_URL to ${auth.database}: the Data API must serve the auth server's database`];
  }
  const existing = new Set(
    (await db.query<{ name: string }>(`select rolname::text as name from pg_roles where rolname = any($1)`, [options.apiRoles])).map((row) => row.name),
  );
  const absent = options.apiRoles.filter((role) => !existing.has(role));
  if (absent.length) return [`role ${absent.join(', ')} does not exist on the database of ${VARIABLE}; run \`foyer migrate\` (it creates the API roles) or create them`];
  const missing: string[] = [];
  for (const role of options.apiRoles) if (!(await canBecome(db, role))) missing.push(role);
  if (missing.length) {
    return [
      `${VARIABLE} logs in as ${identity.login}, which is not a member of ${missing.join(', ')} (the Data API takes on that role per request); ` +
        `run as a superuser: GRANT ${missing.map(quoteRole).join(', ')} TO ${login};`,
    ];
  }
  return [];
}

/** Opens the login's pool and checks it; throws ConfigError naming what to change. */
export async function openRestLogin(options: RestLoginOptions): Promise<RestLogin> {
  let db: Db;
  try {
    db = await openPostgres({ url: options.url, poolSize: options.poolSize, applicationName: 'foyer-rest' });
  } catch (error) {
    throw new ConfigError(`${VARIABLE}: cannot connect to PostgreSQL at ${redact(options.url)}: ${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}`);
  }
  try {
    const identity = await identityOf(db);
    const problems = await loginProblems(db, options, identity);
    if (problems.length) throw new ConfigError(problems.join('\n'));
    return { db, login: identity.login };
  } catch (error) {
    await db.close().catch(() => {});
    throw error;
  }
}
