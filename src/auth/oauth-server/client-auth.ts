/**
 * Who is calling POST /oauth/token: GoTrue's client authentication. The method is read from the
 * request (an `Authorization: Basic` header is client_secret_basic; client_id and client_secret in the
 * body client_secret_post; client_id alone none) and must be the one the client registered; a
 * confidential client's secret is checked against its hash in constant time. Failures are GoTrue's
 * 400 invalid_credentials, whatever was wrong, with no hint whether the client exists.
 */
import { FoyerError } from '../../errors.js';
import { findOAuthClient, type OAuthClientRow } from '../../store/oauth-server-clients.js';
import { isUuid } from '../authenticate.js';
import type { AuthDeps } from '../deps.js';
import { clientSecretMatches } from './client-secret.js';

export interface ClientCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly method: 'client_secret_basic' | 'client_secret_post' | 'none';
}

const refused = (message: string) => new FoyerError('invalid_credentials', message);

export function readClientCredentials(authorization: string | undefined, body: { client_id?: unknown; client_secret?: unknown }): ClientCredentials {
  if (authorization && authorization.startsWith('Basic ')) {
    const encoded = authorization.slice('Basic '.length).trim();
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encoded)) throw refused('Invalid client credentials: invalid basic auth encoding');
    const decoded = Buffer.from(encoded, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw refused('Invalid client credentials: invalid basic auth format');
    // RFC 6749 §2.3.1: both parts are form-encoded inside the header.
    const part = (text: string) => {
      try {
        return decodeURIComponent(text.replace(/\+/g, ' '));
      } catch {
        return text;
      }
    };
    return { clientId: part(decoded.slice(0, colon)), clientSecret: part(decoded.slice(colon + 1)), method: 'client_secret_basic' };
  }
  const clientId = typeof body.client_id === 'string' ? body.client_id : '';
  const clientSecret = typeof body.client_secret === 'string' ? body.client_secret : '';
  if (!clientId) throw refused('Invalid client credentials: client_id is required');
  return { clientId, clientSecret, method: clientSecret ? 'client_secret_post' : 'none' };
}

export async function authenticateClient(deps: AuthDeps, credentials: ClientCredentials): Promise<OAuthClientRow> {
  if (!isUuid(credentials.clientId)) throw refused('Invalid client_id format');
  const client = await findOAuthClient(deps.db, credentials.clientId);
  if (!client) throw refused('Invalid client credentials');
  if (credentials.method !== client.token_endpoint_auth_method) {
    throw refused(`invalid authentication method: client is registered for '${client.token_endpoint_auth_method}' but '${credentials.method}' was used`);
  }
  if (client.client_type === 'public') {
    if (credentials.clientSecret) throw refused('public clients must not provide client_secret');
    return client;
  }
  if (!credentials.clientSecret) throw refused('confidential clients must provide client_secret');
  if (!clientSecretMatches(credentials.clientSecret, client.client_secret_hash)) throw refused('invalid client credentials');
  return client;
}
