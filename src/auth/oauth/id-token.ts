/**
 * POST /token?grant_type=id_token: an ID token a native or one-tap client got from Apple, Microsoft
 * (azure), Facebook (Limited Login), Google, Kakao, Keycloak, Snapchat, Vercel Marketplace, the generic OpenID Connect
 * provider or a custom OpenID Connect provider ("custom:<name>"),
 * verified against that provider's keys (cached remote JWKS), its issuer and Foyer's client ids. With `link_identity: true` and the user's Bearer token the identity is
 * linked to that user (GoTrue does not check GOTRUE_SECURITY_MANUAL_LINKING_ENABLED here, nor does Foyer);
 * otherwise it signs in or up.
 */
import { createHash } from 'node:crypto';
import { FoyerError } from '../../errors.js';
import { authenticateUser } from '../authenticate.js';
import type { AuthDeps, RequestMeta } from '../deps.js';
import { isCustomProviderName, lookUpCustomProvider } from './custom/registry.js';
import { linkIdentityToUser, mapConflict, type IdentityOutcome } from './link.js';
import { providerRegistry } from './providers.js';
import { signSession, startUserSession, type OAuthSessionResponse, type StartedSession } from './session.js';
import { signInWithIdentity } from './sign-in.js';
import type { OAuthProvider } from './types.js';
import { resolveRedirect } from '../redirect.js';

export interface IdTokenGrantInput {
  readonly provider?: string;
  readonly idToken?: string;
  readonly accessToken?: string;
  readonly nonce?: string;
  readonly linkIdentity?: boolean;
  readonly clientId?: string;
  readonly issuer?: string;
}

/** GoTrue's id_token issuers, named as clients name them, with the issuer its "not enabled" error shows. */
const idTokenIssuers: Readonly<Record<string, (config: AuthDeps['config']) => string | undefined>> = {
  apple: (config) => config.externalAppleUrl ?? 'https://appleid.apple.com',
  azure: (config) => `${config.externalAzureUrl ?? 'https://login.microsoftonline.com/common'}/v2.0`,
  facebook: (config) => config.externalFacebookUrl ?? 'https://www.facebook.com',
  google: () => 'https://accounts.google.com',
  kakao: (config) => config.externalKakaoUrl ?? 'https://kauth.kakao.com',
  keycloak: (config) => config.externalKeycloakUrl,
  snapchat: (config) => (config.externalSnapchatUrl ? `${config.externalSnapchatUrl}/accounts/oauth2/token` : 'https://accounts.snapchat.com/accounts/oauth2/token'),
  vercel_marketplace: (config) => config.externalVercelMarketplaceUrl ?? 'https://marketplace.vercel.com',
};

type IdTokenProvider = OAuthProvider & Required<Pick<OAuthProvider, 'verifyIdToken'>>;

/** A custom provider's ID tokens: OpenID Connect ones only, with GoTrue's errors for the others. */
async function customIdTokenProvider(deps: AuthDeps, name: string): Promise<IdTokenProvider> {
  const found = await lookUpCustomProvider(deps.config, deps.db, name);
  if ('refusal' in found) {
    if (found.refusal === 'disabled_feature') throw new FoyerError('validation_failed', 'Custom OAuth providers are disabled');
    if (found.refusal === 'disabled') throw new FoyerError('provider_disabled', `Custom provider "${name}" is disabled`);
    throw new FoyerError('validation_failed', `Custom provider "${name}" not found`);
  }
  if (found.row.provider_type !== 'oidc' || !found.provider.verifyIdToken) {
    throw new FoyerError('validation_failed', `Provider "${name}" is not an OIDC provider`);
  }
  return found.provider as IdTokenProvider;
}

async function idTokenProvider(deps: AuthDeps, name: string | undefined): Promise<IdTokenProvider> {
  const { config } = deps;
  const wanted = (name ?? '').trim().toLowerCase();
  if (isCustomProviderName(wanted)) return customIdTokenProvider(deps, wanted);
  const provider = wanted ? providerRegistry(config).get(wanted) : undefined;
  if (provider?.verifyIdToken) return provider as IdTokenProvider;
  if (!provider) {
    const issuer = Object.hasOwn(idTokenIssuers, wanted)
      ? idTokenIssuers[wanted]?.(config)
      : wanted === config.externalOidcName && config.externalOidcIssuer ? config.externalOidcIssuer : null;
    if (issuer !== null) throw new FoyerError('provider_disabled', `Provider (issuer "${issuer ?? ''}") is not enabled`);
  }
  throw new FoyerError('validation_failed', `Custom OIDC provider "${name ?? ''}" not allowed`);
}

/** GoTrue's rule: the token carries sha256(nonce) in hex, the client sends the nonce itself. */
function checkNonce(tokenNonce: string | undefined, sentNonce: string | undefined): void {
  if (Boolean(tokenNonce) !== Boolean(sentNonce)) {
    throw new FoyerError('validation_failed', 'Passed nonce and nonce in id_token should either both exist or not.');
  }
  if (tokenNonce && sentNonce && createHash('sha256').update(sentNonce).digest('hex') !== tokenNonce) {
    throw new FoyerError('validation_failed', 'Nonces mismatch');
  }
}

export async function idTokenGrant(
  deps: AuthDeps,
  input: IdTokenGrantInput,
  authorization: string | undefined,
  meta: RequestMeta,
): Promise<OAuthSessionResponse> {
  if (!input.idToken) throw new FoyerError('validation_failed', 'id_token required');
  if (!input.provider && (!input.clientId || !input.issuer)) {
    throw new FoyerError('validation_failed', 'provider or client_id and issuer required');
  }
  const provider = await idTokenProvider(deps, input.provider);
  // Who is linking is settled before any call to the provider.
  const caller = input.linkIdentity ? await authenticateUser(deps, authorization) : null;
  const { profile, nonce } = await provider.verifyIdToken(input.idToken, { accessToken: input.accessToken || undefined });
  // GOTRUE_EXTERNAL_<PROVIDER>_SKIP_NONCE_CHECK (always for Facebook's Limited Login, as GoTrue), or
  // GOTRUE_EXTERNAL_SKIP_NONCE_CHECK — the name Supabase's compose file offers — for every provider.
  if (!deps.config.externalSkipNonceCheck && !provider.skipNonceCheck) checkNonce(nonce, input.nonce || undefined);

  const redirectTo = resolveRedirect(deps.config, undefined);
  const outcome = await deps.db
    .transaction(async (tx): Promise<IdentityOutcome & { started?: StartedSession }> => {
      const common = { provider: provider.name, profile, redirectTo, method: 'id_token' as const, meta };
      const result = caller
        ? await linkIdentityToUser(deps, tx, { ...common, targetUserId: caller.user.id })
        : await signInWithIdentity(deps, tx, common);
      if (result.error) return result;
      return { ...result, started: await startUserSession(deps, tx, result.userId, 'oauth', meta) };
    })
    .catch(mapConflict);
  if (outcome.error) throw outcome.error;
  return signSession(deps, outcome.started as StartedSession, null);
}
