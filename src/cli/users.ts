/** `foyer users`: list a project's users, anonymous or permanent, with when they were last active. */
import type { Config, Env } from '../config/load.js';
import type { UserListing } from '../store/user-list.js';
import { table } from './context.js';
import { runOperation } from './local-admin/run.js';

export interface UsersOptions {
  readonly anonymous?: boolean;
  readonly permanent?: boolean;
  readonly stale?: boolean;
  readonly limit: number;
  readonly json?: boolean;
  readonly project?: string;
}

export async function listUsers(config: Config, env: Env, options: UsersOptions): Promise<void> {
  if (options.anonymous && options.permanent) throw new Error('choose one of --anonymous and --permanent');
  if (options.stale && options.permanent) throw new Error('--stale lists anonymous users: it does not go with --permanent');
  const kind = options.anonymous || options.stale ? 'anonymous' : options.permanent ? 'permanent' : 'all';
  const params = { project: options.project, kind, stale: Boolean(options.stale), limit: options.limit };
  // The project's live FOYER_ANONYMOUS_CLEANUP_INACTIVE_DAYS decides what is stale (the console may have changed it).
  const listing = (await runOperation(config, env, 'users', params)) as { users: UserListing[]; total: number; stale_days: number | null };
  const { users, total } = listing;
  const staleDays = listing.stale_days;
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
