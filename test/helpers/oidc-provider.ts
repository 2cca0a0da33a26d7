/**
 * A real OpenID Connect provider (oidc-provider) on 127.0.0.1 for tests, and a scripted browser that
 * goes through its login and consent pages: it follows redirects with fetch, keeps the provider's
 * cookies, and submits the interaction forms it is shown, until the provider sends it elsewhere.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type OidcContext } from 'oidc-provider';

export interface TestAccount {
  email?: string;
  email_verified?: boolean;
  name?: string;
  /** Released with the `groups` scope (a claim outside OpenID Connect's standard ones). */
  groups?: string[];
  department?: string;
}

export interface TestOidcProvider {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Accounts that can sign in (login name = account id = `sub`); add more at any time. */
  readonly accounts: Map<string, TestAccount>;
  /**
   * Opens `authorizationUrl` as a browser would, signs in as `accountId`, consents, and returns the URL
   * the provider finally redirects to outside itself (the client's redirect URI with code and state).
   */
  authorize(authorizationUrl: string, accountId: string): Promise<URL>;
  /** Every request the provider received, as "METHOD /path", oldest first. */
  readonly requests: readonly string[];
  close(): Promise<void>;
}

/** Cookies per name for one host (the provider's), as a browser keeps them between requests. */
class CookieJar {
  private readonly cookies = new Map<string, string>();

  store(setCookies: readonly string[]): void {
    for (const line of setCookies) {
      const [pair, ...attributes] = line.split(';');
      const index = pair.indexOf('=');
      const name = pair.slice(0, index).trim();
      const value = pair.slice(index + 1).trim();
      const expired = attributes.some((attribute) => {
        const [key, raw] = attribute.split('=').map((part) => part.trim().toLowerCase());
        return (key === 'max-age' && Number(raw) <= 0) || (key === 'expires' && Date.parse(raw) < Date.now());
      });
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

const decodeHtml = (text: string) => text.replace(/&amp;/g, '&').replace(/&#x2F;/g, '/').replace(/&#x3D;/g, '=').replace(/&quot;/g, '"');

async function drive(issuerOrigin: string, authorizationUrl: string, accountId: string): Promise<URL> {
  const jar = new CookieJar();
  let url = new URL(authorizationUrl);
  let body: URLSearchParams | undefined;
  for (let step = 0; step < 20; step += 1) {
    const response = await fetch(url, {
      method: body ? 'POST' : 'GET',
      body,
      redirect: 'manual',
      headers: { cookie: jar.header(), ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
    });
    jar.store(response.headers.getSetCookie());
    if (response.status >= 300 && response.status < 400) {
      const location = new URL(response.headers.get('location') as string, url);
      if (location.origin !== issuerOrigin) return location;
      url = location;
      body = undefined;
      continue;
    }
    const html = await response.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    const prompt = /name="prompt" value="([^"]+)"/.exec(html)?.[1];
    if (response.status !== 200 || !action || !prompt) {
      throw new Error(`the provider answered ${response.status} at ${url.pathname} without a form to submit:\n${html.slice(0, 2000)}`);
    }
    // The login page asks for any login and password (devInteractions); consent just needs confirming.
    body = new URLSearchParams(prompt === 'login' ? { prompt, login: accountId, password: 'any password' } : { prompt });
    url = new URL(decodeHtml(action), url);
  }
  throw new Error('too many steps at the provider');
}

const TLS_DIR = fileURLToPath(new URL('../fixtures/tls/', import.meta.url));

/**
 * HTTPS with a certificate for localhost and 127.0.0.1 from the test-only CA in test/fixtures/tls (no key
 * to sign more is kept). Node trusts that CA only when the process starts with NODE_EXTRA_CA_CERTS naming
 * it, which `npm test` (bin/test.js) sets.
 */
function tlsOptions(): { key: Buffer; cert: Buffer } {
  const ca = `${TLS_DIR}ca.pem`;
  const trusted = process.env.NODE_EXTRA_CA_CERTS;
  let bundle = '';
  try {
    bundle = trusted ? readFileSync(trusted, 'utf8') : '';
  } catch {
    // Unreadable: refused below.
  }
  if (!bundle.includes(readFileSync(ca, 'utf8').trim())) {
    throw new Error(`An HTTPS test provider needs NODE_EXTRA_CA_CERTS to name a file holding ${ca} when the process starts: run it through npm test, or set it.`);
  }
  return { key: readFileSync(`${TLS_DIR}localhost-key.pem`), cert: readFileSync(`${TLS_DIR}localhost.pem`) };
}

export async function startOidcProvider(options: {
  redirectUris: readonly string[];
  accounts?: Record<string, TestAccount>;
  /** Serve over HTTPS (custom providers must be HTTPS URLs, as in GoTrue). */
  tls?: boolean;
}): Promise<TestOidcProvider> {
  const server: Server = options.tls ? createTlsServer(tlsOptions()) : createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `${options.tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const accounts = new Map(Object.entries(options.accounts ?? {}));
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: 'test-key' };
  const clientId = 'foyer-test-client';
  const clientSecret = 'foyer-test-client-secret-0123456789';

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [...options.redirectUris],
        response_types: ['code'],
        grant_types: ['authorization_code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    async findAccount(_ctx: OidcContext, id: string) {
      const account = accounts.get(id);
      if (!account) return undefined;
      return { accountId: id, claims: () => ({ sub: id, ...account }) };
    },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups', 'department'] },
    scopes: ['openid', 'offline_access', 'email', 'profile', 'groups'],
    // ID tokens carry the profile claims too, as Google's do (so the id_token grant sees the email).
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: true } },
    // Every authorization request must prove PKCE: shows that Foyer sends a challenge and its verifier.
    pkce: { required: () => true },
    cookies: { keys: ['oidc-provider-test-cookie-key'] },
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
    jwks: { keys: [signingKey] },
  });
  const requests: string[] = [];
  server.on('request', (request: { method?: string; url?: string }) => requests.push(`${request.method} ${new URL(request.url ?? '/', issuer).pathname}`));
  server.on('request', provider.callback());

  return {
    requests,
    issuer,
    clientId,
    clientSecret,
    accounts,
    authorize: (authorizationUrl, accountId) => drive(issuer, authorizationUrl, accountId),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
