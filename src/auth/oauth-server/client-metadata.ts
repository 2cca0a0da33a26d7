/**
 * The metadata of an OAuth client (RFC 7591 names), checked as GoTrue checks it, plus what GoTrue lets
 * through and Foyer refuses because it would be stored wrong or shown as a link on a consent page:
 * a comma in a redirect URI (GoTrue stores the list comma-joined), URIs longer than the columns take,
 * client_uri / logo_uri that are not http(s) (a javascript: logo link), control characters in a name.
 */
import { FoyerError } from '../../errors.js';

export type ClientType = 'public' | 'confidential';
export type TokenEndpointAuthMethod = 'none' | 'client_secret_basic' | 'client_secret_post';
export const AUTH_METHODS: readonly TokenEndpointAuthMethod[] = ['none', 'client_secret_basic', 'client_secret_post'];
export const GRANT_TYPES = ['authorization_code', 'refresh_token'] as const;

const MAX_REDIRECT_URIS = 10;
const MAX_URI_LENGTH = 2048;
const MAX_NAME_LENGTH = 1024;
const DANGEROUS_SCHEMES = new Set(['javascript', 'data', 'file', 'vbscript', 'about', 'blob']);
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

const invalid = (message: string) => new FoyerError('validation_failed', message);

/** Why a redirect URI is refused (RFC 6749 §3.1.2, GoTrue's rules), or undefined. */
export function redirectUriProblem(uri: string): string | undefined {
  if (uri === '') return 'redirect URI cannot be empty';
  if (uri.length > MAX_URI_LENGTH) return `longer than ${MAX_URI_LENGTH} characters`;
  if (CONTROL.test(uri) || /\s/.test(uri)) return 'contains whitespace or control characters';
  if (uri.includes(',')) return 'contains a comma';
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'invalid URL format';
  }
  const scheme = url.protocol.slice(0, -1).toLowerCase();
  if (DANGEROUS_SCHEMES.has(scheme)) return `scheme '${scheme}' is not allowed for security reasons`;
  if (!url.host) return 'must have scheme and host';
  if (scheme === 'http' && !LOOPBACK_HOSTS.has(url.hostname)) return 'HTTP scheme only allowed for localhost';
  if (uri.includes('#')) return 'fragment not allowed in redirect URI';
  return undefined;
}

export function checkRedirectUris(uris: readonly string[] | undefined, required: boolean): void {
  if (uris === undefined || uris.length === 0) throw invalid(required ? 'redirect_uris is required' : 'redirect_uris cannot be empty');
  if (uris.length > MAX_REDIRECT_URIS) throw invalid(`redirect_uris cannot exceed ${MAX_REDIRECT_URIS} items`);
  for (const uri of uris) {
    const problem = redirectUriProblem(uri);
    if (problem) throw invalid(`invalid redirect_uri '${uri.slice(0, 200)}': ${problem}`);
  }
}

export function checkGrantTypes(grantTypes: readonly string[]): void {
  if (grantTypes.length === 0) throw invalid('grant_types cannot be empty');
  if (grantTypes.some((grant) => !(GRANT_TYPES as readonly string[]).includes(grant))) {
    throw invalid("grant_types must only contain 'authorization_code' and/or 'refresh_token'");
  }
}

export function checkClientName(name: string): void {
  if (name.length > MAX_NAME_LENGTH) throw invalid(`client_name cannot exceed ${MAX_NAME_LENGTH} characters`);
  if (CONTROL.test(name)) throw invalid('client_name cannot contain control characters');
}

/** client_uri and logo_uri: absolute http(s) URLs (they become links and images on consent pages). */
export function checkWebUri(field: 'client_uri' | 'logo_uri', uri: string): void {
  if (uri === '') return;
  if (uri.length > MAX_URI_LENGTH) throw invalid(`${field} cannot exceed ${MAX_URI_LENGTH} characters`);
  let url: URL | undefined;
  try {
    url = new URL(uri);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || !url.host || CONTROL.test(uri)) {
    throw invalid(`${field} must be a valid URL`);
  }
}

export function checkAuthMethod(method: string): asserts method is TokenEndpointAuthMethod {
  if (!(AUTH_METHODS as readonly string[]).includes(method)) {
    throw invalid(`token_endpoint_auth_method must be one of: [${AUTH_METHODS.join(' ')}]`);
  }
}

/** The client type a token endpoint auth method implies. */
export const clientTypeOf = (method: TokenEndpointAuthMethod): ClientType => (method === 'none' ? 'public' : 'confidential');

export const validMethodsFor = (type: ClientType): TokenEndpointAuthMethod[] =>
  type === 'public' ? ['none'] : ['client_secret_basic', 'client_secret_post'];
