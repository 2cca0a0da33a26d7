/**
 * The two HTTP calls every OAuth 2.0 provider module makes: the authorization-code exchange at the
 * token endpoint (RFC 6749 §4.1.3, client secret in the body or as HTTP Basic, PKCE verifier when the
 * provider takes one) and authenticated JSON reads of the provider's API. Failures become GoTrue's
 * "Unable to exchange external code" / "Error getting user profile from external provider", with the
 * provider's OAuth error code but never a token.
 */
import { FoyerError } from '../../errors.js';

const PROVIDER_TIMEOUT_MS = 10_000;

/**
 * 'auto' (custom providers, whose method nobody declared): HTTP Basic first, as RFC 6749 §2.3.1 says every
 * server must take, and the client secret in the body if the server refuses that — Go's oauth2 AuthStyleAutoDetect,
 * which GoTrue uses for them.
 */
export type ClientAuthentication = 'client_secret_post' | 'client_secret_basic' | 'auto';

/** The token endpoint's JSON answer: access_token plus whatever else the provider adds (id_token, profile, …). */
export type TokenResponse = Readonly<Record<string, unknown>> & { readonly access_token: string };

export interface CodeExchange {
  readonly tokenEndpoint: string;
  readonly clientId: string;
  readonly secret: string;
  readonly clientAuthentication: ClientAuthentication;
  readonly code: string;
  readonly redirectUri: string;
  readonly codeVerifier?: string;
  /** How to reach the provider (a custom provider's refuses private addresses); Node's fetch by default. */
  readonly fetch?: typeof fetch;
}

/** HTTP Basic as RFC 6749 §2.3.1 wants it: each part form-encoded first. */
const basic = (clientId: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`;

export async function exchangeCode(exchange: CodeExchange): Promise<TokenResponse> {
  if (exchange.clientAuthentication !== 'auto') return exchangeOnce(exchange, exchange.clientAuthentication);
  try {
    return await exchangeOnce(exchange, 'client_secret_basic');
  } catch (error) {
    // Only a refusal of the client (not a network failure) is worth the second try.
    if (!(error instanceof FoyerError) || !/invalid_client|unauthorized_client|HTTP 40[01]/.test(error.message)) throw error;
    return exchangeOnce(exchange, 'client_secret_post');
  }
}

async function exchangeOnce(exchange: CodeExchange, method: 'client_secret_post' | 'client_secret_basic'): Promise<TokenResponse> {
  const body = new URLSearchParams({ grant_type: 'authorization_code', code: exchange.code, redirect_uri: exchange.redirectUri });
  const headers: Record<string, string> = { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' };
  if (method === 'client_secret_basic') {
    headers.authorization = basic(exchange.clientId, exchange.secret);
  } else {
    body.set('client_id', exchange.clientId);
    body.set('client_secret', exchange.secret);
  }
  if (exchange.codeVerifier) body.set('code_verifier', exchange.codeVerifier);
  let response: Response;
  try {
    response = await (exchange.fetch ?? fetch)(exchange.tokenEndpoint, { method: 'POST', headers, body, signal: AbortSignal.timeout(PROVIDER_TIMEOUT_MS) });
  } catch (error) {
    throw providerError('Unable to exchange external code', fetchFailure(error));
  }
  const payload = await readJson(response);
  if (!response.ok || typeof payload?.access_token !== 'string' || payload.access_token === '') {
    const code = typeof payload?.error === 'string' ? payload.error : `HTTP ${response.status}`;
    const description = typeof payload?.error_description === 'string' ? `: ${payload.error_description}` : '';
    throw providerError('Unable to exchange external code', `${code}${description}`);
  }
  return payload as TokenResponse;
}

export interface ApiRequest {
  readonly accessToken: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** As CodeExchange's. */
  readonly fetch?: typeof fetch;
}

/** GET a JSON document of the provider's API with the user's access token (GoTrue's makeRequest). */
export async function getJson<T>(url: string, request: ApiRequest): Promise<T> {
  let response: Response;
  try {
    response = await (request.fetch ?? fetch)(url, {
      headers: { accept: 'application/json', authorization: `Bearer ${request.accessToken}`, 'user-agent': 'Foyer', ...request.headers },
      signal: AbortSignal.timeout(PROVIDER_TIMEOUT_MS),
    });
  } catch (error) {
    throw providerError('Error getting user profile from external provider', fetchFailure(error));
  }
  const payload = await readJson(response);
  if (!response.ok || payload === undefined) {
    throw providerError('Error getting user profile from external provider', `${new URL(url).pathname} answered ${response.status}`);
  }
  return payload as T;
}

async function readJson(response: Response): Promise<Record<string, unknown> | undefined> {
  const text = await response.text();
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A connection refused because the provider's host is inside the server's network. Its message, which
 * names the host as configured but not the address it resolved to, is the one cause shown to the caller.
 */
export class ProviderAddressRefused extends Error {
  constructor(host: string, literal: boolean) {
    super(`${host} ${literal ? 'is' : 'resolves to'} a loopback, private, link-local, multicast or unspecified address`);
    this.name = 'ProviderAddressRefused';
  }
}

/**
 * What the caller is told of a failed fetch: its message ("fetch failed"), and the refusal above when that
 * was the cause. Other causes (connection refused, DNS failures, TLS) stay out: they describe the
 * server's network to whoever started the sign-in.
 */
export function fetchFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  for (let at: unknown = error.cause, depth = 0; at instanceof Error && depth < 4; at = at.cause, depth += 1) {
    if (at instanceof ProviderAddressRefused) return `${error.message}: ${at.message}`;
  }
  return error.message;
}

export const providerError = (what: string, reason: string) => new FoyerError('unexpected_failure', `${what}: ${reason}`);
