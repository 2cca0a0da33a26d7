/**
 * Adding a passkey to the signed-in user's account (POST /passkeys/registration/options and /verify):
 * GoTrue's checks and answers, the ceremony of src/auth/webauthn/, the passkey stored as GoTrue stores it.
 */
import { FoyerError } from '../../errors.js';
import { insertAuditEntry } from '../../store/audit.js';
import { insertWebAuthnCredential, listCredentialIds } from '../../store/webauthn-credentials.js';
import type { UserRow } from '../../store/users.js';
import type { Caller } from '../authenticate.js';
import type { AuthDeps } from '../deps.js';
import { issueChallenge } from '../webauthn/challenges.js';
import { parseRegistrationCredential } from '../webauthn/credential-json.js';
import { descriptorsOf, registrationCeremony, type CreationOptionsJson, type WebAuthnUser } from '../webauthn/options.js';
import { relyingPartyOf } from '../webauthn/relying-party.js';
import { verifyRegistration, type RegisteredCredential } from '../webauthn/verify.js';
import { assertMayManagePasskeys, assertNotAnonymous } from './access.js';
import { takeCeremony, verificationFailed } from './verify-input.js';
import { DEFAULT_PASSKEY_NAME, toPasskeyMetadata } from './view.js';

export interface RegistrationOptionsResponse {
  challenge_id: string;
  options: CreationOptionsJson;
  expires_at: number;
}

const tooManyPasskeys = () => new FoyerError('too_many_passkeys', 'Maximum number of passkeys reached');

/** GoTrue's names for the user in the browser's prompt: email, else phone; display name user_metadata.name. */
export function webauthnUserOf(user: UserRow): WebAuthnUser {
  const name = user.email || user.phone || '';
  const metaName = user.user_metadata?.name;
  return { id: user.id, name, displayName: typeof metaName === 'string' && metaName !== '' ? metaName : name };
}

export async function startPasskeyRegistration(deps: AuthDeps, caller: Caller): Promise<RegistrationOptionsResponse> {
  assertNotAnonymous(caller);
  await assertMayManagePasskeys(deps, caller, 'register');
  const existing = await listCredentialIds(deps.db, caller.user.id);
  if (existing.length >= deps.config.passkeyMaxPerUser) throw tooManyPasskeys();
  const ceremony = registrationCeremony(
    relyingPartyOf(deps.config),
    webauthnUserOf(caller.user),
    descriptorsOf(existing.map((hex) => Buffer.from(hex, 'hex').toString('base64url'))),
    // Discoverable credentials (sign-in without a name first); user verification asked for, not required.
    { residentKey: 'required', userVerification: 'preferred' },
    'none',
  );
  const issued = await issueChallenge(deps.db, {
    type: 'registration',
    session: ceremony.session,
    expirySeconds: deps.config.webauthnChallengeExpirySeconds,
  });
  return { challenge_id: issued.challengeId, options: ceremony.options, expires_at: issued.expiresAt };
}

export async function finishPasskeyRegistration(deps: AuthDeps, caller: Caller, body: unknown, ip: string | null) {
  assertNotAnonymous(caller);
  await assertMayManagePasskeys(deps, caller, 'register');
  const userId = caller.user.id;
  const { session, credential: parsed } = await takeCeremony(deps.db, body, 'registration', userId, parseRegistrationCredential);
  if (!session || session.userId !== userId) throw verificationFailed();
  let registered: RegisteredCredential;
  try {
    registered = await verifyRegistration(relyingPartyOf(deps.config), session, parsed);
  } catch {
    throw verificationFailed();
  }
  const outcome = await deps.db.transaction(async (tx) => {
    const result = await insertWebAuthnCredential(
      tx,
      {
        userId,
        credentialIdHex: registered.credentialId.toString('hex'),
        publicKeyHex: registered.publicKey.toString('hex'),
        attestationType: registered.attestationFormat,
        aaguid: registered.aaguid,
        signCount: registered.signCount,
        transports: registered.transports,
        backupEligible: registered.backupEligible,
        backedUp: registered.backedUp,
        friendlyName: DEFAULT_PASSKEY_NAME,
      },
      deps.config.passkeyMaxPerUser,
    );
    if ('inserted' in result) {
      await insertAuditEntry(tx, { actorId: userId, action: 'passkey_created', logType: 'user', traits: { passkey_id: result.inserted.id }, ip });
    }
    return result;
  });
  if ('refused' in outcome) {
    throw outcome.refused === 'too_many'
      ? tooManyPasskeys()
      : new FoyerError('webauthn_credential_exists', 'This credential is already registered');
  }
  return toPasskeyMetadata(outcome.inserted);
}
