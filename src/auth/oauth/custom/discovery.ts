/**
 * A custom OpenID Connect provider's discovery document, fetched when the provider is created or its
 * issuer or discovery URL changes, and kept in the row (cached_discovery) as GoTrue keeps it: sign-ins use
 * the endpoints checked then, not whatever the URL serves later. The fetch is bounded (10 s, 1 MB), the
 * issuer must be the one configured (OpenID Connect Discovery §4.3), and the endpoints a sign-in needs must
 * be there — a broken configuration fails when the admin saves it, not when a user signs in.
 */
import { FoyerError } from '../../../errors.js';
import { readLimited } from '../../../security/read-limited.js';
import { fetchFailure } from '../provider-http.js';
import { publicOnlyFetch } from './public-fetch.js';
import { checkProviderUrl } from './url-guard.js';

const DISCOVERY_TIMEOUT_MS = 10_000;
const MAX_DISCOVERY_BYTES = 1 << 20;

/** What GoTrue stores of the document (its models.OIDCDiscovery). */
export interface StoredDiscovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  userinfo_endpoint?: string;
  jwks_uri: string;
  scopes_supported?: string[];
  response_types_supported?: string[];
  grant_types_supported?: string[];
  subject_types_supported?: string[];
}

/** {issuer}/.well-known/openid-configuration unless a discovery URL is set. */
export const discoveryUrlOf = (issuer: string, discoveryUrl: string | null): string =>
  discoveryUrl || `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;

const strings = (value: unknown): string[] | undefined =>
  Array.isArray(value) && value.every((item) => typeof item === 'string') ? (value as string[]) : undefined;

export async function fetchDiscovery(issuer: string, discoveryUrl: string | null, allowPrivateNetwork: boolean): Promise<StoredDiscovery> {
  const url = discoveryUrlOf(issuer, discoveryUrl);
  await checkProviderUrl('discovery_url', url, allowPrivateNetwork);
  const failed = (reason: string) => new FoyerError('validation_failed', `OIDC discovery from "${url}" failed: ${reason}`);
  let document: Record<string, unknown>;
  try {
    // No redirects: a redirect could lead anywhere. The address is checked again as it is connected to:
    // the name may resolve differently now than it did a moment ago.
    const response = await (allowPrivateNetwork ? fetch : publicOnlyFetch)(url, { headers: { accept: 'application/json' }, redirect: 'error', signal: AbortSignal.timeout(DISCOVERY_TIMEOUT_MS) });
    if (response.status !== 200) throw new Error(`the discovery URL answered ${response.status}`);
    const parsed: unknown = JSON.parse(await readLimited(response, MAX_DISCOVERY_BYTES, () => new Error('the document is larger than 1 MB')));
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('the document is not a JSON object');
    document = parsed as Record<string, unknown>;
  } catch (error) {
    throw failed(fetchFailure(error));
  }
  if (document.issuer !== issuer) throw failed(`issuer mismatch, expected "${issuer}" got ${JSON.stringify(document.issuer ?? '')}`);
  const text = (key: string) => (typeof document[key] === 'string' && document[key] !== '' ? (document[key] as string) : undefined);
  const missing = ['authorization_endpoint', 'token_endpoint', 'jwks_uri'].filter((key) => !text(key));
  if (missing.length > 0) {
    throw new FoyerError('validation_failed', `OIDC discovery document is missing required fields: ${missing.join(', ')}`);
  }
  const stored: StoredDiscovery = {
    issuer,
    authorization_endpoint: text('authorization_endpoint') as string,
    token_endpoint: text('token_endpoint') as string,
    jwks_uri: text('jwks_uri') as string,
  };
  const userinfo = text('userinfo_endpoint');
  if (userinfo) stored.userinfo_endpoint = userinfo;
  for (const key of ['scopes_supported', 'response_types_supported', 'grant_types_supported', 'subject_types_supported'] as const) {
    const list = strings(document[key]);
    if (list) stored[key] = list;
  }
  return stored;
}
