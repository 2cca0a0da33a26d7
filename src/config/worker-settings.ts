/**
 * FOYER_WORKERS, spread into settingsSchema: how many processes `foyer start` serves the API with on
 * this host (node:cluster; they share the listening ports). A primary process does the one-time work
 * and supervises them (src/cli/workers.ts; docs/operations.md, "Workers").
 *
 * Several workers are several Foyer processes: whatever one of them counts must be counted where all of
 * them see it. So workers need PostgreSQL (the embedded database belongs to one process) and shared
 * rate-limit counters; a configuration that cannot have them stops the start instead of quietly
 * admitting N times each limit.
 */
import { usableCpus } from './cpu-count.js';
import { ConfigError, parseInteger } from './parse.js';
import { isBlank } from './parse-protection.js';
import { setting } from './setting.js';

/** More is surely a typo: a worker per core is the point, and hosts with more cores than this are rare. */
export const MAX_WORKERS = 256;

export const workerSettings = {
  workers: setting({
    env: ['FOYER_WORKERS'],
    doc:
      'Processes serving the API on this host, sharing its ports (node:cluster): a number, or auto (one per CPU core this process may use: the cores it may run on, capped by its cgroup CPU quota, e.g. a container\'s --cpus, rounded up). ' +
      'More than 1 needs DATABASE_URL and shared rate-limit counters (FOYER_RATE_LIMIT_STORE postgres or redis); see docs/operations.md, "Workers".',
    defaultText: '1',
    read: (raw, name) => {
      if (isBlank(raw)) return 1;
      if (raw.trim().toLowerCase() === 'auto') return usableCpus();
      if (!/^\s*\d+\s*$/.test(raw)) throw new ConfigError(`${name} must be a whole number of processes (1 to ${MAX_WORKERS}) or auto, got ${JSON.stringify(raw)}`);
      const workers = parseInteger(name, raw, 1);
      if (workers > MAX_WORKERS) throw new ConfigError(`${name} must be at most ${MAX_WORKERS} (or auto: one per CPU core), got ${workers}`);
      return workers;
    },
  }),
} as const;

/** Checks that span several settings; each names the variable to change. */
export function workerProblems(values: Readonly<Record<string, unknown>>, embedded: boolean): string[] {
  const workers = values.workers;
  if (typeof workers !== 'number' || workers <= 1) return [];
  if (embedded) {
    return [
      `FOYER_WORKERS=${workers} needs DATABASE_URL: the embedded database (PGlite) runs inside one process and cannot be shared by several, ` +
        'so only one Foyer process can serve it; unset FOYER_WORKERS (or set 1), or run on PostgreSQL',
    ];
  }
  if (values.rateLimitStore === 'memory') {
    return [
      `FOYER_RATE_LIMIT_STORE=memory cannot be used with FOYER_WORKERS=${workers}: each worker would count on its own and admit each limit ` +
        `${workers} times; use postgres (the default with DATABASE_URL) or redis`,
    ];
  }
  return [];
}
