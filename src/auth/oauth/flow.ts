/**
 * The redirect flow: GET /authorize and GET /user/identities/authorize start it (a flow_state whose id
 * is the OAuth `state`, Foyer's own PKCE verifier and nonce towards the provider), GET|POST /callback
 * finishes it — once per state, within FLOW_STATE_TTL_SECONDS — and answers with where to send the
 * browser: `?code=` (PKCE clients), tokens in the fragment (implicit), or the error in both.
 */
import { randomUUID } from 'node:crypto';
import { FoyerError } from '../../errors.js';
import { claimOAuthFlow, completeFlowState, deleteFlowState, insertOAuthFlow, type CodeChallengeMethod } from '../../store/flow-state.js';
import { isUuid } from '../authenticate.js';
import type { AuthDeps, RequestMeta } from '../deps.js';
import { resolveRedirect } from '../redirect.js';
import { oauthErrorName, withQueryAndFragment } from '../redirect-url.js';
import { isCustomProviderName, lookUpCustomProvider } from './custom/registry.js';
import { linkIdentityToUser, mapConflict, type IdentityOutcome } from './link.js';
import { loadOpenidClient } from './openid-client-library.js';
import { providerRegistry } from './providers.js';
import { signSession, startUserSession, type StartedSession } from './session.js';
import { signInWithIdentity } from './sign-in.js';
import type { OAuthProvider } from './types.js';

/** GoTrue's OAuth state lives 5 minutes, and so does the flow it belongs to (code exchange included). */
export const FLOW_STATE_TTL_SECONDS = 300;

export interface AuthorizeInput {
  readonly provider: string | undefined;
  readonly redirectTo: string | undefined;
  readonly scopes: string | undefined;
  readonly codeChallenge: string | undefined;
  readonly codeChallengeMethod: string | undefined;
  /** Every other query parameter, passed on to the provider (prompt, login_hint, hd, …). */
  readonly extraParams: Readonly<Record<string, string>>;
  /** The signed-in user for manual linking; null for sign-in. */
  readonly linkingTargetId: string | null;
}

/** Parameters Foyer sets itself; a client cannot override them through the pass-through. */
const reservedParams = new Set([
  'provider', 'scopes', 'code_challenge', 'code_challenge_method', 'redirect_to', 'skip_http_redirect',
  'client_id', 'redirect_uri', 'response_type', 'response_mode', 'scope', 'state', 'nonce', 'request', 'request_uri',
]);

export function passThroughParams(query: Readonly<Record<string, unknown>>): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [key, value] of Object.entries(query)) {
    if (!reservedParams.has(key) && typeof value === 'string') params[key] = value;
  }
  return params;
}

export async function getProvider(deps: AuthDeps, name: string | undefined): Promise<OAuthProvider> {
  if (name && isCustomProviderName(name)) {
    const found = await lookUpCustomProvider(deps.config, deps.db, name);
    if ('provider' in found) return found.provider;
    throw new FoyerError('validation_failed', `Unsupported provider: ${found.message}`);
  }
  const provider = name ? providerRegistry(deps.config).get(name) : undefined;
  if (!provider) throw new FoyerError('validation_failed', `Unsupported provider: Provider ${name ?? ''} could not be found`);
  return provider;
}

/** GoTrue's validatePKCEParams: both or neither, 43–128 characters, s256 or plain. */
export function parsePkceParams(challenge: string | undefined, method: string | undefined): { challenge: string; method: CodeChallengeMethod } | null {
  if (!challenge && !method) return null;
  if (!challenge || !method) throw new FoyerError('validation_failed', 'PKCE flow requires code_challenge_method and code_challenge');
  if (challenge.length < 43 || challenge.length > 128) {
    throw new FoyerError('validation_failed', 'code challenge has to be between 43 and 128 characters');
  }
  const normalized = method.toLowerCase();
  if (normalized !== 's256' && normalized !== 'plain') throw new FoyerError('validation_failed', 'code challenge method not supported');
  return { challenge, method: normalized };
}

/** The provider's authorization URL for a new flow. */
export async function startAuthorization(deps: AuthDeps, input: AuthorizeInput): Promise<string> {
  const provider = await getProvider(deps, input.provider);
  const pkce = parsePkceParams(input.codeChallenge, input.codeChallengeMethod);
  const state = randomUUID();
  const client = await loadOpenidClient();
  const providerCodeVerifier = client.randomPKCECodeVerifier();
  const nonce = provider.usesNonce ? client.randomNonce() : null;
  // The URL first: if the provider cannot be reached, no flow is left behind.
  const { url, providerVerifier } = await provider.authorizationUrl({
    state,
    codeChallenge: await client.calculatePKCECodeChallenge(providerCodeVerifier),
    nonce,
    scopes: (input.scopes ?? '').split(/[\s,]+/).filter(Boolean),
    extraParams: input.extraParams,
  });
  await insertOAuthFlow(deps.db, {
    id: state,
    authCode: randomUUID(),
    codeChallenge: pkce?.challenge ?? '',
    codeChallengeMethod: pkce?.method ?? 'plain',
    providerType: provider.name,
    authenticationMethod: 'oauth',
    userId: null,
    linkingTargetId: input.linkingTargetId,
    referrer: resolveRedirect(deps.config, input.redirectTo),
    providerCodeVerifier: providerVerifier ?? providerCodeVerifier,
    providerNonce: nonce,
    clientFlow: pkce ? 'pkce' : 'implicit',
  });
  return url;
}

