/** Ending a served project: waiting for the requests it is answering, closing what it opened. */
import type { ServedProject } from './types.js';

/** Resolves once the project answers no request (the front server counts them), or after `limitMs`. */
export async function drained(served: ServedProject, limitMs: number): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (served.activeRequests > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
}

/** Closes the project's app and live components, and its database when `database` (the registry opened it). */
export async function closeServed(served: ServedProject, options: { database: boolean }): Promise<void> {
  await served.app.close().catch(() => {});
  if (served.gotrueApp !== served.app) await served.gotrueApp.close().catch(() => {});
  await served.live.close();
  if (options.database) await served.db.close().catch(() => {});
}
