/**
 * Reading auth.audit_log_entries (GET /admin/audit) and the audited user deletion. Entries keep
 * GoTrue's shape: payload json {actor_id, actor_username, action, log_type, traits}, ip_address.
 */
import type { Queryable, SqlParam } from './db.js';
import { AUDIT_ACTIONS } from './activity.js';
import { NIL_UUID } from './users.js';

export interface AuditLogEntry {
  id: string;
  payload: Record<string, unknown>;
  created_at: string;
  ip_address: string;
}

export interface AuditFilter {
  /** GoTrue's `?query=<scope>:<value>`: payload fields matched with ILIKE %value% (OR-ed). */
  readonly search?: { readonly fields: readonly string[]; readonly value: string };
  readonly actions?: readonly string[];
  readonly actorId?: string;
  /** Entries about a user: it is the actor, or traits.user_id names it (deletions). */
  readonly userId?: string;
  readonly logType?: string;
  readonly since?: string;
  readonly until?: string;
}

/** GoTrue's query scopes and the payload fields they search. */
export const gotrueQueryScopes: Readonly<Record<string, readonly string[]>> = {
  author: ['actor_username', 'actor_name'],
  action: ['action'],
  type: ['log_type'],
};

function whereClause(filter: AuditFilter): { sql: string; params: SqlParam[] } {
  const params: SqlParam[] = [];
  const conditions: string[] = [`instance_id = '${NIL_UUID}'`];
  const param = (value: SqlParam) => {
    params.push(value);
    return `$${params.length}`;
  };
  if (filter.search) {
    const pattern = param(`%${filter.search.value.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    // Field names come from gotrueQueryScopes, never from the request.
    conditions.push(`(${filter.search.fields.map((field) => `(payload ->> '${field}') ilike ${pattern}`).join(' or ')})`);
  }
  if (filter.actions?.length) conditions.push(`(payload ->> 'action') = any(${param(filter.actions)}::text[])`);
  if (filter.actorId) conditions.push(`(payload ->> 'actor_id') = ${param(filter.actorId)}`);
  if (filter.userId) {
    const user = param(filter.userId);
    conditions.push(`((payload ->> 'actor_id') = ${user} or ((payload -> 'traits') ->> 'user_id') = ${user})`);
  }
  if (filter.logType) conditions.push(`(payload ->> 'log_type') = ${param(filter.logType)}`);
  if (filter.since) conditions.push(`created_at >= ${param(filter.since)}::timestamptz`);
  if (filter.until) conditions.push(`created_at < ${param(filter.until)}::timestamptz`);
  return { sql: conditions.join(' and '), params };
}

/** Newest first, as GoTrue pages them. */
export async function listAuditEntries(
  db: Queryable,
  filter: AuditFilter,
  page: { page: number; perPage: number },
): Promise<{ entries: AuditLogEntry[]; total: number }> {
  const where = whereClause(filter);
  const limit = `$${where.params.length + 1}`;
  const offset = `$${where.params.length + 2}`;
  const [entries, count] = await Promise.all([
    db.query<AuditLogEntry>(
      `select id::text as id, payload, created_at, ip_address from auth.audit_log_entries
        where ${where.sql} order by created_at desc, id desc limit ${limit} offset ${offset}`,
      [...where.params, page.perPage, (page.page - 1) * page.perPage],
    ),
    db.query<{ total: number }>(`select count(*)::int as total from auth.audit_log_entries where ${where.sql}`, where.params),
  ]);
  return { entries, total: count[0].total };
}

/**
 * Deletes a user (sessions, identities… cascade) and writes GoTrue's user_deleted entry in the same
 * statement, with Foyer's traits: whether it was anonymous and when it was created (the stats count
 * anonymous sign-ups from them). Returns false when there was no such user.
 */
export async function deleteUserAudited(
  db: Queryable,
  userId: string,
  actor: { id: string | null; username: string; ip: string | null },
): Promise<boolean> {
  const rows = await db.query<{ id: string }>(
    `with deleted as (
       delete from auth.users where id = $1 returning id, email, phone, is_anonymous, created_at
     ), audit as (
       insert into auth.audit_log_entries (instance_id, id, payload, created_at, ip_address)
       select '${NIL_UUID}', auth.foyer_uuid_v7(),
              json_build_object('actor_id', coalesce($2::text, '${NIL_UUID}'), 'actor_username', $3::text, 'actor_via_sso', false,
                                'action', '${AUDIT_ACTIONS.deleted}', 'log_type', 'team',
                                'traits', json_build_object('user_id', d.id, 'user_email', coalesce(d.email, ''),
                                                            'user_phone', coalesce(d.phone, ''), 'was_anonymous', d.is_anonymous,
                                                            'user_created_at', d.created_at)),
              now(), coalesce($4::text, '')
         from deleted d
     )
     select id::text as id from deleted`,
    [userId, actor.id, actor.username, actor.ip],
  );
  return rows.length > 0;
}

/** The user_deleted entry of a soft delete (the row stays, emptied, with deleted_at set). */
export async function auditSoftDelete(db: Queryable, userId: string, wasAnonymous: boolean, createdAt: string | null): Promise<void> {
  await db.query(
    `insert into auth.audit_log_entries (instance_id, id, payload, created_at, ip_address)
     values ('${NIL_UUID}', auth.foyer_uuid_v7(),
             json_build_object('actor_id', '${NIL_UUID}', 'actor_username', 'service_role', 'actor_via_sso', false,
                               'action', '${AUDIT_ACTIONS.deleted}', 'log_type', 'team',
                               'traits', json_build_object('user_id', $1::text, 'user_email', '', 'user_phone', '',
                                                           'was_anonymous', $2::boolean, 'user_created_at', $3::timestamptz,
                                                           'soft_delete', true)),
             now(), '')`,
    [userId, wasAnonymous, createdAt],
  );
}
