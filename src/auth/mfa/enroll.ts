/**
/**
 * POST /factors (GoTrue's EnrollFactor): the factor type's switch, then TOTP enrolment here (phone in
 * phone.ts, WebAuthn in webauthn.ts), all through GoTrue's rules (admission.ts). A TOTP factor starts
 * unverified; its secret is stored encrypted when GoTrue's database encryption is on.
 */
import { randomUUID } from 'node:crypto';
import { dbEncryptionOf } from '../../config/db-encryption-settings.js';
import { FoyerError } from '../../errors.js';
import { sealStoredValue } from '../../security/encrypted-string.js';
import { insertFactorAudit, insertTotpFactor } from '../../store/mfa-factors.js';
import type { Caller } from '../authenticate.js';
import type { AuthDeps, RequestMeta } from '../deps.js';
import { requireSession } from './access.js';
import { enrolWithinLimits } from './admission.js';
import { enrollPhoneFactor, type PhoneEnrollResponse } from './phone.js';
import { qrCodeSvg } from './qr-svg.js';
import { generateTotpKey } from './totp.js';
import { enrollWebAuthnFactor, type WebAuthnEnrollResponse } from './webauthn.js';

export interface EnrollInput {
  readonly factorType?: string;
  readonly friendlyName?: string;
  readonly issuer?: string;
  readonly phone?: string;
}

export interface TotpEnrollResponse {
  id: string;
  type: 'totp';
  friendly_name: string;
  totp: { qr_code: string; secret: string; uri: string };
}

export type EnrollResponse = TotpEnrollResponse | PhoneEnrollResponse | WebAuthnEnrollResponse;

/** The host of GOTRUE_SITE_URL as Go's url.URL.Host reads it (port kept, user info dropped, case kept). */
function siteHost(siteUrl: string): string {
  return /^[A-Za-z][A-Za-z0-9+.-]*:\/\/(?:[^@/?#]*@)?([^/?#]*)/.exec(siteUrl)?.[1] ?? '';
}

/** GoTrue's factor_type switch: each type as configured. */
function requireEnrolmentEnabled(deps: AuthDeps, factorType: string | undefined): 'totp' | 'phone' | 'webauthn' {
  switch (factorType) {
    case 'totp':
      if (!deps.config.mfaTotpEnrollEnabled) throw new FoyerError('mfa_totp_enroll_not_enabled', 'MFA enroll is disabled for TOTP');
      return 'totp';
    case 'phone':
      if (!deps.config.mfaPhoneEnrollEnabled) throw new FoyerError('mfa_phone_enroll_not_enabled', 'MFA enroll is disabled for Phone');
      return 'phone';
    case 'webauthn':
      if (!deps.config.mfaWebAuthnEnrollEnabled) throw new FoyerError('mfa_webauthn_enroll_not_enabled', 'MFA enroll is disabled for WebAuthn');
      return 'webauthn';
    default:
      throw new FoyerError('validation_failed', 'factor_type needs to be totp, phone, or webauthn');
  }
}

export async function enrollFactor(deps: AuthDeps, caller: Caller, input: EnrollInput, meta: RequestMeta): Promise<EnrollResponse> {
  const { config } = deps;
  const sessionId = requireSession(caller, 'enroll a factor');
  const factorType = requireEnrolmentEnabled(deps, input.factorType);
  if (factorType === 'phone') return enrollPhoneFactor(deps, caller, sessionId, input, meta);
  if (factorType === 'webauthn') return enrollWebAuthnFactor(deps, caller, { sessionId, friendlyName: input.friendlyName ?? '' }, meta);
  const user = caller.user;
  const issuer = input.issuer || siteHost(config.siteUrl);
  const friendlyName = input.friendlyName ?? '';
  // GoTrue names the account by the email; it cannot enrol a user without one (a 500). Foyer falls back
  // to the phone, then the user id, so such users get a working factor.
  const key = await generateTotpKey(issuer, user.email || user.phone || user.id);
  let qrCode: string;
  try {
    qrCode = await qrCodeSvg(key.uri);
  } catch {
    throw new FoyerError('validation_failed', 'The issuer is too long to fit in a QR code');
  }
  const factorId = randomUUID();
  const storedSecret = sealStoredValue(key.secret, factorId, dbEncryptionOf(config));

  await enrolWithinLimits(deps, { userId: user.id, sessionId, friendlyName }, async (tx) => {
    await insertTotpFactor(tx, { id: factorId, userId: user.id, friendlyName, secret: storedSecret });
    await insertFactorAudit(tx, { actorId: user.id, action: 'factor_in_progress', traits: { factor_id: factorId }, ip: meta.ip });
  });
  return { id: factorId, type: 'totp', friendly_name: friendlyName, totp: { qr_code: qrCode, secret: key.secret, uri: key.uri } };
}
