/** auth.audit_log_entries in GoTrue's payload shape: {actor_id, action, log_type, traits}. */
import type { Queryable } from './db.js';
import { NIL_UUID } from './users.js';

export interface AuditEntry {
  actorId: string;
  action: string;
  logType: 'user' | 'account' | 'token' | 'team';
  traits: Record<string, unknown>;
  ip: string | null;
}

export async function insertAuditEntry(db: Queryable, entry: AuditEntry): Promise<void> {
  await db.query(
    `insert into auth.audit_log_entries (instance_id, id, payload, created_at, ip_address)
     values ('${NIL_UUID}', auth.foyer_uuid_v7(),
             -- GoTrue's payload: actor_username is the user's phone, else its email ('' for anonymous users).
             json_build_object('actor_id', $1::text,
                               'actor_username', coalesce((select coalesce(nullif(u.phone, ''), u.email, '') from auth.users u where u.id = $1::uuid), ''),
                               'actor_via_sso', coalesce((select u.is_sso_user from auth.users u where u.id = $1::uuid), false), 'action', $2::text, 'log_type', $3::text, 'traits', $4::json),
             now(), coalesce($5, ''))`,
    [entry.actorId, entry.action, entry.logType, JSON.stringify(entry.traits), entry.ip],
  );
}
