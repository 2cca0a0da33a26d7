/**
 * Ceremony state between its two requests, in auth.webauthn_challenges: issued with an expiry, used at
 * most once (consuming deletes it in the same statement that reads it), bound to its user when it has one.
 */
import type { Queryable } from '../../store/db.js';
import { consumeWebAuthnChallenge, insertWebAuthnChallenge, type WebAuthnChallengeType } from '../../store/webauthn-challenges.js';
import { readSessionData, sessionDataJson, type CeremonySession } from './ceremony-session.js';

export interface IssuedChallenge {
  readonly challengeId: string;
  /** Unix seconds. */
  readonly expiresAt: number;
}

export async function issueChallenge(
  db: Queryable,
  input: { readonly type: WebAuthnChallengeType; readonly session: CeremonySession; readonly expirySeconds: number },
): Promise<IssuedChallenge> {
  const row = await insertWebAuthnChallenge(db, {
    userId: input.session.userId,
    type: input.type,
    sessionDataJson: sessionDataJson(input.session),
    expirySeconds: input.expirySeconds,
  });
  return { challengeId: row.id, expiresAt: row.expires_at };
}

export type ConsumedChallenge =
  | { readonly status: 'not_found' }
  | { readonly status: 'expired' }
  /** `session` undefined: the row's state is not one a ceremony can finish with. */
  | { readonly status: 'usable'; readonly session: CeremonySession | undefined };

/** Takes the challenge `challengeId` (a UUID) of `type` for `userId` (null: for nobody), whatever its state. */
export async function consumeChallenge(
  db: Queryable,
  challengeId: string,
  type: WebAuthnChallengeType,
  userId: string | null,
): Promise<ConsumedChallenge> {
  const row = await consumeWebAuthnChallenge(db, challengeId, type, userId);
  if (!row) return { status: 'not_found' };
  if (row.expired) return { status: 'expired' };
  return { status: 'usable', session: readSessionData(row.session_data) };
}
