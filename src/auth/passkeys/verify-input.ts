/** The body of POST /passkeys/{registration,authentication}/verify, checked in GoTrue's order. */
import { FoyerError } from '../../errors.js';
import type { Queryable } from '../../store/db.js';
import type { WebAuthnChallengeType } from '../../store/webauthn-challenges.js';
import { isUuid } from '../authenticate.js';
import type { CeremonySession } from '../webauthn/ceremony-session.js';
import { consumeChallenge } from '../webauthn/challenges.js';
import { CredentialShapeError } from '../webauthn/credential-json.js';

export interface CeremonyAnswer {
  /** '' when absent or null (GoTrue's zero value). */
  readonly challengeId: string;
  /** undefined when absent; JSON null is present (GoTrue's json.RawMessage keeps it). */
  readonly credential: unknown;
}

/**
 * The body as GoTrue's JSON decoding reads it: an object, challenge_id a string (or null), credential
 * any JSON value. Anything else is bad_json, as a Go type mismatch is.
 */
export function readCeremonyAnswer(body: unknown): CeremonyAnswer {
  if (body === undefined || body === null) throw new FoyerError('bad_json', 'Could not parse request body as JSON: body is empty');
  if (typeof body !== 'object' || Array.isArray(body)) throw new FoyerError('bad_json', 'Could not parse request body as JSON: expected an object');
  const { challenge_id: challengeId, credential } = body as { challenge_id?: unknown; credential?: unknown };
  if (challengeId !== undefined && challengeId !== null && typeof challengeId !== 'string') {
    throw new FoyerError('bad_json', 'Could not parse request body as JSON: challenge_id must be a string');
  }
  return { challengeId: challengeId ?? '', credential };
}

/** The fields that must be there before a challenge is looked up; returns the challenge's id. */
export function requireCeremonyAnswer(answer: CeremonyAnswer): string {
  if (answer.challengeId === '') throw new FoyerError('validation_failed', 'challenge_id is required');
  if (answer.credential === undefined) throw new FoyerError('validation_failed', 'credential is required');
  if (!isUuid(answer.challengeId)) throw new FoyerError('validation_failed', 'challenge_id must be a valid UUID');
  return answer.challengeId;
}

export const challengeNotFound = () => new FoyerError('webauthn_challenge_not_found', 'Challenge not found or already used');
export const challengeExpired = () => new FoyerError('webauthn_challenge_expired', 'Challenge has expired');
export const invalidCredentialResponse = () => new FoyerError('webauthn_verification_failed', 'Invalid credential response');
export const verificationFailed = () => new FoyerError('webauthn_verification_failed', 'Credential verification failed');

/**
 * The start both verify steps share: the body read in GoTrue's order, the challenge of `type` for
 * `userId` taken whatever follows (a challenge serves one attempt, so a replay finds nothing), then the
 * credential parsed by `parse`. `session` undefined: the stored state is not one a ceremony can finish.
 */
export async function takeCeremony<Credential>(
  db: Queryable,
  body: unknown,
  type: WebAuthnChallengeType,
  userId: string | null,
  parse: (credential: unknown) => Credential,
): Promise<{ session: CeremonySession | undefined; credential: Credential }> {
  const answer = readCeremonyAnswer(body);
  const challengeId = requireCeremonyAnswer(answer);
  const consumed = await consumeChallenge(db, challengeId, type, userId);
  if (consumed.status === 'not_found') throw challengeNotFound();
  if (consumed.status === 'expired') throw challengeExpired();
  try {
    return { session: consumed.session, credential: parse(answer.credential) };
  } catch (error) {
    if (error instanceof CredentialShapeError) throw invalidCredentialResponse();
    throw error;
  }
}
