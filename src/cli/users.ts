/** `foyer users`: list users, anonymous or permanent, with when they were last active. */
import type { Config } from '../config/load.js';
import { listUsersWithActivity } from '../store/user-list.js';
import { table, withDatabase } from './context.js';

export interface UsersOptions {
  readonly anonymous?: boolean;
  readonly permanent?: boolean;
  readonly stale?: boolean;
  readonly limit: number;
  readonly json?: boolean;
}

export async function listUsers(config: Config, options: UsersOptions): Promise<void> {
  if (options.anonymous && options.permanent) throw new Error('choose one of --anonymous and --permanent');
  const kind = options.anonymous || options.stale ? 'anonymous' : options.permanent ? 'permanent' : 'all';
  const staleDays = options.stale ? config.cleanupInactiveDays : undefined;
  const { users, total } = await withDatabase(config, (db) => listUsersWithActivity(db, { kind, staleDays, limit: options.limit }));
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ total, users }, null, 2)}\n`);
    return;
  }
  const what = options.stale ? `stale anonymous users (inactive ${staleDays} days)` : kind === 'all' ? 'users' : `${kind} users`;
  process.stdout.write(`${total} ${what}${total > users.length ? `, newest ${users.length} shown (--limit)` : ''}\n`);
  if (users.length === 0) return;
  const rows = [
    ['id', 'kind', 'created_at', 'last_active_at', 'email/phone'],
    ...users.map((user) => [
      user.id,
      user.is_anonymous ? 'anonymous' : 'permanent',
      user.created_at ?? '-',
      user.last_active_at ?? '-',
      user.email ?? user.phone ?? '',
    ]),
  ];
  process.stdout.write(`${table(rows)}\n`);
}
