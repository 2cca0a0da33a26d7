/** PostgreSQL server settings Foyer's performance depends on, read from the server it is connected to. */
import type { Db } from './db.js';

/**
 * Without autovacuum, dead row versions pile up and statistics go stale. Prepared statements then keep
 * plans made for the tables' old sizes (a plan is remade only when ANALYZE changes the statistics).
 */
export const AUTOVACUUM_OFF = {
  message: 'PostgreSQL runs with autovacuum off: dead rows pile up and statistics go stale, so queries keep plans made for the tables\' old sizes',
  fix: 'Set autovacuum = on (PostgreSQL\'s default) in postgresql.conf and reload; until then, run VACUUM ANALYZE regularly.',
} as const;

/** Whether autovacuum is off on a PostgreSQL server (never for the embedded engine, which has none to run). */
export async function autovacuumOff(db: Db): Promise<boolean> {
  if (db.engine !== 'postgres') return false;
  const [{ autovacuum }] = await db.query<{ autovacuum: string }>(`select current_setting('autovacuum') as autovacuum`);
  return autovacuum !== 'on';
}
