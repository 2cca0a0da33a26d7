/**
 * What "active" means for an anonymous user, in SQL shared by the cleanup and the stats: the latest of
 * its last sign-in (auth.users.last_sign_in_at) and the latest refresh of any of its sessions
 * (auth.sessions.refreshed_at, a UTC timestamp without time zone, or updated_at). Creation time counts
 * only when the user has no sign-in recorded at all. Users without created_at are never stale.
 */

/** The latest activity of the session aliased `s`, as timestamptz. */
const sessionActiveSql = (s: string): string => `greatest(${s}.refreshed_at at time zone 'UTC', ${s}.updated_at, ${s}.created_at)`;

/** The last activity of the user aliased `u`, as timestamptz. */
export const lastActiveSql = (u: string): string =>
  `greatest(coalesce(${u}.last_sign_in_at, ${u}.created_at),
            (select max(${sessionActiveSql('s')}) from auth.sessions s where s.user_id = ${u}.id))`;

/**
 * The same for many users at once: left join `SESSIONS_ACTIVE_SQL` as `a` on `a.user_id = u.id`
 * and read `lastActiveJoinedSql('u', 'a')`. One pass over the sessions instead of a probe per user.
 */
export const SESSIONS_ACTIVE_SQL = `(select s.user_id, max(${sessionActiveSql('s')}) as active_at from auth.sessions s group by s.user_id)`;
export const lastActiveJoinedSql = (u: string, a: string): string => `greatest(coalesce(${u}.last_sign_in_at, ${u}.created_at), ${a}.active_at)`;

/** True when the user aliased `u` is anonymous, not soft-deleted and inactive since `cutoff` (a timestamptz expression). */
export const staleAnonymousSql = (u: string, cutoff: string): string =>
  `(${u}.is_anonymous and ${u}.deleted_at is null
    and coalesce(${u}.last_sign_in_at, ${u}.created_at) < ${cutoff}
    and not exists (select 1 from auth.sessions s
                     where s.user_id = ${u}.id
                       and ${sessionActiveSql('s')} >= ${cutoff}))`;

/** auth.audit_log_entries actions Foyer reads back. */
export const AUDIT_ACTIONS = {
  converted: 'user_converted',
  merged: 'user_merged',
  deleted: 'user_deleted',
} as const;

/**
 * True when the user aliased `u` was created anonymously: still anonymous, or converted since (the
 * promotion writes a user_converted audit entry). `createdSince` bounds the users' created_at from
 * below; a conversion comes after the creation, so only entries from then on are read (index
 * audit_log_entries_action_created_at_idx), not every conversion ever recorded.
 */
export const createdAnonymouslySql = (u: string, createdSince: string): string =>
  `(${u}.is_anonymous or exists (select 1 from auth.audit_log_entries ca
                                   where (ca.payload ->> 'actor_id') = ${u}.id::text
                                     and (ca.payload ->> 'action') = '${AUDIT_ACTIONS.converted}'
                                     and ca.created_at >= ${createdSince}))`;

/** Audit entries of users deleted while anonymous (by the cleanup or an admin), aliased `a`. */
export const deletedAnonymousSql = (a: string): string =>
  `((${a}.payload ->> 'action') = '${AUDIT_ACTIONS.deleted}' and ((${a}.payload -> 'traits') ->> 'was_anonymous') = 'true')`;
