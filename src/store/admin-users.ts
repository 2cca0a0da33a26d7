/** Listing users for the admin API: newest first, with an is_anonymous filter GoTrue lacks. */
import type { Queryable } from './db.js';
import { USER_COLUMNS, type UserRow } from './users.js';

export interface UserListQuery {
  aud: string;
  page: number;
  perPage: number;
  /** Substring of email, phone or full name (case-insensitive). */
  filter: string | undefined;
  isAnonymous: boolean | undefined;
}

export async function listUsers(db: Queryable, query: UserListQuery): Promise<{ users: UserRow[]; total: number }> {
  const where = `u.aud = $1 and u.deleted_at is null
     and ($2::text is null or u.email ilike $2 or u.phone ilike $2 or u.raw_user_meta_data ->> 'full_name' ilike $2)
     and ($3::boolean is null or u.is_anonymous = $3)`;
  const pattern = query.filter ? `%${query.filter.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
  const params = [query.aud, pattern, query.isAnonymous ?? null];
  const [users, count] = await Promise.all([
    db.query<UserRow>(
      `select ${USER_COLUMNS} from auth.users u where ${where}
        order by u.created_at desc, u.id desc limit $4 offset $5`,
      [...params, query.perPage, (query.page - 1) * query.perPage],
    ),
    db.query<{ total: number }>(`select count(*)::int as total from auth.users u where ${where}`, params),
  ]);
  return { users, total: count[0].total };
}
