/** Console administrators, their roles, sessions, one-time setup tokens and links (migrations 0001, 0015). */
import type { Queryable } from './db.js';

export type ConsoleRole = 'owner' | 'admin' | 'read_only';

export interface ConsoleAdminRow {
  readonly id: string;
  readonly email: string;
  readonly password_hash: string;
  readonly role: ConsoleRole;
  readonly created_at: string;
}

export interface ConsoleSessionRow {
  readonly admin_id: string;
  readonly email: string;
  readonly role: ConsoleRole;
  readonly csrf_hash: string;
  readonly expires_at: string;
}

const ADMIN_COLUMNS = 'id::text as id, email, password_hash, role, created_at';

export async function countAdmins(db: Queryable): Promise<number> {
  const [row] = await db.query<{ n: number }>(`select count(*)::int as n from auth.foyer_console_admins`);
  return row.n;
}

export async function findAdminByEmail(db: Queryable, email: string): Promise<ConsoleAdminRow | undefined> {
  const [row] = await db.query<ConsoleAdminRow>(
    `select ${ADMIN_COLUMNS} from auth.foyer_console_admins where email = $1`,
    [email],
  );
  return row;
}

/** Inserts the administrator; undefined when that address already has one. */
export async function insertAdmin(db: Queryable, email: string, passwordHash: string, role: ConsoleRole = 'owner'): Promise<ConsoleAdminRow | undefined> {
  const [row] = await db.query<ConsoleAdminRow>(
    `insert into auth.foyer_console_admins (email, password_hash, role) values ($1, $2, $3) on conflict (email) do nothing
     returning ${ADMIN_COLUMNS}`,
    [email, passwordHash, role],
  );
  return row;
}

export async function listAdmins(db: Queryable): Promise<ConsoleAdminRow[]> {
  return db.query<ConsoleAdminRow>(`select ${ADMIN_COLUMNS} from auth.foyer_console_admins order by created_at, email`);
}

export async function findAdminById(db: Queryable, id: string): Promise<ConsoleAdminRow | undefined> {
  const [row] = await db.query<ConsoleAdminRow>(`select ${ADMIN_COLUMNS} from auth.foyer_console_admins where id::text = $1`, [id]);
  return row;
}

/** Owners, locked for the rest of the transaction: the last one can neither leave nor be demoted. */
export async function lockOwners(db: Queryable): Promise<string[]> {
  const rows = await db.query<{ id: string }>(`select id::text as id from auth.foyer_console_admins where role = 'owner' for update`);
  return rows.map((row) => row.id);
}

export async function setAdminRole(db: Queryable, id: string, role: ConsoleRole): Promise<ConsoleAdminRow | undefined> {
  const [row] = await db.query<ConsoleAdminRow>(
    `update auth.foyer_console_admins set role = $2 where id::text = $1 returning ${ADMIN_COLUMNS}`,
    [id, role],
  );
  return row;
}

/** Removes the administrator (their sessions go with them). */
export async function deleteAdmin(db: Queryable, id: string): Promise<boolean> {
  return (await db.query(`delete from auth.foyer_console_admins where id::text = $1 returning id`, [id])).length > 0;
}

/** Ends every session of the administrator (after a new password). */
export async function deleteAdminSessions(db: Queryable, adminId: string): Promise<void> {
  await db.query(`delete from auth.foyer_console_sessions where admin_id::text = $1`, [adminId]);
}

export interface AdminLinkRow {
  readonly purpose: 'invite' | 'reset';
  readonly email: string;
  readonly role: ConsoleRole;
  readonly created_by: string;
}

/** A new one-time link; an earlier one of the same purpose for that address stops working. */
export async function insertAdminLink(
  db: Queryable,
  link: { tokenHash: string; purpose: 'invite' | 'reset'; email: string; role: ConsoleRole; createdBy: string; ttlSeconds: number },
): Promise<void> {
  await db.query(`delete from auth.foyer_console_admin_links where email = $1 and purpose = $2`, [link.email, link.purpose]);
  await db.query(
    `insert into auth.foyer_console_admin_links (token_hash, purpose, email, role, created_by, expires_at)
     values ($1, $2, $3, $4, $5, now() + make_interval(secs => $6))`,
    [link.tokenHash, link.purpose, link.email, link.role, link.createdBy, link.ttlSeconds],
  );
  await db.query(`delete from auth.foyer_console_admin_links where expires_at < now()`);
}

/** Uses up a link: what it was for, or undefined when it is unknown, used or expired. */
export async function consumeAdminLink(db: Queryable, tokenHash: string): Promise<AdminLinkRow | undefined> {
  const [row] = await db.query<AdminLinkRow>(
    `delete from auth.foyer_console_admin_links where token_hash = $1 and expires_at > now() returning purpose, email, role, created_by`,
    [tokenHash],
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
    `select s.admin_id::text as admin_id, a.email, a.role, s.csrf_hash, s.expires_at
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
     values ('00000000-0000-0000-0000-000000000000', auth.foyer_uuid_v7(),
             json_build_object('actor_id', $1::text, 'actor_username', $2::text, 'actor_via', 'console',
                               'action', $3::text, 'log_type', 'console', 'traits', $4::json),
             now(), coalesce($5, ''))`,
    [entry.adminId, entry.adminEmail, entry.action, JSON.stringify(entry.traits), entry.ip],
  );
}

export interface PendingInvitationRow {
  readonly email: string;
  readonly role: ConsoleRole;
  readonly created_by: string;
  readonly created_at: string;
  readonly expires_at: string;
}

/** Invitations not yet followed and still valid, newest first. */
export async function listPendingInvitations(db: Queryable): Promise<PendingInvitationRow[]> {
  return db.query<PendingInvitationRow>(
    `select email, role, created_by, created_at, expires_at from auth.foyer_console_admin_links
      where purpose = 'invite' and expires_at > now() order by created_at desc`,
  );
}

/** Withdraws the invitation of that address: false when there was none still valid. */
export async function deleteInvitation(db: Queryable, email: string): Promise<boolean> {
  const rows = await db.query(`delete from auth.foyer_console_admin_links where purpose = 'invite' and email = $1 and expires_at > now() returning email`, [email]);
  return rows.length > 0;
}
