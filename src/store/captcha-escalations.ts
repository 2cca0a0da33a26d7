/**
 * auth.foyer_captcha_escalations: when anonymous sign-ins needed a CAPTCHA because of a sign-up spike,
 * and what that did (the stats API and the console's Growth page). At most one period is open.
 */
import type { Queryable } from './db.js';

export interface EscalationPeriod {
  id: number;
  started_at: string;
  ended_at: string | null;
  peak_factor: number;
  peak_difficulty: number | null;
  /** Anonymous sign-ins admitted with a solved challenge while it was on. */
  challenged: number;
  /** Anonymous sign-ins refused for want of a (valid) solution while it was on. */
  refused: number;
}

const COLUMNS = `id::int as id, started_at, ended_at, peak_factor, peak_difficulty, challenged, refused`;

/** Opens the period unless one is open (whichever process comes first), and records the peak. */
export async function openEscalation(db: Queryable, factor: number, difficulty: number | null): Promise<void> {
  await db.query(
    `with opened as (
       insert into auth.foyer_captcha_escalations (peak_factor, peak_difficulty) values ($1, $2)
       on conflict ((true)) where ended_at is null do nothing
       returning id
     )
     update auth.foyer_captcha_escalations
        set peak_factor = greatest(peak_factor, $1), peak_difficulty = greatest(peak_difficulty, $2)
      where ended_at is null and not exists (select 1 from opened)`,
    [factor, difficulty],
  );
}

/** Ends the open period, if any. */
export async function closeEscalation(db: Queryable): Promise<void> {
  await db.query(`update auth.foyer_captcha_escalations set ended_at = now() where ended_at is null`);
}

/** Adds a process's sign-ins challenged since its last report to the open period. */
export async function addChallenged(db: Queryable, challenged: number, refused: number): Promise<void> {
  await db.query(
    `update auth.foyer_captcha_escalations set challenged = challenged + $1, refused = refused + $2 where ended_at is null`,
    [challenged, refused],
  );
}

/** Periods that were open at some point in the last `hours`, newest first (at most `limit`). */
export async function readEscalations(db: Queryable, hours: number, limit = 100): Promise<EscalationPeriod[]> {
  return db.query<EscalationPeriod>(
    `select ${COLUMNS} from auth.foyer_captcha_escalations
      where ended_at is null or ended_at >= now() - make_interval(hours => $1::int)
      order by started_at desc limit $2`,
    [hours, limit],
  );
}
