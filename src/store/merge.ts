/** Moving an anonymous user's rows to another user: the catalog's foreign keys to auth.users, re-pointed. */
import type { Queryable } from './db.js';

export interface UserReference {
  /** Schema-qualified and quoted as Postgres prints it (regclass::text). */
  table_name: string;
  /** Quoted column name. */
  column_name: string;
}

/**
 * Single-column foreign keys to auth.users(id) outside the auth schema: the application's user data.
 * (auth's own rows — sessions, identities — go with the anonymous user when it is deleted.)
 */
export async function userReferences(db: Queryable): Promise<UserReference[]> {
  return db.query<UserReference>(
    `select c.conrelid::regclass::text as table_name, quote_ident(a.attname) as column_name
       from pg_constraint c
       join pg_attribute a on a.attrelid = c.conrelid and a.attnum = c.conkey[1]
      where c.contype = 'f' and c.confrelid = 'auth.users'::regclass and cardinality(c.conkey) = 1
        and c.conrelid::regclass::text not like 'auth.%'
      order by 1, 2`,
  );
}

/** Re-points one reference; returns how many rows moved. Identifiers come from the catalog, quoted. */
export async function repointReference(db: Queryable, reference: UserReference, fromUserId: string, toUserId: string): Promise<number> {
  const rows = await db.query<{ moved: number }>(
    `with moved as (update ${reference.table_name} set ${reference.column_name} = $2 where ${reference.column_name} = $1 returning 1)
     select count(*)::int as moved from moved`,
    [fromUserId, toUserId],
  );
  return rows[0].moved;
}

/** Calls the operator's merge function, e.g. `public.merge_anonymous_user(from_user uuid, to_user uuid)`. */
export async function callMergeFunction(db: Queryable, qualifiedName: string, fromUserId: string, toUserId: string): Promise<void> {
  const [schema, name] = qualifiedName.split('.');
  await db.query(`select ${quoteIdent(schema)}.${quoteIdent(name)}($1::uuid, $2::uuid)`, [fromUserId, toUserId]);
}

const quoteIdent = (identifier: string): string => `"${identifier.replace(/"/g, '""')}"`;
