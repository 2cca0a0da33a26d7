/**
 * One local HTTP server standing in for every OAuth provider of the catalogue, each under its own path
 * prefix (`/discord`, `/apple`, …) that GOTRUE_EXTERNAL_<P>_URL points at. What each provider serves —
 * its documented endpoints, client authentication, scopes and JSON shapes — comes from
 * test/helpers/provider-fixtures.ts; this file is the protocol: the authorization endpoint (which
 * approves at once for the account queued for it, by redirect or Apple's form_post page), the token
 * endpoint (code once only, redirect_uri, client secret as the provider wants it, PKCE verifier), the
 * user APIs behind the access token, ID tokens signed with a test key, its JWKS and discovery
 * documents, and Twitter's OAuth 1.0a endpoints with every signature checked.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import OAuth from 'oauth-1.0a';
import type { Account, ProviderFixture } from './provider-fixtures.js';

export const FAKE_CLIENT_ID = 'fake-client-id';
export const FAKE_CLIENT_SECRET = 'fake-client-secret-0123456789';

interface IssuedCode {
  readonly fixture: ProviderFixture;
  readonly account: Account;
  readonly redirectUri: string;
  readonly challenge: string | null;
}

export interface ProviderFakes {
  readonly origin: string;
  /** GOTRUE_EXTERNAL_<P>_URL of a fixture. */
  baseUrl(fixture: ProviderFixture): string;
  /** The account the next authorization at this provider signs in as. */
  queue(fixture: ProviderFixture, account: Account): void;
  /** An ID token as the provider issues it (claims override anything). */
  idToken(fixture: ProviderFixture, account: Account, claims?: Record<string, unknown>, options?: { expiresInSeconds?: number }): Promise<string>;
  /** Token endpoint refusals, for assertions (a replayed code shows up here). */
  readonly tokenErrors: string[];
  close(): Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of request) body += chunk;
  return body;
}

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** The parameters of an `Authorization: OAuth k="v", …` header. */
function oauthHeader(header: string | undefined): Record<string, string> {
  const params: Record<string, string> = {};
  for (const match of (header ?? '').replace(/^OAuth\s+/, '').matchAll(/([a-z_]+)="([^"]*)"/g)) params[match[1]] = decodeURIComponent(match[2]);
  return params;
}

