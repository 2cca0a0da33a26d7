/** Console administrators, their sessions and the one-time setup tokens (migration 0010). */
import type { Queryable } from './db.js';

export interface ConsoleAdminRow {
  readonly id: string;
  readonly email: string;
  readonly password_hash: string;
  readonly created_at: string;
}

export interface ConsoleSessionRow {
  readonly admin_id: string;
  readonly email: string;
  readonly csrf_hash: string;
  readonly expires_at: string;
}

export async function countAdmins(db: Queryable): Promise<number> {
  const [row] = await db.query<{ n: number }>(`select count(*)::int as n from auth.foyer_console_admins`);
  return row.n;
}

export async function findAdminByEmail(db: Queryable, email: string): Promise<ConsoleAdminRow | undefined> {
  const [row] = await db.query<ConsoleAdminRow>(
    `select id::text as id, email, password_hash, created_at from auth.foyer_console_admins where email = $1`,
    [email],
  );
  return row;
}

/** Inserts the administrator; undefined when that address already has one. */
export async function insertAdmin(db: Queryable, email: string, passwordHash: string): Promise<ConsoleAdminRow | undefined> {
  const [row] = await db.query<ConsoleAdminRow>(
    `insert into auth.foyer_console_admins (email, password_hash) values ($1, $2) on conflict (email) do nothing
     returning id::text as id, email, password_hash, created_at`,
    [email, passwordHash],
  );
  return row;
}

export async function updateAdminPassword(db: Queryable, email: string, passwordHash: string): Promise<boolean> {
  const rows = await db.query(`update auth.foyer_console_admins set password_hash = $2 where email = $1 returning id`, [email, passwordHash]);
  return rows.length > 0;
}

export async function insertSession(
  db: Queryable,
  session: { tokenHash: string; adminId: string; csrfHash: string; ttlSeconds: number; ip: string | null; userAgent: string | null },
): Promise<void> {
  await db.query(
    `insert into auth.foyer_console_sessions (token_hash, admin_id, csrf_hash, expires_at, ip, user_agent)
     values ($1, $2::uuid, $3, now() + make_interval(secs => $4), $5, $6)`,
    [session.tokenHash, session.adminId, session.csrfHash, session.ttlSeconds, session.ip, session.userAgent?.slice(0, 512) ?? null],
  );
  // Expired sessions go as new ones come.
  await db.query(`delete from auth.foyer_console_sessions where expires_at < now() - interval '1 day'`);
}

export async function findSession(db: Queryable, tokenHash: string): Promise<ConsoleSessionRow | undefined> {
  const [row] = await db.query<ConsoleSessionRow>(
    `select s.admin_id::text as admin_id, a.email, s.csrf_hash, s.expires_at
       from auth.foyer_console_sessions s join auth.foyer_console_admins a on a.id = s.admin_id
      where s.token_hash = $1 and s.expires_at > now()`,
    [tokenHash],
  );
  return row;
}

export async function deleteSession(db: Queryable, tokenHash: string): Promise<void> {
  await db.query(`delete from auth.foyer_console_sessions where token_hash = $1`, [tokenHash]);
}

export async function insertSetupToken(db: Queryable, tokenHash: string, ttlSeconds: number): Promise<void> {
  await db.query(
    `insert into auth.foyer_console_setup_tokens (token_hash, expires_at) values ($1, now() + make_interval(secs => $2))`,
    [tokenHash, ttlSeconds],
  );
}

/** Uses up a setup token: true when it was valid (then every setup token is gone). */
export async function consumeSetupToken(db: Queryable, tokenHash: string): Promise<boolean> {
  const rows = await db.query(`delete from auth.foyer_console_setup_tokens where token_hash = $1 and expires_at > now() returning token_hash`, [
    tokenHash,
  ]);
  if (rows.length === 0) return false;
  await db.query(`delete from auth.foyer_console_setup_tokens`);
  return true;
}

/** A console action in auth.audit_log_entries (GoTrue's payload shape; log_type `console`). */
export async function insertConsoleAuditEntry(
  db: Queryable,
  entry: { adminId: string; adminEmail: string; action: string; traits: Record<string, unknown>; ip: string | null },
): Promise<void> {
  await db.query(
    `insert into auth.audit_log_entries (instance_id, id, payload, created_at, ip_address)
     values ('00000000-0000-0000-0000-000000000000', gen_random_uuid(),
             json_build_object('actor_id', $1::text, 'actor_username', $2::text, 'actor_via', 'console',
                               'action', $3::text, 'log_type', 'console', 'traits', $4::json),
             now(), coalesce($5, ''))`,
    [entry.adminId, entry.adminEmail, entry.action, JSON.stringify(entry.traits), entry.ip],
  );
}
