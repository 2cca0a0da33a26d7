/**
 * `foyer doctor`'s checks that need the network: the SMTP server and the database (its migrations, its
 * server settings, unindexed references to auth.users, and in drop-in mode the Data API's login).
 */
import { existsSync } from 'node:fs';
import { ConfigError, type Config } from '../config/load.js';
import { verifySmtp } from '../mail/verify.js';
import { dataApiRoles } from '../runtime.js';
import { unindexedUserReferences } from '../store/cleanup.js';
import type { Db } from '../store/db.js';
import { lockDirectory } from '../store/dir-lock.js';
import { listMigrations } from '../store/migrate.js';
import { embeddedDbDir, openDb } from '../store/open.js';
import { redact } from '../store/postgres.js';
import { openRestLogin } from '../store/rest-login.js';
import { databaseWarnings } from '../store/server-settings.js';
import type { Finding } from './doctor-checks.js';

export async function smtpCheck(config: Config): Promise<Finding> {
  if (!config.smtpHost) {
    const converts = config.anonymousUsersEnabled && config.emailEnabled && !config.mailerAutoconfirm;
    return {
      check: 'SMTP',
      status: converts ? 'warn' : 'ok',
      message: 'no GOTRUE_SMTP_HOST: mail is kept in the outbox (GET /auth/v1/admin/mail/outbox), nothing is delivered',
      fix: converts ? 'Anonymous users converting by email need the confirmation mail: set GOTRUE_SMTP_HOST, _PORT, _USER, _PASS.' : undefined,
    };
  }
  const result = await verifySmtp(config);
  return result.ok
    ? { check: 'SMTP', status: 'ok', message: `${config.smtpHost}:${config.smtpPort} answers${config.smtpUser ? ' and accepts the credentials' : ''}` }
    : {
        check: 'SMTP',
        status: 'problem',
        message: `${config.smtpHost}:${config.smtpPort} is not usable: ${result.error}`,
        fix: 'Check GOTRUE_SMTP_HOST/_PORT (465 = TLS from the start, 587 = STARTTLS), _USER/_PASS, and that this host may reach it.',
      };
}

export async function databaseChecks(db: Db, where: string): Promise<Finding[]> {
  const findings: Finding[] = [];
  let applied = new Set<string>();
  try {
    applied = new Set((await db.query<{ version: string }>('select version from auth.foyer_schema_migrations')).map((row) => row.version));
  } catch {
    // Not migrated yet: everything is pending.
  }
  const pending = listMigrations().filter((migration) => !applied.has(migration.version)).map((migration) => migration.version);
  findings.push(
    pending.length
      ? { check: 'database', status: 'warn', message: `${where}: ${pending.length} migration(s) pending (${pending.join(', ')})`, fix: 'Run `foyer migrate` (`foyer start` also applies them).' }
      : { check: 'database', status: 'ok', message: `${where}: reachable, migrations up to date` },
  );
  for (const warning of await databaseWarnings(db)) findings.push({ ...warning, status: 'warn' });
  try {
    for (const reference of await unindexedUserReferences(db)) {
      findings.push({
        check: 'data tables',
        status: 'warn',
        message: `${reference.table_name}.${reference.column_name} references auth.users without an index: the cleanup and merges scan the table for each user`,
        fix: `create index on ${reference.table_name} (${reference.column_name});`,
      });
    }
  } catch {
    // auth schema missing: reported as pending migrations above.
  }
  return findings;
}

/** Drop-in mode: whether FOYER_REST_DATABASE_URL is a login the Data API can run on (as `foyer start` checks it). */
export async function dataApiLoginCheck(config: Config, authDb: Db): Promise<Finding> {
  const check = 'Data API login';
  if (!config.restDatabaseUrl) return { check, status: 'ok', message: 'FOYER_REST_DATABASE_URL unset: the Data API is off in drop-in mode' };
  const roles = dataApiRoles(config);
  try {
    const login = await openRestLogin({ url: config.restDatabaseUrl, poolSize: 1, authDb, apiRoles: roles });
    await login.db.close();
    return { check, status: 'ok', message: `${login.login} can become ${roles.join(', ')}` };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return { check, status: 'problem', message: error.message, fix: 'See docs/data-api.md, "Drop-in mode: a login of its own".' };
  }
}

export async function databaseCheck(config: Config): Promise<Finding[]> {
  if (config.databaseUrl) {
    let db: Db;
    try {
      db = await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 1 });
    } catch (error) {
      return [{ check: 'database', status: 'problem', message: (error as Error).message, fix: 'Check DATABASE_URL (host, port, user, password, database name) and that PostgreSQL accepts connections from here.' }];
    }
    try {
      return [...(await databaseChecks(db, redact(config.databaseUrl))), await dataApiLoginCheck(config, db)];
    } finally {
      await db.close();
    }
  }
  const dir = embeddedDbDir(config.dataDir);
  if (!existsSync(dir)) return [{ check: 'database', status: 'ok', message: `embedded database not created yet (\`foyer start\` creates it in ${dir})` }];
  try {
    lockDirectory(dir)();
  } catch (error) {
    return [{ check: 'database', status: 'ok', message: `embedded database in ${dir} is in use (${(error as Error).message.replace(/^.*\(pid (\d+)\).*$/s, 'pid $1')}): not opened` }];
  }
  const db = await openDb({ databaseUrl: undefined, dataDir: config.dataDir, poolSize: 1 });
  try {
    return await databaseChecks(db, `embedded database in ${dir}`);
  } finally {
    await db.close();
  }
}
