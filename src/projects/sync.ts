/**
 * Keeping every Foyer process on one control database in step: each listens on the foyer_platform
 * channel (PostgreSQL LISTEN on a connection of its own) and reloads what a notification names, within
 * a second of the commit. On every (re)connection, and every POLL_MS as a safety net, it compares
 * versions and reloads whatever differs. Embedded mode has one process: changes apply in-process.
 */
import postgres from 'postgres';
import { PLATFORM_CHANNEL } from '../store/platform-projects.js';
import type { ProjectRegistry } from './registry.js';

const POLL_MS = 15_000;

export interface PlatformSync {
  close(): Promise<void>;
}

export async function startSync(registry: ProjectRegistry, databaseUrl: string | undefined): Promise<PlatformSync> {
  if (!databaseUrl) return { close: async () => {} };
  const log = registry.log;
  const sql = postgres(databaseUrl, {
    max: 1,
    idle_timeout: 0,
    connect_timeout: 10,
    onnotice: () => {},
    connection: { application_name: 'foyer-platform-listen' },
  });
  let stopped = false;
  const refresh = () => {
    if (stopped) return;
    registry.refreshAll().catch((error: unknown) => log.warn(`platform refresh failed: ${(error as Error).message}`));
  };
  const onMessage = (payload: string) => {
    if (stopped) return;
    let message: { type?: unknown; ref?: unknown };
    try {
      message = JSON.parse(payload) as typeof message;
    } catch {
      return;
    }
    if (typeof message.ref !== 'string') return;
    if (message.type === 'settings') void registry.reloadSettings(message.ref);
    else if (message.type === 'project') registry.refreshProjects().catch((error: unknown) => log.warn(`project refresh failed: ${(error as Error).message}`));
  };
  let connectedOnce = false;
  // postgres.js re-listens after a lost connection and calls onlisten again: catch up on what was missed.
  await sql.listen(PLATFORM_CHANNEL, onMessage, () => {
    if (connectedOnce) refresh();
    connectedOnce = true;
  });
  const poll = setInterval(refresh, POLL_MS);
  poll.unref();
  return {
    async close() {
      stopped = true;
      clearInterval(poll);
      await sql.end({ timeout: 2 }).catch(() => {});
    },
  };
}
