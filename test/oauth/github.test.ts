/**
 * The GitHub provider against a stand-in GitHub Enterprise server (GOTRUE_EXTERNAL_GITHUB_URL): OAuth
 * authorize with state and PKCE, the token endpoint (verifier and secret checked), then /user and
 * /user/emails for the profile — GitHub's protocol as Foyer speaks it, without reaching github.com.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { engines } from '../helpers/engines.js';
import { startFrontServer, type FrontServer } from '../helpers/front-server.js';
import { createTestProject, decodeJwt, signUpAnonymously, versionHeaders, type TestProject } from '../helpers/project.js';

const CLIENT_ID = 'github-client-id';
const CLIENT_SECRET = 'github-client-secret';

interface FakeGithub {
  url: string;
  server: Server;
  /** What the token endpoint was sent, for assertions. */
  tokenRequests: URLSearchParams[];
}

async function readBody(request: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of request) body += chunk;
  return body;
}

async function startFakeGithub(): Promise<FakeGithub> {
  const codes = new Map<string, { challenge: string; redirectUri: string }>();
  const tokenRequests: URLSearchParams[] = [];
  const token = randomBytes(12).toString('hex');
  const server = createServer(async (request, response) => {
    const url = new URL(request.url as string, 'http://github.test');
    const json = (status: number, value: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(value));
    };
    if (url.pathname === '/login/oauth/authorize') {
      // GitHub would show its consent page; this one approves at once.
      const code = randomBytes(8).toString('hex');
      const redirectUri = url.searchParams.get('redirect_uri') as string;
      codes.set(code, { challenge: url.searchParams.get('code_challenge') as string, redirectUri });
      const back = new URL(redirectUri);
      back.searchParams.set('code', code);
      back.searchParams.set('state', url.searchParams.get('state') as string);
      response.writeHead(302, { location: back.href });
      return response.end();
    }
    if (url.pathname === '/login/oauth/access_token' && request.method === 'POST') {
      const form = new URLSearchParams(await readBody(request));
      tokenRequests.push(form);
      const issued = codes.get(form.get('code') ?? '');
      const verifier = form.get('code_verifier') ?? '';
      if (!issued || createHash('sha256').update(verifier).digest('base64url') !== issued.challenge) {
        return json(200, { error: 'bad_verification_code', error_description: 'The code passed is incorrect or expired.' });
      }
      if (form.get('client_secret') !== CLIENT_SECRET || form.get('redirect_uri') !== issued.redirectUri) {
        return json(200, { error: 'incorrect_client_credentials' });
      }
      codes.delete(form.get('code') as string);
      return json(200, { access_token: token, token_type: 'bearer', scope: 'user:email' });
    }
    if (request.headers.authorization !== `Bearer ${token}`) return json(401, { message: 'Bad credentials' });
    if (url.pathname === '/api/v3/user') return json(200, { id: 4242, login: 'octocat', name: 'Octo Cat', avatar_url: 'https://avatars.test/4242' });
    if (url.pathname === '/api/v3/user/emails') {
      return json(200, [
        { email: '4242+octocat@users.noreply.github.com', primary: false, verified: true },
        { email: 'Octo@Example.com', primary: true, verified: true },
      ]);
    }
    json(404, { message: 'Not Found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, tokenRequests };
}

for (const engine of engines) {
  describe(`GitHub linking (${engine})`, () => {
    let t: TestProject;
    let front: FrontServer;
    let github: FakeGithub;
    before(async () => {
      front = await startFrontServer();
      github = await startFakeGithub();
      t = await createTestProject(engine, {
        API_EXTERNAL_URL: `${front.origin}/auth/v1`,
        GOTRUE_SITE_URL: 'http://localhost:3000',
        GOTRUE_SECURITY_MANUAL_LINKING_ENABLED: 'true',
        GOTRUE_EXTERNAL_GITHUB_ENABLED: 'true',
        GOTRUE_EXTERNAL_GITHUB_CLIENT_ID: CLIENT_ID,
        GOTRUE_EXTERNAL_GITHUB_SECRET: CLIENT_SECRET,
        GOTRUE_EXTERNAL_GITHUB_URL: github.url,
      });
      front.attach(t.app);
    });
    after(async () => {
      await t.close();
      await front.close();
      github.server.closeAllConnections();
      await new Promise<void>((resolve) => github.server.close(() => resolve()));
    });

    it('links a GitHub account to an anonymous user with its primary verified address', async () => {
      const anon = await signUpAnonymously(t.app);
      const start = await fetch(`${front.origin}/auth/v1/user/identities/authorize?provider=github&skip_http_redirect=true`, {
        headers: { ...versionHeaders, authorization: `Bearer ${anon.access_token}` },
      });
      assert.equal(start.status, 200);
      const providerUrl = new URL(((await start.json()) as { url: string }).url);
      assert.equal(`${providerUrl.origin}${providerUrl.pathname}`, `${github.url}/login/oauth/authorize`);
      assert.equal(providerUrl.searchParams.get('scope'), 'user:email');
      assert.equal(providerUrl.searchParams.get('nonce'), null, 'no OpenID nonce for plain OAuth');

      const toCallback = await fetch(providerUrl, { redirect: 'manual' });
      const callback = new URL(toCallback.headers.get('location') as string);
      const done = await fetch(callback, { redirect: 'manual' });
      assert.equal(done.status, 302);
      const fragment = new URLSearchParams(new URL(done.headers.get('location') as string).hash.slice(1));
      assert.ok(fragment.get('access_token'), done.headers.get('location') ?? '');
      assert.equal(github.tokenRequests.at(-1)?.get('client_id'), CLIENT_ID);

      const claims = decodeJwt(fragment.get('access_token') as string);
      assert.equal(claims.sub, anon.user.id);
      assert.equal(claims.is_anonymous, false);
      assert.equal(claims.email, 'octo@example.com');
      const user = (await t.app.inject({
        method: 'GET',
        url: '/auth/v1/user',
        headers: { ...versionHeaders, authorization: `Bearer ${fragment.get('access_token')}` },
      })).json();
      assert.equal(user.identities.length, 1);
      assert.equal(user.identities[0].provider, 'github');
      assert.equal(user.identities[0].id, '4242');
      assert.equal(user.identities[0].identity_data.user_name, 'octocat');
      assert.equal(user.identities[0].identity_data.email_verified, true);
      assert.deepEqual(user.app_metadata, { provider: 'github', providers: ['github'] });

      const settings = (await t.app.inject({ method: 'GET', url: '/auth/v1/settings' })).json();
      assert.equal(settings.external.github, true);
      assert.equal(settings.external.oidc, false);
    });
  });
}
