/**
 * POST /factors: enrolling a TOTP factor, with GoTrue's rules (api.EnrollFactor, validateFactors):
 * expired unverified factors go first; then a friendly name already used by the user, too many
 * factors, too many verified factors, or an aal1 session of a user who already has a verified factor
 * refuse the enrolment. The factor starts unverified; its secret is stored encrypted when GoTrue's
 * database encryption is on. The checks and the insert run in one transaction holding the user's row,
 * so two enrolments at once cannot both pass a limit.
 */
import { randomUUID } from 'node:crypto';
import { dbEncryptionOf } from '../../config/db-encryption-settings.js';
import { FoyerError } from '../../errors.js';
import { sealStoredValue } from '../../security/encrypted-string.js';
import { deleteExpiredFactors, factorCensus, insertFactorAudit, insertTotpFactor } from '../../store/mfa-factors.js';
import { sessionAal } from '../../store/mfa-sessions.js';
import type { Caller } from '../authenticate.js';
import type { AuthDeps, RequestMeta } from '../deps.js';
import { requireSession } from './access.js';
import { qrCodeSvg } from './qr-svg.js';
import { generateTotpKey } from './totp.js';

export interface EnrollInput {
  readonly factorType?: string;
  readonly friendlyName?: string;
  readonly issuer?: string;
}

export interface EnrollResponse {
  id: string;
  type: 'totp';
  friendly_name: string;
  totp: { qr_code: string; secret: string; uri: string };
}

/** The host of GOTRUE_SITE_URL as Go's url.URL.Host reads it (port kept, user info dropped, case kept). */
function siteHost(siteUrl: string): string {
  return /^[A-Za-z][A-Za-z0-9+.-]*:\/\/(?:[^@/?#]*@)?([^/?#]*)/.exec(siteUrl)?.[1] ?? '';
}

/** GoTrue's factor_type switch; only TOTP can be enrolled in Foyer. */
function requireTotpEnrolment(deps: AuthDeps, factorType: string | undefined): void {
  switch (factorType) {
    case 'totp':
      if (!deps.config.mfaTotpEnrollEnabled) throw new FoyerError('mfa_totp_enroll_not_enabled', 'MFA enroll is disabled for TOTP');
      return;
    case 'phone':
      throw new FoyerError('mfa_phone_enroll_not_enabled', 'MFA enroll is disabled for Phone');
    case 'webauthn':
      throw new FoyerError('mfa_webauthn_enroll_not_enabled', 'MFA enroll is disabled for WebAuthn');
    default:
      throw new FoyerError('validation_failed', 'factor_type needs to be totp, phone, or webauthn');
  }
}

const tooMany = () => new FoyerError('too_many_enrolled_mfa_factors', 'Maximum number of verified factors reached, unenroll to continue');
const nameConflict = (name: string) =>
  new FoyerError('mfa_factor_name_conflict', `A factor with the friendly name ${JSON.stringify(name)} for this user already exists`);

export async function enrollFactor(deps: AuthDeps, caller: Caller, input: EnrollInput, meta: RequestMeta): Promise<EnrollResponse> {
  const { config } = deps;
  const sessionId = requireSession(caller, 'enroll a factor');
  requireTotpEnrolment(deps, input.factorType);
  const user = caller.user;
  const issuer = input.issuer || siteHost(config.siteUrl);
  const friendlyName = input.friendlyName ?? '';
  // GoTrue names the account by the email; it cannot enrol a user without one (a 500). Foyer falls back
  // to the phone, then the user id, so such users get a working factor.
  const key = generateTotpKey(issuer, user.email || user.phone || user.id);
  let qrCode: string;
  try {
    qrCode = await qrCodeSvg(key.uri);
  } catch {
    throw new FoyerError('validation_failed', 'The issuer is too long to fit in a QR code');
  }
  const factorId = randomUUID();
  const storedSecret = sealStoredValue(key.secret, factorId, dbEncryptionOf(config));

  await deps.db
    .transaction(async (tx) => {
      await tx.query('select 1 from auth.users where id = $1 for update', [user.id]);
      await deleteExpiredFactors(tx, config.mfaFactorExpirySeconds);
      const factors = await factorCensus(tx, user.id);
      if (factors.some((factor) => (factor.friendly_name ?? '') === friendlyName)) throw nameConflict(friendlyName);
      const verified = factors.filter((factor) => factor.status === 'verified').length;
      if (factors.length >= config.mfaMaxEnrolledFactors || verified >= config.mfaMaxVerifiedFactors) throw tooMany();
      if (verified > 0 && (await sessionAal(tx, sessionId, user.id)) !== 'aal2') {
        throw new FoyerError('insufficient_aal', 'AAL2 required to enroll a new factor', { status: 403 });
      }
      await insertTotpFactor(tx, { id: factorId, userId: user.id, friendlyName, secret: storedSecret });
      await insertFactorAudit(tx, { actorId: user.id, action: 'factor_in_progress', traits: { factor_id: factorId }, ip: meta.ip });
    })
    .catch((error: unknown) => {
      // The unique index on (friendly_name, user_id) (names that are not blank) has the last word.
      if ((error as { code?: string }).code === '23505') throw nameConflict(friendlyName);
      throw error;
    });
  return { id: factorId, type: 'totp', friendly_name: friendlyName, totp: { qr_code: qrCode, secret: key.secret, uri: key.uri } };
}
