/**
 * Authenticator assurance levels as GoTrue computes them (models.Session.CalculateAALAndAMR): a
 * session is aal2 as soon as one of its authentication methods is a second factor, else aal1.
 */
import type { FactorType } from '../../store/mfa-factors.js';
import type { AmrEntry } from '../../store/sessions.js';

/** The amr method each factor type records (GoTrue's amrMethodForFactorType). */
export const amrMethodOf: Readonly<Record<FactorType, string>> = { totp: 'totp', phone: 'mfa/phone', webauthn: 'mfa/webauthn' };

const SECOND_FACTOR_METHODS: ReadonlySet<string> = new Set(Object.values(amrMethodOf));

export type Aal = 'aal1' | 'aal2';

export const aalOf = (amr: readonly AmrEntry[]): Aal => (amr.some((entry) => SECOND_FACTOR_METHODS.has(entry.method)) ? 'aal2' : 'aal1');
