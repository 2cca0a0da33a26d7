/** How GoTrue reports an error to a browser it redirects: in the query and again in the fragment. */
import type { FoyerError } from '../errors.js';

const oauthErrorName = (status: number): string =>
  status === 400 ? 'invalid_request'
    : status === 401 ? 'unauthorized_client'
      : status === 403 ? 'access_denied'
        : status === 503 ? 'temporarily_unavailable'
          : 'server_error';

export function errorRedirect(target: string, error: FoyerError): string {
  const params = new URLSearchParams({ error: oauthErrorName(error.status), error_code: error.code, error_description: error.message });
  const url = new URL(target);
  for (const [key, value] of params) url.searchParams.set(key, value);
  url.hash = `${params.toString()}&sb=`;
  return url.toString();
}

export function fragmentRedirect(target: string, values: Record<string, string | number>): string {
  const url = new URL(target);
  const fragment = new URLSearchParams(Object.entries(values).map(([key, value]) => [key, String(value)]));
  url.hash = `${fragment.toString()}&sb=`;
  return url.toString();
}
