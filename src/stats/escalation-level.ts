/**
 * How far CAPTCHA escalation goes for a reading of the spike signal: whether anonymous sign-ins need a
 * challenge (FOYER_SECURITY_CAPTCHA_ANONYMOUS) and, with the built-in provider, how hard it is. Pure
 * functions of the settings and the reading, so every process and every report agrees.
 */
import type { Config } from '../config/load.js';
import type { Spike } from './report.js';

export type EscalationLevelSettings = Pick<Config, 'captchaEnabled' | 'captchaProvider' | 'captchaAnonymous' | 'altchaDifficulty' | 'altchaMaxDifficulty'>;

export interface EscalationLevel {
  /** When anonymous sign-ins need a challenge: always, spike, never (never: CAPTCHA is off). */
  readonly mode: 'always' | 'spike' | 'never';
  /** Whether anonymous sign-ins need a challenge now (the budget may ask for one too, per request). */
  readonly required: boolean;
  /** Whether the spike signal has turned the requirement on (mode spike only). */
  readonly escalated: boolean;
  /** The difficulty of a built-in challenge now; null for other providers or when none is needed. */
  readonly difficulty: number | null;
  /** How many times over its threshold the spike is (1 while calm). */
  readonly factor: number;
}

/**
 * How many times over its firing threshold the last hour is, in whole doublings: 1 up to twice the
 * threshold, 2 up to four times, 4, 8… Steps, not a smooth ratio: each sign-up must not change the
 * difficulty, or a solution in flight would fall below the one required when it arrives.
 */
export function spikeFactor(spike: Pick<Spike, 'firing' | 'last_hour' | 'threshold' | 'baseline_per_hour' | 'min_signups'>): number {
  if (!spike.firing) return 1;
  const threshold = Math.max(spike.threshold * spike.baseline_per_hour, spike.min_signups);
  const ratio = spike.last_hour / threshold;
  return ratio < 2 ? 1 : 2 ** Math.floor(Math.log2(ratio));
}

/** The built-in provider's difficulty for a spike `factor` times over its threshold (at most the maximum). */
export function difficultyFor(settings: Pick<Config, 'altchaDifficulty' | 'altchaMaxDifficulty'>, factor: number): number {
  return Math.min(settings.altchaMaxDifficulty, Math.max(settings.altchaDifficulty, Math.round(settings.altchaDifficulty * factor)));
}

export function escalationLevel(settings: EscalationLevelSettings, firing: boolean, factor: number): EscalationLevel {
  const mode = settings.captchaEnabled ? settings.captchaAnonymous : 'never';
  const escalated = mode === 'spike' && firing;
  const required = mode === 'always' || escalated;
  return {
    mode,
    required,
    escalated,
    difficulty: required && settings.captchaProvider === 'altcha' ? difficultyFor(settings, escalated ? factor : 1) : null,
    factor: Math.round((escalated ? factor : 1) * 100) / 100,
  };
}
