/** Listing users for the admin API: newest first, with an is_anonymous filter GoTrue lacks. */
import type { Queryable } from './db.js';
import { USER_COLUMNS, type UserRow } from './users.js';

export interface UserListQuery {
  aud: string;
  page: number;
  perPage: number;
  /** Substring of email, phone or full name (case-insensitive), or a user id or its first hex digits. */
  filter: string | undefined;
  isAnonymous: boolean | undefined;
}

/** Fewer hex digits than this would match a sixteenth of all users or more: not an id search. */
const MIN_ID_PREFIX_DIGITS = 4;
const UUID_HEX_DIGITS = 32;

/**
 * The id range a filter names when it is the start of a user id ("1a2b3c4d", the prefix the console
 * shows, or a whole id): the lowest and highest uuid with those leading digits. A range rather than a
 * text match so the primary key's index answers it — anonymous users have no email to search by, and
 * "my user id is …" is the only handle support gets.
 */
export function idPrefixRange(filter: string): readonly [string, string] | null {
  // The console shows ids shortened as "1a2b3c4d…": pasted back as they are, they still find the user.
  const text = filter.trim().toLowerCase().replace(/(…|\.\.\.)$/, '');
  if (!/^[0-9a-f]+(-[0-9a-f]+)*-?$/.test(text)) return null;
  const digits = text.replaceAll('-', '');
  if (digits.length < MIN_ID_PREFIX_DIGITS || digits.length > UUID_HEX_DIGITS) return null;
  // Dashes, where given, must sit where a uuid has them (8-4-4-4-12).
  const dashAt = new Set([8, 12, 16, 20]);
  let seen = 0;
  for (const char of text) {
    if (char === '-') {
      if (!dashAt.has(seen)) return null;
    } else seen += 1;
  }
  const asUuid = (hex: string) => `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return [asUuid(digits.padEnd(UUID_HEX_DIGITS, '0')), asUuid(digits.padEnd(UUID_HEX_DIGITS, 'f'))];
}

export async function listUsers(db: Queryable, query: UserListQuery): Promise<{ users: UserRow[]; total: number }> {
  const where = `u.aud = $1 and u.deleted_at is null
     and ($2::text is null or u.email ilike $2 or u.phone ilike $2 or u.raw_user_meta_data ->> 'full_name' ilike $2
          or ($4::uuid is not null and u.id between $4::uuid and $5::uuid))
     and ($3::boolean is null or u.is_anonymous = $3)`;
  const pattern = query.filter ? `%${query.filter.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
  const idRange = query.filter ? idPrefixRange(query.filter) : null;
  const params = [query.aud, pattern, query.isAnonymous ?? null, idRange?.[0] ?? null, idRange?.[1] ?? null];
  const [users, count] = await Promise.all([
    db.query<UserRow>(
      `select ${USER_COLUMNS} from auth.users u where ${where}
        order by u.created_at desc, u.id desc limit $6 offset $7`,
      [...params, query.perPage, (query.page - 1) * query.perPage],
    ),
    db.query<{ total: number }>(`select count(*)::int as total from auth.users u where ${where}`, params),
  ]);
  return { users, total: count[0].total };
}
