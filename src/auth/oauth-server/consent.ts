/**
 * The consent page's calls, for the signed-in user (supabase-js auth.oauth.getAuthorizationDetails,
 * approveAuthorization, denyAuthorization): GET /oauth/authorizations/{id} and POST …/consent.
 * GoTrue's rules: the first user to open a pending authorization claims it; anyone else, and any
 * authorization past its TTL, is answered 404 oauth_authorization_not_found; a user who already
 * consented to the client for these scopes is approved at once (the answer is then only redirect_url).
 * Each step runs with the authorization's row locked, so two tabs cannot both claim or approve it.
 *
 * Anonymous users are treated as GoTrue treats them: like any signed-in user (docs/oauth-server.md).
 */
import { randomUUID } from 'node:crypto';
import { FoyerError } from '../../errors.js';
import { findOAuthClient } from '../../store/oauth-server-clients.js';
import {
  approveAuthorization,
  claimForUser,
  denyAuthorization,
  findActiveConsent,
  lockAuthorization,
  markExpired,
  upsertConsent,
  type AuthorizationRow,
} from '../../store/oauth-server-authorizations.js';
import type { UserRow } from '../../store/users.js';
import type { AuthDeps } from '../deps.js';
import { isAllowedRedirect } from '../redirect.js';
import { errorRedirect, withParams } from './authorize.js';
import { coversScopes, parseScopes } from './scopes.js';

export interface AuthorizationDetails {
  authorization_id: string;
  redirect_uri: string;
  client: { id: string; name?: string; uri?: string; logo_uri?: string };
  user: { id: string; email?: string };
  scope: string;
}

export type DetailsAnswer = AuthorizationDetails | { redirect_url: string };

const notFound = () => new FoyerError('oauth_authorization_not_found', 'authorization not found');

/**
 * Browsers send Origin: a request from a page that is not the project's (SITE_URL or the allow list)
 * is refused, as GoTrue does. Servers and apps send none, which passes.
 */
export function checkOrigin(deps: AuthDeps, origin: string | undefined): void {
  if (origin && !isAllowedRedirect(deps.config, origin)) throw new FoyerError('validation_failed', 'unauthorized request origin');
}

const successRedirect = (authorization: AuthorizationRow, code: string): string =>
  withParams(authorization.redirect_uri, { code, state: authorization.state ?? undefined });

export async function authorizationDetails(deps: AuthDeps, user: UserRow, authorizationId: string): Promise<DetailsAnswer> {
  const outcome = await deps.db.transaction(async (tx) => {
    const row = await lockAuthorization(tx, authorizationId);
    if (!row) throw notFound();
    if (row.expired) {
      if (row.status === 'pending') await markExpired(tx, row.id);
      return 'expired' as const;
    }
    if (row.status !== 'pending') throw new FoyerError('validation_failed', 'authorization request cannot be processed');
    if (row.user_id === null) {
      await claimForUser(tx, row.id, user.id);
      const consent = await findActiveConsent(tx, user.id, row.client_id);
      if (consent && coversScopes(parseScopes(consent.scopes), parseScopes(row.scope))) {
        const code = randomUUID();
        await approveAuthorization(tx, row.id, code);
        return { row, code };
      }
    } else if (row.user_id !== user.id) {
      throw notFound();
    }
    return { row, code: undefined };
  });
  if (outcome === 'expired') throw notFound();
  if (outcome.code) return { redirect_url: successRedirect(outcome.row, outcome.code) };
  const client = await findOAuthClient(deps.db, outcome.row.client_id);
  if (!client) throw notFound();
  return {
    authorization_id: outcome.row.authorization_id,
    redirect_uri: outcome.row.redirect_uri,
    client: {
      id: client.id,
      ...(client.client_name ? { name: client.client_name } : {}),
      ...(client.client_uri ? { uri: client.client_uri } : {}),
      ...(client.logo_uri ? { logo_uri: client.logo_uri } : {}),
    },
    user: { id: user.id, ...(user.email ? { email: user.email } : {}) },
    scope: outcome.row.scope,
  };
}

export async function decideConsent(deps: AuthDeps, user: UserRow, authorizationId: string, action: 'approve' | 'deny'): Promise<{ redirect_url: string }> {
  const outcome = await deps.db.transaction(async (tx) => {
    const row = await lockAuthorization(tx, authorizationId);
    if (!row) throw notFound();
    if (row.expired) {
      if (row.status === 'pending') await markExpired(tx, row.id);
      return 'expired' as const;
    }
    if (row.status !== 'pending') throw new FoyerError('validation_failed', 'authorization request is no longer pending');
    if (row.user_id !== user.id) throw notFound();
    if (action === 'deny') {
      await denyAuthorization(tx, row.id);
      return errorRedirect(row.redirect_uri, 'access_denied', 'User denied the request', row.state);
    }
    const code = randomUUID();
    await approveAuthorization(tx, row.id, code);
    await upsertConsent(tx, user.id, row.client_id, row.scope);
    return successRedirect(row, code);
  });
  if (outcome === 'expired') throw notFound();
  return { redirect_url: outcome };
}
