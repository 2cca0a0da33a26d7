/**
 * What slows Foyer down on a PostgreSQL database over time, read from the server and the installed
 * driver: `foyer start` warns about it in its banner and log, `foyer doctor` lists it.
 */
import type { Db } from './db.js';
import { DRIVER_UNPATCHED, driverPatched } from './driver-patch.js';

/**
 * Without autovacuum, dead row versions pile up and statistics go stale. Prepared statements then keep
 * plans made for the tables' old sizes (a plan is remade only when ANALYZE changes the statistics).
 */
export const AUTOVACUUM_OFF = {
  message: 'PostgreSQL runs with autovacuum off: dead rows pile up and statistics go stale, so queries keep plans made for the tables\' old sizes',
  fix: 'Set autovacuum = on (PostgreSQL\'s default) in postgresql.conf and reload; until then, run VACUUM ANALYZE regularly.',
} as const;

export interface DatabaseWarning {
  /** What was checked, as `foyer doctor` names it. */
  readonly check: string;
  readonly message: string;
  readonly fix: string;
}

/** The warnings that apply to `db` (none for the embedded engine: no autovacuum to run, no driver). */
export async function databaseWarnings(db: Db): Promise<DatabaseWarning[]> {
  if (db.engine !== 'postgres') return [];
  const warnings: DatabaseWarning[] = [];
  const [{ autovacuum }] = await db.query<{ autovacuum: string }>(`select current_setting('autovacuum') as autovacuum`);
  if (autovacuum !== 'on') warnings.push({ check: 'autovacuum', ...AUTOVACUUM_OFF });
  if (!driverPatched()) warnings.push({ check: 'database driver', ...DRIVER_UNPATCHED });
  return warnings;
}
