/**
 * The state kept between the two halves of a ceremony, stored in webauthn_challenges.session_data in
 * the JSON shape GoTrue's WebAuthn library writes (go-webauthn's SessionData), so a challenge issued
 * by Foyer can be finished by GoTrue and the other way round:
 *
 *   {"challenge": "<base64url>", "rpId": "example.com", "user_id": "<standard base64>" | null,
 *    "allowed_credentials": ["<standard base64>", …] (when a ceremony names them),
 *    "expires": "0001-01-01T00:00:00Z" (no library deadline: the row's expires_at decides),
 *    "userVerification": "preferred", "credParams": [{"type": "public-key", "alg": -7}, …] (registration)}
 *
 * Go writes byte arrays in standard, padded base64; the user id is the user's UUID as text (its bytes).
 */

export type UserVerification = 'required' | 'preferred' | 'discouraged';

export interface CeremonySession {
  /** base64url, unpadded, as sent to the browser. */
  readonly challenge: string;
  readonly rpId: string;
  /** The user the ceremony is for (its UUID), or null for a discoverable sign-in. */
  readonly userId: string | null;
  /** Credential ids (base64url) the ceremony allows; empty: any. */
  readonly allowedCredentialIds: readonly string[];
  readonly userVerification: UserVerification;
  /** Registration: the COSE algorithms offered. */
  readonly algorithms: readonly number[];
  /** A deadline the library itself set (GoTrue sets none: the row's expires_at decides), Unix ms. */
  readonly expiresAtMs: number | null;
}

const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

const toStdBase64 = (base64url: string) => Buffer.from(base64url, 'base64url').toString('base64');

export function sessionDataJson(session: CeremonySession): string {
  const data: Record<string, unknown> = {
    challenge: session.challenge,
    rpId: session.rpId,
    user_id: session.userId === null ? null : Buffer.from(session.userId, 'utf8').toString('base64'),
  };
  if (session.allowedCredentialIds.length > 0) data.allowed_credentials = session.allowedCredentialIds.map(toStdBase64);
  data.expires = session.expiresAtMs === null ? GO_ZERO_TIME : new Date(session.expiresAtMs).toISOString();
  data.userVerification = session.userVerification;
  if (session.algorithms.length > 0) data.credParams = session.algorithms.map((alg) => ({ type: 'public-key', alg }));
  return JSON.stringify(data);
}

const verifications = new Set<string>(['required', 'preferred', 'discouraged']);
const STD_BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Reads session_data (Foyer's or GoTrue's); undefined when it is not a ceremony's state. */
export function readSessionData(value: unknown): CeremonySession | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const data = value as Record<string, unknown>;
  if (typeof data.challenge !== 'string' || data.challenge === '') return undefined;
  let userId: string | null = null;
  if (typeof data.user_id === 'string' && data.user_id !== '') {
    if (!STD_BASE64.test(data.user_id)) return undefined;
    userId = Buffer.from(data.user_id, 'base64').toString('utf8');
  } else if (data.user_id !== null && data.user_id !== undefined && data.user_id !== '') {
    return undefined;
  }
  const allowed = Array.isArray(data.allowed_credentials) ? data.allowed_credentials : [];
  if (!allowed.every((id) => typeof id === 'string' && STD_BASE64.test(id))) return undefined;
  const params = Array.isArray(data.credParams) ? data.credParams : [];
  const algorithms = params
    .map((param) => (param && typeof param === 'object' ? (param as { alg?: unknown }).alg : undefined))
    .filter((alg): alg is number => typeof alg === 'number');
  let expiresAtMs: number | null = null;
  if (typeof data.expires === 'string' && data.expires !== GO_ZERO_TIME && !data.expires.startsWith('0001-01-01')) {
    const parsed = Date.parse(data.expires);
    if (Number.isFinite(parsed)) expiresAtMs = parsed;
  }
  const verification = typeof data.userVerification === 'string' && verifications.has(data.userVerification) ? data.userVerification : 'preferred';
  return {
    challenge: data.challenge,
    rpId: typeof data.rpId === 'string' ? data.rpId : '',
    userId,
    allowedCredentialIds: (allowed as string[]).map((id) => Buffer.from(id, 'base64').toString('base64url')),
    userVerification: verification as UserVerification,
    algorithms,
    expiresAtMs,
  };
}
