/** `foyer users`: users with their last activity (sign-in or refresh), newest first. */
import { lastActiveSql, staleAnonymousSql } from './activity.js';
import type { Queryable, SqlParam } from './db.js';

export interface UserListing {
  id: string;
  is_anonymous: boolean;
  email: string | null;
  phone: string | null;
  created_at: string | null;
  last_active_at: string | null;
}

export interface UserListingQuery {
  readonly kind: 'all' | 'anonymous' | 'permanent';
  /** Only anonymous users inactive for this many days (what the cleanup would consider). */
  readonly staleDays?: number;
  readonly limit: number;
}

export async function listUsersWithActivity(db: Queryable, query: UserListingQuery): Promise<{ users: UserListing[]; total: number }> {
  const conditions = ['u.deleted_at is null'];
  const params: SqlParam[] = [];
  if (query.kind === 'anonymous') conditions.push('u.is_anonymous');
  if (query.kind === 'permanent') conditions.push('not u.is_anonymous');
  if (query.staleDays !== undefined) {
    params.push(query.staleDays);
    conditions.push(staleAnonymousSql('u', `now() - make_interval(days => $${params.length}::int)`));
  }
  const where = conditions.join(' and ');
  const [users, count] = await Promise.all([
    db.query<UserListing>(
      `select u.id::text as id, u.is_anonymous, u.email, u.phone, u.created_at, ${lastActiveSql('u')} as last_active_at
         from auth.users u where ${where} order by u.created_at desc nulls last, u.id limit $${params.length + 1}`,
      [...params, query.limit],
    ),
    db.query<{ total: number }>(`select count(*)::int as total from auth.users u where ${where}`, params),
  ]);
  return { users, total: count[0].total };
}