export async function startProviderFakes(fixtures: readonly ProviderFixture[]): Promise<ProviderFakes> {
  const byPrefix = new Map(fixtures.map((fixture) => [`/${fixture.prefix}`, fixture]));
  const queued = new Map<string, Account[]>();
  const codes = new Map<string, IssuedCode>();
  const tokens = new Map<string, { fixture: ProviderFixture; account: Account; nonce?: string }>();
  const tokenErrors: string[] = [];
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'fake-key', alg: 'RS256', use: 'sig' };
  const twitterTokens = new Map<string, { secret: string; callback?: string; verifier?: string; account: Account; access?: boolean }>();
  const oauth1 = new OAuth({
    consumer: { key: FAKE_CLIENT_ID, secret: FAKE_CLIENT_SECRET },
    signature_method: 'HMAC-SHA1',
    hash_function: (base, key) => createHmac('sha1', key).update(base).digest('base64'),
  });
  let origin = '';

  const baseUrl = (fixture: ProviderFixture) => `${origin}/${fixture.prefix}${fixture.basePath ?? ''}`;
  const take = (fixture: ProviderFixture): Account | undefined => queued.get(fixture.name)?.shift();

  async function idToken(fixture: ProviderFixture, account: Account, claims: Record<string, unknown> = {}, options: { expiresInSeconds?: number } = {}) {
    const base = baseUrl(fixture);
    const shaped = fixture.idTokenClaims?.(account, base) ?? {};
    return new SignJWT({ ...shaped, ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: 'fake-key' })
      .setIssuer(String(claims.iss ?? fixture.issuer?.(base) ?? base))
      .setAudience((claims.aud as string | undefined) ?? FAKE_CLIENT_ID)
      .setSubject(String(shaped.sub ?? account.id))
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + (options.expiresInSeconds ?? 600))
      .sign(privateKey);
  }

  /** Twitter's OAuth 1.0a: the signature over method, URL and parameters, with the consumer's and token's secrets. */
  function checkSignature(request: IncomingMessage, url: URL, form: URLSearchParams, tokenSecret?: string): Record<string, string> {
    const header = oauthHeader(request.headers.authorization);
    if (header.oauth_consumer_key !== FAKE_CLIENT_ID) throw new Error('wrong consumer key');
    const { oauth_signature: signature, ...oauthData } = header;
    const data = Object.fromEntries([...url.searchParams, ...form]);
    const expected = oauth1.getSignature(
      { url: `${url.origin}${url.pathname}`, method: request.method as string, data },
      tokenSecret,
      oauthData as unknown as OAuth.Data,
    );
    if (expected !== signature) throw new Error('bad OAuth 1.0a signature');
    return header;
  }

  const server: Server = createServer(async (request, response) => {
    const url = new URL(request.url as string, origin);
    const json = (status: number, value: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(value));
    };
    try {
      if (url.pathname === '/jwks' || url.pathname === '/apple/auth/keys') return json(200, { keys: [jwk] });
      if (url.pathname.endsWith('/.well-known/openid-configuration')) {
        const issuer = `${origin}${url.pathname.slice(0, -'/.well-known/openid-configuration'.length)}`;
        return json(200, { issuer, jwks_uri: `${origin}/jwks`, authorization_endpoint: `${issuer}/authorize`, token_endpoint: `${issuer}/token`, response_types_supported: ['code'] });
      }
      const prefix = `/${url.pathname.split('/')[1]}`;
      const fixture = byPrefix.get(prefix);
      if (!fixture) return json(404, { error: 'no such provider' });
      const path = url.pathname.slice(prefix.length + (fixture.basePath ?? '').length);
      const body = request.method === 'POST' ? await readBody(request) : '';
      const form = new URLSearchParams(body);

      if (fixture.name === 'twitter') return twitter(fixture, path, url, form, request, response);

      if (path === fixture.authorizePath && request.method === 'GET') {
        const params = url.searchParams;
        const problems = [
          params.get('client_id') !== FAKE_CLIENT_ID && 'client_id',
          params.get('response_type') !== 'code' && 'response_type',
          !params.get('redirect_uri') && 'redirect_uri',
          !params.get('state') && 'state',
          !fixture.scopes.every((scope) => (params.get('scope') ?? '').split(' ').includes(scope)) && `scope ${params.get('scope')}`,
          fixture.pkce && params.get('code_challenge_method') !== 'S256' && 'PKCE',
          ...(fixture.requiredAuthorizeParams ?? []).map((name) => !params.get(name) && name),
        ].filter(Boolean);
        if (problems.length > 0) return json(400, { error: 'invalid_request', problems });
        const account = take(fixture);
        if (!account) return json(400, { error: 'no account queued' });
        const code = randomBytes(10).toString('hex');
        const redirectUri = params.get('redirect_uri') as string;
        codes.set(code, { fixture, account, redirectUri, challenge: params.get('code_challenge') });
        const answer: Record<string, string> = { code, state: params.get('state') as string };
        if (fixture.formPost) {
          if (params.get('response_mode') !== 'form_post') return json(400, { error: 'response_mode' });
          if (account.appleUserField) answer.user = account.appleUserField;
          const inputs = Object.entries(answer).map(([name, value]) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`).join('');
          response.writeHead(200, { 'content-type': 'text/html' });
          return response.end(`<html><body onload="document.forms[0].submit()"><form method="post" action="${escapeHtml(redirectUri)}">${inputs}</form></body></html>`);
        }
        const back = new URL(redirectUri);
        for (const [key, value] of Object.entries(answer)) back.searchParams.set(key, value);
        response.writeHead(302, { location: back.href });
        return response.end();
      }

      if (path === fixture.tokenPath && request.method === 'POST') {
        const refuse = (error: string) => {
          tokenErrors.push(`${fixture.name}: ${error}`);
          return json(400, { error, error_description: `refused: ${error}` });
        };
        if (form.get('grant_type') !== 'authorization_code') return refuse('unsupported_grant_type');
        const basic = request.headers.authorization?.startsWith('Basic ')
          ? Buffer.from(request.headers.authorization.slice(6), 'base64').toString().split(':').map(decodeURIComponent)
          : undefined;
        if (fixture.clientAuth === 'basic') {
          if (!basic || basic[0] !== FAKE_CLIENT_ID || basic[1] !== FAKE_CLIENT_SECRET || form.has('client_secret')) return refuse('invalid_client');
        } else if (basic || form.get('client_id') !== FAKE_CLIENT_ID || form.get('client_secret') !== FAKE_CLIENT_SECRET) {
          return refuse('invalid_client');
        }
        const issued = codes.get(form.get('code') ?? '');
        // Once only: a second exchange of the same code is refused, as every provider does.
        codes.delete(form.get('code') ?? '');
        if (!issued || issued.fixture !== fixture) return refuse('invalid_grant');
        if (form.get('redirect_uri') !== issued.redirectUri) return refuse('invalid_grant');
        if (fixture.pkce) {
          const verifier = form.get('code_verifier') ?? '';
          if (createHash('sha256').update(verifier).digest('base64url') !== issued.challenge) return refuse('invalid_grant');
        } else if (form.has('code_verifier')) {
          return refuse('unexpected code_verifier');
        }
        const accessToken = randomBytes(16).toString('hex');
        tokens.set(accessToken, { fixture, account: issued.account });
        const answer: Record<string, unknown> = fixture.omitTokenType
          ? { access_token: accessToken }
          : { access_token: accessToken, token_type: 'bearer', expires_in: 3600, refresh_token: `refresh-${accessToken}` };
        Object.assign(answer, fixture.tokenExtras?.(issued.account) ?? {});
        if (fixture.idTokenInTokenResponse) answer.id_token = await idToken(fixture, issued.account);
        return json(200, answer);
      }

      const handler = fixture.api[path];
      if (handler && request.method === 'GET') {
        const token = request.headers.authorization?.replace(/^Bearer /, '') ?? '';
        const holder = tokens.get(token);
        if (!holder || holder.fixture !== fixture) return json(401, { error: 'invalid_token' });
        for (const [name, value] of Object.entries(fixture.apiHeaders ?? {})) {
          if (request.headers[name] !== value) return json(400, { error: `missing header ${name}` });
        }
        if (fixture.apiCheck) {
          const problem = fixture.apiCheck(url, token);
          if (problem) return json(400, { error: problem });
        }
        return json(200, handler(holder.account, url));
      }
      json(404, { error: `not found: ${path}` });
    } catch (error) {
      json(400, { error: (error as Error).message });
    }
  });

  function twitter(fixture: ProviderFixture, path: string, url: URL, form: URLSearchParams, request: IncomingMessage, response: import('node:http').ServerResponse) {
    const formAnswer = (values: Record<string, string>) => {
      response.writeHead(200, { 'content-type': 'application/x-www-form-urlencoded' });
      response.end(new URLSearchParams(values).toString());
    };
    if (path === '/oauth/request_token' && request.method === 'POST') {
      const header = checkSignature(request, url, form);
      const account = take(fixture);
      if (!account) throw new Error('no account queued');
      const token = `rt-${randomBytes(6).toString('hex')}`;
      const secret = randomBytes(8).toString('hex');
      twitterTokens.set(token, { secret, callback: header.oauth_callback ?? form.get('oauth_callback') ?? '', account });
      return formAnswer({ oauth_token: token, oauth_token_secret: secret, oauth_callback_confirmed: 'true' });
    }
    if (path === '/oauth/authenticate' && request.method === 'GET') {
      const token = url.searchParams.get('oauth_token') ?? '';
      const entry = twitterTokens.get(token);
      if (!entry?.callback) throw new Error('unknown request token');
      entry.verifier = randomBytes(6).toString('hex');
      const back = new URL(entry.callback);
      back.searchParams.set('oauth_token', token);
      back.searchParams.set('oauth_verifier', entry.verifier);
      response.writeHead(302, { location: back.href });
      return response.end();
    }
    if (path === '/oauth/access_token' && request.method === 'POST') {
      const header = oauthHeader(request.headers.authorization);
      const entry = twitterTokens.get(header.oauth_token ?? '');
      if (!entry || entry.access) throw new Error('unknown request token');
      checkSignature(request, url, form, entry.secret);
      if (!entry.verifier || form.get('oauth_verifier') !== entry.verifier) throw new Error('bad verifier');
      twitterTokens.delete(header.oauth_token as string);
      const token = `at-${randomBytes(6).toString('hex')}`;
      const secret = randomBytes(8).toString('hex');
      twitterTokens.set(token, { secret, account: entry.account, access: true });
      return formAnswer({ oauth_token: token, oauth_token_secret: secret, user_id: entry.account.id, screen_name: entry.account.username });
    }
    if (path === '/1.1/account/verify_credentials.json' && request.method === 'GET') {
      const header = oauthHeader(request.headers.authorization);
      const entry = twitterTokens.get(header.oauth_token ?? '');
      if (!entry?.access) throw new Error('unknown access token');
      checkSignature(request, url, form, entry.secret);
      if (url.searchParams.get('include_email') !== 'true') throw new Error('include_email');
      response.writeHead(200, { 'content-type': 'application/json' });
      return response.end(JSON.stringify(fixture.api['/1.1/account/verify_credentials.json'](entry.account, url)));
    }
    throw new Error(`not found: ${path}`);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    baseUrl,
    queue: (fixture, account) => queued.set(fixture.name, [...(queued.get(fixture.name) ?? []), account]),
    idToken,
    tokenErrors,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
