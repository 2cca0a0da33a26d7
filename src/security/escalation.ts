/**
 * Escalation: with FOYER_SECURITY_CAPTCHA_ANONYMOUS=spike, anonymous sign-ins need a CAPTCHA only while
 * the sign-up spike signal fires, and with the built-in provider a harder one the further the spike is
 * over its threshold. Every process reads the signal from the project database (the same numbers for
 * all) every FOYER_ANONYMOUS_SPIKE_CHECK_INTERVAL: the scheduler's spike round, and a request that finds
 * the reading older than that starts a new one without waiting for it. The request path reads the last
 * reading only: no query per sign-in.
 *
 * Periods of escalation are recorded (auth.foyer_captcha_escalations) with the sign-ins they challenged,
 * counted in memory here and added to the open period at each reading.
 */
import type { Config } from '../config/load.js';
import { addChallenged, closeEscalation, openEscalation } from '../store/captcha-escalations.js';
import type { Queryable } from '../store/db.js';
import { difficultyFor, escalationLevel, spikeFactor, type EscalationLevel } from '../stats/escalation-level.js';
import { checkSpike, type Spike, type SpikeLogger } from '../stats/report.js';

export type EscalationSettings = Pick<
  Config,
  | 'captchaEnabled'
  | 'captchaProvider'
  | 'captchaAnonymous'
  | 'altchaDifficulty'
  | 'altchaMaxDifficulty'
  | 'spikeThreshold'
  | 'spikeMinSignups'
  | 'spikeBaselineHours'
  | 'spikeCheckIntervalSeconds'
>;

/** What GET /settings, the admin status, /metrics and the console show. */
export interface EscalationView extends EscalationLevel {
  readonly checked_at: string | null;
}

export interface Escalation {
  /** The requirement for anonymous sign-ins now, from the last reading (refreshed in the background when older than the interval). */
  current(settings: EscalationSettings): Promise<EscalationView>;
  /** The view without starting a reading (reports). */
  view(settings: EscalationSettings): EscalationView;
  /** Reads the spike signal now, records the period's start or end, and reports the sign-ins challenged. */
  refresh(settings: EscalationSettings, log?: SpikeLogger): Promise<Spike>;
  /** A sign-in that had to present a solution because of the spike: admitted or refused. */
  noteChallenged(outcome: 'admitted' | 'refused'): void;
  /** Sign-ins challenged by escalation in this process since it started. */
  readonly challengedTotals: Readonly<{ admitted: number; refused: number }>;
}

const modeOf = (settings: EscalationSettings): EscalationLevel['mode'] => (settings.captchaEnabled ? settings.captchaAnonymous : 'never');

export function createEscalation(db: Queryable): Escalation {
  let firing = false;
  let factor = 1;
  let checkedAt: number | undefined;
  let reading: Promise<Spike> | undefined;
  const unreported = { admitted: 0, refused: 0 };
  const totals = { admitted: 0, refused: 0 };

  const view = (settings: EscalationSettings): EscalationView => ({
    ...escalationLevel(settings, firing, factor),
    checked_at: checkedAt === undefined ? null : new Date(checkedAt).toISOString(),
  });

  const readNow = async (settings: EscalationSettings, log?: SpikeLogger): Promise<Spike> => {
    const spike = await checkSpike(db, settings, log);
    const escalated = modeOf(settings) === 'spike' && spike.firing;
    firing = spike.firing;
    factor = spikeFactor(spike);
    checkedAt = Date.now();
    if (escalated) await openEscalation(db, factor, settings.captchaProvider === 'altcha' ? difficultyFor(settings, factor) : null);
    const { admitted, refused } = unreported;
    if (admitted + refused > 0) {
      unreported.admitted -= admitted;
      unreported.refused -= refused;
      await addChallenged(db, admitted, refused).catch((error: unknown) => {
        unreported.admitted += admitted;
        unreported.refused += refused;
        throw error;
      });
    }
    if (!escalated) await closeEscalation(db);
    return spike;
  };

  const refresh = (settings: EscalationSettings, log?: SpikeLogger): Promise<Spike> => {
    // One reading at a time per process; callers during one share it.
    reading ??= readNow(settings, log).finally(() => {
      reading = undefined;
    });
    return reading;
  };

  return {
    async current(settings) {
      if (modeOf(settings) === 'spike') {
        const stale = checkedAt === undefined || Date.now() - checkedAt > settings.spikeCheckIntervalSeconds * 1000;
        // The first reading of a process is awaited (a process started during a spike must not admit
        // anyone unchallenged); later ones run in the background while the last reading answers.
        if (checkedAt === undefined) await refresh(settings).catch(() => undefined);
        else if (stale) refresh(settings).catch(() => undefined);
      }
      return view(settings);
    },
    view,
    refresh,
    noteChallenged(outcome) {
      unreported[outcome] += 1;
      totals[outcome] += 1;
    },
    challengedTotals: totals,
  };
}
