/**
 * How GoTrue reports an outcome to a browser it redirects: in the query and again in the fragment
 * (errors), or in the fragment alone. Shared by the email links (http/routes/verify.ts) and the OAuth
 * callback (auth/oauth/flow.ts).
 */
import type { FoyerError } from '../errors.js';

/** The OAuth 2.0 `error` name GoTrue gives an HTTP status. */
export const oauthErrorName = (status: number): string =>
  status === 400 ? 'invalid_request'
    : status === 401 ? 'unauthorized_client'
      : status === 403 ? 'access_denied'
        : status === 503 ? 'temporarily_unavailable'
          : 'server_error';

/** `target` with `params` in its query and again as its fragment (then `fragmentSuffix`). */
export function withQueryAndFragment(target: string, params: URLSearchParams, fragmentSuffix = ''): string {
  const url = new URL(target);
  for (const [key, value] of params) url.searchParams.set(key, value);
  url.hash = `${params.toString()}${fragmentSuffix}`;
  return url.toString();
}

export function errorRedirect(target: string, error: FoyerError): string {
  const params = new URLSearchParams({ error: oauthErrorName(error.status), error_code: error.code, error_description: error.message });
  return withQueryAndFragment(target, params, '&sb=');
}

export function fragmentRedirect(target: string, values: Record<string, string | number>): string {
  const url = new URL(target);
  const fragment = new URLSearchParams(Object.entries(values).map(([key, value]) => [key, String(value)]));
  url.hash = `${fragment.toString()}&sb=`;
  return url.toString();
}