export interface CallbackResult {
  readonly status: 302 | 303;
  readonly location: string;
  /** The failure behind an error redirect, for the server log. */
  readonly failure?: FoyerError;
}

/** GoTrue's redirectErrors: `error`, `error_code` and `error_description` in the query and the fragment. */
export function errorLocation(target: string, error: FoyerError): string {
  // The provider's own error (the user cancelled, …) is passed on as it came, as GoTrue does.
  const providerError = error.extra?.provider_error;
  if (typeof providerError === 'string') {
    return withQueryAndFragment(target, new URLSearchParams({ error: providerError, error_description: error.message }));
  }
  const name =
    error.code === 'signup_disabled' || error.code === 'user_banned' || error.code === 'provider_email_needs_verification'
      ? 'access_denied'
      : oauthErrorName(error.status);
  return withQueryAndFragment(target, new URLSearchParams({ error: name, error_code: error.code, error_description: error.message }));
}

const badState = (deps: AuthDeps, code: 'bad_oauth_state' | 'bad_oauth_callback', message: string): CallbackResult => {
  const failure = new FoyerError(code, message);
  return { status: 303, location: errorLocation(deps.config.siteUrl, failure), failure };
};

export async function oauthCallback(deps: AuthDeps, params: URLSearchParams, meta: RequestMeta): Promise<CallbackResult> {
  const { config, db } = deps;
  const state = params.get('state');
  if (!state) return badState(deps, 'bad_oauth_callback', 'OAuth state parameter missing');
  const flow = isUuid(state) ? await claimOAuthFlow(db, state) : undefined;
  if (!flow) return badState(deps, 'bad_oauth_state', 'OAuth callback with invalid state');
  if (flow.age_seconds > FLOW_STATE_TTL_SECONDS) {
    await deleteFlowState(db, flow.id);
    return badState(deps, 'bad_oauth_state', 'OAuth callback with invalid state: the state has expired');
  }
  const target = config.externalRedirectUrl ?? flow.referrer ?? config.siteUrl;
  const pkce = flow.client_flow === 'pkce';
  try {
    const provider = await getProvider(deps, flow.provider_type);
    // OAuth 1.0a (Twitter) says `denied=<request token>` when the user cancels.
    const providerError = params.get('error') ?? (params.get('denied') ? 'access_denied' : null);
    if (providerError) {
      // The user declined, or the provider refused: its own words, as GoTrue passes them on.
      throw new FoyerError('bad_oauth_callback', params.get('error_description') ?? providerError, { extra: { provider_error: providerError } });
    }
    if (!params.get('code') && !params.get('oauth_verifier')) {
      throw new FoyerError('bad_oauth_callback', 'OAuth callback without an authorization code');
    }
    const { tokens, profile } = await provider.exchange(params, {
      state: flow.id,
      codeVerifier: flow.provider_code_verifier,
      nonce: flow.provider_nonce,
    });
    const outcome = await db
      .transaction(async (tx): Promise<IdentityOutcome & { started?: StartedSession }> => {
        const common = { provider: provider.name, profile, redirectTo: target, method: 'oauth' as const, meta };
        const result = flow.linking_target_id
          ? await linkIdentityToUser(deps, tx, { ...common, targetUserId: flow.linking_target_id })
          : await signInWithIdentity(deps, tx, common);
        if (result.error) return result;
        if (pkce) {
          await completeFlowState(tx, flow.id, {
            userId: result.userId,
            providerAccessToken: tokens.accessToken,
            providerRefreshToken: tokens.refreshToken,
          });
          return result;
        }
        return { ...result, started: await startUserSession(deps, tx, result.userId, 'oauth', meta) };
      })
      .catch(mapConflict);
    if (outcome.error) throw outcome.error;
    if (pkce) {
      const url = new URL(target);
      url.searchParams.set('code', flow.auth_code);
      return { status: 302, location: url.toString() };
    }
    const session = await signSession(deps, outcome.started as StartedSession, tokens);
    const fragment = new URLSearchParams({
      access_token: session.access_token,
      expires_at: String(session.expires_at),
      expires_in: String(session.expires_in),
      ...(session.provider_refresh_token ? { provider_refresh_token: session.provider_refresh_token } : {}),
      provider_token: tokens.accessToken,
      refresh_token: session.refresh_token,
      token_type: 'bearer',
    });
    const url = new URL(target);
    url.hash = `${fragment.toString()}&sb=`;
    return { status: 302, location: url.toString() };
  } catch (error) {
    if (pkce) await deleteFlowState(db, flow.id);
    const failure = error instanceof FoyerError ? error : new FoyerError('unexpected_failure', 'Unexpected failure in the OAuth callback');
    if (!(error instanceof FoyerError)) Object.assign(failure, { cause: error });
    return { status: 302, location: errorLocation(target, failure), failure };
  }
}
