/** Listing users for the admin API: newest first, with is_anonymous, kind and provider filters GoTrue lacks. */
import type { Queryable, SqlParam } from './db.js';
import { userKindSql, type UserKind } from './user-kinds.js';
import { USER_COLUMNS, type UserRow } from './users.js';

/** Columns a list may be sorted by: GoTrue's created_at, and Foyer's additions for support work. */
export const sortableUserColumns = ['created_at', 'last_sign_in_at', 'email'] as const;
export type SortableUserColumn = (typeof sortableUserColumns)[number];

export interface UserSort {
  readonly column: SortableUserColumn;
  readonly direction: 'asc' | 'desc';
}

export interface UserListQuery {
  aud: string;
  page: number;
  perPage: number;
  /** Substring of email, phone or full name (case-insensitive), or a user id or its first hex digits. */
  filter: string | undefined;
  isAnonymous: boolean | undefined;
  /** Only users of this kind (src/store/user-kinds.ts). */
  kind?: UserKind;
  /** Only users with an identity of this provider ("email", "google", …). */
  provider?: string;
  /** Newest first when not given (GoTrue's default). */
  sort?: readonly UserSort[];
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

/** ORDER BY from whitelisted columns only; the id last so that pages never overlap. */
function orderBy(sort: readonly UserSort[] | undefined): string {
  const fields = sort?.length ? sort : [{ column: 'created_at', direction: 'desc' } as const];
  const terms = fields.map(({ column, direction }) => `u.${column} ${direction === 'asc' ? 'asc' : 'desc'} nulls last`);
  const last = fields.at(-1)?.direction === 'asc' ? 'asc' : 'desc';
  return [...terms, `u.id ${last}`].join(', ');
}

/**
 * A page of users: the page's ids first, sorted on their own, then the users' columns for those ids
 * alone. Sorted with all their columns, every user's MFA factors were worked out before the sort kept 25
 * of them (8 s at 1 000 000 users for a page sorted by address; 1 s this way). The newest-first order
 * walks foyer_users_created_at_id_idx and stops at the page.
 */
function pageSql(where: string, sort: readonly UserSort[] | undefined, limit: string, offset: string): string {
  return `with page as (select u.id from auth.users u where ${where} order by ${orderBy(sort)} limit ${limit} offset ${offset})
          select ${USER_COLUMNS} from page join auth.users u on u.id = page.id order by ${orderBy(sort)}`;
}

/**
 * A search (a substring: no index finds it) first finds every match, then takes both the page and the
 * total from those matches: one pass over the users (before, the count made a second pass of its own,
 * 0.65 s each at 1 000 000 users). Left to itself, PostgreSQL cannot tell how few users match, so it
 * would walk the users newest first until it had a page: through every user when fewer than a page
 * match (7 s at 1 000 000 users). The total is on every row, and on a row without a user when the page
 * is past the last match.
 */
function searchSql(where: string, sort: readonly UserSort[] | undefined, limit: string, offset: string): string {
  return `with matched as materialized (
            select u.id, ${sortableUserColumns.map((column) => `u.${column}`).join(', ')} from auth.users u where ${where}
          ), page as (
            -- The page's ids in order (a top-N sort, not a sort of every match), numbered.
            select p.id, p.position
              from unnest(array(select u.id from matched u order by ${orderBy(sort)} limit ${limit} offset ${offset}))
                   with ordinality as p(id, position)
          )
          select (select count(*)::int from matched) as total, listed.*
            from (select) as one
            left join lateral (select page.position, ${USER_COLUMNS} from page join auth.users u on u.id = page.id) as listed on true
           order by listed.position`;
}

type SearchRow = UserRow & { total: number; position: string | null };

export async function listUsers(db: Queryable, query: UserListQuery): Promise<{ users: UserRow[]; total: number }> {
  const params: SqlParam[] = [query.aud];
  const add = (value: SqlParam) => {
    params.push(value);
    return `$${params.length}`;
  };
  const conditions = ['u.aud = $1', 'u.deleted_at is null'];
  if (query.filter) {
    const pattern = add(`%${query.filter.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    const idRange = idPrefixRange(query.filter);
    const byId = idRange ? ` or u.id between ${add(idRange[0])}::uuid and ${add(idRange[1])}::uuid` : '';
    conditions.push(
      `(u.email ilike ${pattern} or u.phone ilike ${pattern} or u.email_change ilike ${pattern}
        or u.raw_user_meta_data ->> 'full_name' ilike ${pattern}${byId})`,
    );
  }
  if (query.isAnonymous !== undefined) conditions.push(`u.is_anonymous = ${add(query.isAnonymous)}`);
  if (query.kind) conditions.push(userKindSql(query.kind));
  if (query.provider) {
    conditions.push(`exists (select 1 from auth.identities i where i.user_id = u.id and i.provider = ${add(query.provider)})`);
  }
  const where = conditions.join(' and ');
  const filterParams = [...params];
  const limit = add(query.perPage);
  const offset = add((query.page - 1) * query.perPage);
  if (query.filter) {
    const rows = await db.query<SearchRow>(searchSql(where, query.sort, limit, offset), params);
    const users = rows.filter((row) => row.position !== null).map(({ total: _total, position: _position, ...user }) => user as UserRow);
    return { users, total: rows[0].total };
  }
  const [users, count] = await Promise.all([
    db.query<UserRow>(pageSql(where, query.sort, limit, offset), params),
    db.query<{ total: number }>(`select count(*)::int as total from auth.users u where ${where}`, filterParams),
  ]);
  return { users, total: count[0].total };
}
