/**
 * The user behind a wallet: found by its identity (provider "web3", provider_id web3:<chain>:<address>)
 * or created with it, then given a session whose AMR method is "web3" — all in one transaction.
 * A wallet has no email address, so nothing here confirms or links by address (GoTrue skips that for
 * Web3 too): a wallet's first sign-in always makes a new user. An Authorization header is not read,
 * as GoTrue does not: an anonymous user signing in with a wallet gets the wallet's user, and the
 * anonymous one stays as it was (GoTrue has no Web3 linking).
 */
import { FoyerError } from '../../errors.js';
import { newRefreshToken } from '../../security/crypto.js';
import { insertAuditEntry } from '../../store/audit.js';
import type { Queryable } from '../../store/db.js';
import { findIdentity, insertIdentity, refreshIdentity } from '../../store/identities.js';
import { startSession } from '../../store/sessions.js';
import { lockUser, mergeUserMetadata, recomputeProviders } from '../../store/users.js';
import type { AuthDeps, RequestMeta } from '../deps.js';
import { createUser } from '../hooks/before-user-created.js';
import { withTokenHook, type SessionIssue } from '../tokens.js';
import type { SignInMessage } from './message.js';
import { newSessionId, newUserId } from '../ids.js';

export const WEB3_PROVIDER = 'web3';
export const WEB3_AMR_METHOD = 'web3';

export type Web3Chain = 'ethereum' | 'solana';

export interface VerifiedWallet {
  readonly chain: Web3Chain;
  readonly message: SignInMessage;
}

export const web3ProviderId = (wallet: VerifiedWallet) => `${WEB3_PROVIDER}:${wallet.chain}:${wallet.message.address}`;

/**
 * identity_data (and the user's metadata) as GoTrue records a wallet: its claims struct, with the
 * two booleans it never omits and the wallet's facts under custom_claims.
 */
export function web3IdentityData(wallet: VerifiedWallet): Record<string, unknown> {
  const { message, chain } = wallet;
  return {
    sub: web3ProviderId(wallet),
    email_verified: false,
    phone_verified: false,
    custom_claims: { address: message.address, chain, network: message.chainId, domain: message.domain, statement: message.statement },
  };
}

const banned = (bannedUntil: string | null) => Boolean(bannedUntil && Date.parse(bannedUntil) > Date.now());

export async function signInWithWallet(deps: AuthDeps, tx: Queryable, wallet: VerifiedWallet, meta: RequestMeta): Promise<SessionIssue> {
  const { config } = deps;
  const providerId = web3ProviderId(wallet);
  const identityDataJson = JSON.stringify(web3IdentityData(wallet));

  const existing = await findIdentity(tx, WEB3_PROVIDER, providerId);
  let userId: string;
  if (existing) {
    userId = existing.user_id;
    await refreshIdentity(tx, existing.id, identityDataJson);
    await mergeUserMetadata(tx, userId, identityDataJson);
  } else {
    if (config.disableSignup) throw new FoyerError('signup_disabled', 'Signups not allowed for this instance');
    userId = newUserId(config);
    await createUser(deps, tx, {
      id: userId,
      aud: config.jwtAud,
      role: config.jwtDefaultGroupName,
      email: null,
      phone: null,
      encryptedPassword: '',
      appMetadataJson: JSON.stringify({ provider: WEB3_PROVIDER, providers: [WEB3_PROVIDER] }),
      userMetadataJson: identityDataJson,
      emailConfirmed: false,
      phoneConfirmed: false,
      isAnonymous: false,
    }, meta.ip);
    // Two first sign-ins of one wallet at once: the second finds the identity taken and is undone.
    if (!(await insertIdentity(tx, { userId, provider: WEB3_PROVIDER, providerId, identityDataJson }))) {
      throw new FoyerError('conflict', 'This wallet is signing in from another request; sign a new message and try again');
    }
  }

  const user = await lockUser(tx, userId);
  if (!user) throw new FoyerError('user_not_found', 'User not found');
  await recomputeProviders(tx, userId);
  if (banned(user.banned_until)) throw new FoyerError('user_banned', 'User is banned');

  const { message, chain } = wallet;
  await insertAuditEntry(tx, {
    actorId: userId,
    action: 'login',
    logType: 'user',
    traits: { provider: WEB3_PROVIDER, chain, network: message.chainId, address: message.address, domain: message.domain, uri: message.uri.text },
    ip: meta.ip,
  });

  const sessionId = newSessionId();
  const refreshToken = newRefreshToken();
  const signedIn = await startSession(tx, { userId, sessionId, refreshToken, authenticationMethod: WEB3_AMR_METHOD, ...meta });
  if (!signedIn) throw new FoyerError('user_not_found', 'User not found');
  const amr = [{ method: WEB3_AMR_METHOD, timestamp: Math.floor(Date.now() / 1000) }];
  return withTokenHook(deps, tx, { user: signedIn, sessionId, refreshToken, aal: 'aal1', amr }, { ip: meta.ip });
}
