/** Seeding for the operations tests: anonymous users with backdated activity, data rows, conversions. */
import { randomUUID } from 'node:crypto';
import { promoteToPermanent } from '../../src/auth/promotion.js';
import type { Queryable } from '../../src/store/db.js';
import { insertAnonymousUserWithSession } from '../../src/store/anonymous-sign-in.js';

export interface SeedOptions {
  /** Created, signed in and last refreshed this many days ago (default 0: now). */
  readonly daysAgo?: number;
  /** The session was refreshed this many days ago (default: daysAgo). */
  readonly refreshedDaysAgo?: number;
}

/** An anonymous user with one session, as an anonymous sign-in makes it, moved back in time. */
export async function seedAnonymous(db: Queryable, options: SeedOptions = {}): Promise<string> {
  const userId = randomUUID();
  const sessionId = randomUUID();
  await insertAnonymousUserWithSession(db, {
    userId,
    sessionId,
    refreshToken: randomUUID().replace(/-/g, '').slice(0, 12),
    aud: 'authenticated',
    role: 'authenticated',
    userMetadataJson: '{}',
    userAgent: 'seed',
    ip: '127.0.0.1',
  });
  const days = options.daysAgo ?? 0;
  const refreshed = options.refreshedDaysAgo ?? days;
  if (days > 0 || refreshed > 0) {
    // Distinct creation times (a millisecond apart) keep the order of seeding.
    await db.query(
      `update auth.users set created_at = now() - make_interval(days => $2::int) + (clock_timestamp() - now()),
              last_sign_in_at = now() - make_interval(days => $2::int), updated_at = now() - make_interval(days => $2::int)
        where id = $1`,
      [userId, days],
    );
    await db.query(
      `update auth.sessions set created_at = now() - make_interval(days => $2::int), updated_at = now() - make_interval(days => $3::int),
              refreshed_at = case when $3::int = $2::int then null else (now() - make_interval(days => $3::int)) at time zone 'UTC' end
        where user_id = $1`,
      [userId, days, refreshed],
    );
  }
  return userId;
}

export async function seedMany(db: Queryable, count: number, options: SeedOptions = {}): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) ids.push(await seedAnonymous(db, options));
  return ids;
}

/** The seed guide's cart: rows owned by users, with a foreign key to auth.users. */
export async function createCartTable(db: Queryable, name = 'cart_items', onDelete = 'cascade'): Promise<void> {
  await db.query(
    `create table if not exists public.${name} (
       id bigint generated always as identity primary key,
       user_id uuid not null references auth.users (id) on delete ${onDelete},
       item text not null
     )`,
  );
}

export async function addCartRow(db: Queryable, userId: string, table = 'cart_items'): Promise<void> {
  await db.query(`insert into public.${table} (user_id, item) values ($1, 'book')`, [userId]);
}

/** Converts through the one promotion path (writes user_converted), as an email link would. */
export async function convert(db: Queryable, userId: string, method: 'email' | 'admin' = 'email'): Promise<boolean> {
  await db.query(`update auth.users set email = $2, email_confirmed_at = now() where id = $1`, [userId, `${userId}@example.com`]);
  return promoteToPermanent(db, userId, method, null);
}

export async function existing(db: Queryable, ids: readonly string[]): Promise<Set<string>> {
  const rows = await db.query<{ id: string }>(`select id::text as id from auth.users where id = any($1::uuid[])`, [ids]);
  return new Set(rows.map((row) => row.id));
}

/** Parses Prometheus text into "name{labels}" → value (labels in the order printed). */
export function parseMetrics(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^(\S+?)(\{.*\})?\s+(\S+)$/.exec(line);
    if (match) values.set(`${match[1]}${match[2] ?? ''}`, Number(match[3]));
  }
  return values;
}

/** The value of a metric whose labels include all of `labels` (summed when several series match). */
export function metric(values: Map<string, number>, name: string, labels: Record<string, string> = {}): number | undefined {
  let total: number | undefined;
  for (const [key, value] of values) {
    const [metricName, rest = ''] = key.split('{');
    if (metricName !== name) continue;
    if (!Object.entries(labels).every(([label, expected]) => rest.includes(`${label}="${expected}"`))) continue;
    total = (total ?? 0) + value;
  }
  return total;
}
