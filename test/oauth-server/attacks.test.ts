/**
 * The authorization-code flow under attack, each attack its own test: unregistered redirect URIs (exact
 * match), missing or plain PKCE, a wrong verifier, code replay, a code redeemed by another client, consent
 * to another user's authorization, an expired authorization, the refresh token of a revoked grant, client
 * authentication with the wrong method or secret. RFC 6749 error shapes where GoTrue uses them; never a 500.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { engines } from '../helpers/engines.js';
import {
  approvedCode,
  authorizationDetails,
  authorizeRequest,
  consent,
  createOAuthServerProject,
  pkcePair,
  registerClient,
  signedInUser,
  startAuthorization,
  tokenRequest,
  type RegisteredClient,
} from '../helpers/oauth-server.js';
import { decodeJwt, versionHeaders, type TestProject } from '../helpers/project.js';

const REDIRECT = 'https://app.example.com/callback';

for (const engine of engines) {
  describe(`OAuth server attacks (${engine})`, () => {
    let t: TestProject;
    let app: RegisteredClient;
    let other: RegisteredClient;
    let publicApp: RegisteredClient;
    let alice: { accessToken: string; userId: string };
    let mallory: { accessToken: string; userId: string };
    const basic = (client: RegisteredClient) => ({ id: client.client_id, secret: client.client_secret as string });

    before(async () => {
      t = await createOAuthServerProject(engine);
      app = await registerClient(t, { redirect_uris: [REDIRECT], client_name: 'App' });
      other = await registerClient(t, { redirect_uris: ['https://other.example.com/cb'], client_name: 'Other' });
      publicApp = await registerClient(t, { redirect_uris: ['http://127.0.0.1:7777/cb'], token_endpoint_auth_method: 'none' });
      alice = await signedInUser(t.app, 'alice@example.com');
      mallory = await signedInUser(t.app, 'mallory@example.com');
    });
    after(async () => t?.close());

    it('never redirects to a redirect URI that is not registered exactly', async () => {
      const { challenge } = pkcePair();
      for (const redirect of [
        'https://evil.example.com/callback', `${REDIRECT}/`, `${REDIRECT}?next=https://evil.example.com`, 'https://APP.example.com/callback',
        `${REDIRECT}#x`, REDIRECT.replace('https', 'http'), `${REDIRECT},https://evil.example.com`,
      ]) {
        const response = await authorizeRequest(t, {
          client_id: app.client_id, redirect_uri: redirect, response_type: 'code', scope: 'email', code_challenge: challenge, code_challenge_method: 'S256',
        });
        assert.equal(response.statusCode, 400, redirect);
        assert.equal(response.headers.location, undefined, redirect);
        assert.equal(response.json().error_code, 'validation_failed');
      }
      const unknownClient = await authorizeRequest(t, { client_id: '6f1f6a2e-39f7-4b53-9d47-000000000000', redirect_uri: REDIRECT });
      assert.equal(unknownClient.statusCode, 400);
      assert.equal(unknownClient.json().error_code, 'oauth_client_not_found');
    });

    it('refuses a request without PKCE, or with plain PKCE, on the registered redirect URI (error=invalid_request)', async () => {
      const { verifier, challenge } = pkcePair();
      const cases: Record<string, string>[] = [
        {},
        { code_challenge: challenge },
        { code_challenge: verifier, code_challenge_method: 'plain' },
        { code_challenge: 'short', code_challenge_method: 'S256' },
      ];
      for (const pkce of cases) {
        const response = await authorizeRequest(t, { client_id: app.client_id, redirect_uri: REDIRECT, response_type: 'code', scope: 'email', state: 's1', ...pkce });
        assert.equal(response.statusCode, 302, JSON.stringify(pkce));
        const location = new URL(String(response.headers.location));
        assert.equal(location.origin + location.pathname, REDIRECT);
        assert.equal(location.searchParams.get('error'), 'invalid_request');
        assert.equal(location.searchParams.get('state'), 's1');
      }
      const token = await authorizeRequest(t, {
        client_id: app.client_id, redirect_uri: REDIRECT, response_type: 'token', scope: 'email', code_challenge: challenge, code_challenge_method: 'S256',
      });
      assert.equal(new URL(String(token.headers.location)).searchParams.get('error'), 'invalid_request');
    });

    it('redeems a code once: a replay is invalid_grant; a wrong or missing verifier is invalid_grant', async () => {
      const { code, verifier } = await approvedCode(t, app, alice.accessToken);
      const wrong = await tokenRequest(t, { grant_type: 'authorization_code', code, code_verifier: pkcePair().verifier, redirect_uri: REDIRECT }, basic(app));
      assert.equal(wrong.statusCode, 400);
      assert.equal(wrong.json().error, 'invalid_grant');
      const missing = await tokenRequest(t, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT }, basic(app));
      assert.equal(missing.json().error, 'invalid_grant');
      const first = await tokenRequest(t, { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT }, basic(app));
      assert.equal(first.statusCode, 200, first.body);
      const claims = decodeJwt(first.json().access_token);
      assert.equal(claims.client_id, app.client_id, 'the access token names the client');
      assert.equal(claims.scope, 'openid email');
      const replay = await tokenRequest(t, { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT }, basic(app));
      assert.equal(replay.statusCode, 400);
      assert.deepEqual(Object.keys(replay.json()).sort(), ['error', 'error_description']);
      assert.equal(replay.json().error, 'invalid_grant');
    });

    it("refuses a code issued to another client, and a client authenticating with the wrong method or secret", async () => {
      const { code, verifier } = await approvedCode(t, app, alice.accessToken);
      const stolen = await tokenRequest(t, { grant_type: 'authorization_code', code, code_verifier: verifier }, basic(other));
      assert.equal(stolen.statusCode, 400);
      assert.equal(stolen.json().error, 'invalid_grant');
      assert.match(stolen.json().error_description, /not issued for this client/);
      const badSecret = await tokenRequest(t, { grant_type: 'authorization_code', code, code_verifier: verifier }, { id: app.client_id, secret: 'guess' });
      assert.equal(badSecret.statusCode, 400);
      assert.equal(badSecret.json().error_code, 'invalid_credentials');
      const postInsteadOfBasic = await tokenRequest(t, { grant_type: 'authorization_code', code, code_verifier: verifier, client_id: app.client_id, client_secret: app.client_secret as string });
      assert.equal(postInsteadOfBasic.statusCode, 400);
      const asPublic = await tokenRequest(t, { grant_type: 'authorization_code', code, code_verifier: verifier, client_id: app.client_id });
      assert.equal(asPublic.statusCode, 400);
      // The code survived every refused attempt: the rightful client still redeems it.
      const rightful = await tokenRequest(t, { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT }, basic(app));
      assert.equal(rightful.statusCode, 200, rightful.body);
    });

    it("refuses to show or decide another user's authorization (404), and a decided one twice", async () => {
      // `other`: a client no one has consented to yet (a consent would approve at once).
      const started = await startAuthorization(t, other);
      assert.equal((await authorizationDetails(t, alice.accessToken, started.authorizationId)).statusCode, 200);
      const peek = await authorizationDetails(t, mallory.accessToken, started.authorizationId);
      assert.equal(peek.statusCode, 404);
      assert.equal(peek.json().code, 'oauth_authorization_not_found');
      const hijack = await consent(t, mallory.accessToken, started.authorizationId, 'approve');
      assert.equal(hijack.statusCode, 404);
      const unclaimed = await startAuthorization(t, other);
      assert.equal((await consent(t, mallory.accessToken, unclaimed.authorizationId, 'approve')).statusCode, 404, 'consent needs the claim of GET first');
      const denied = await consent(t, alice.accessToken, started.authorizationId, 'deny');
      assert.equal(denied.statusCode, 200);
      const location = new URL(denied.json().redirect_url);
      assert.equal(location.searchParams.get('error'), 'access_denied');
      assert.equal(location.searchParams.get('state'), 'state-123');
      assert.equal((await consent(t, alice.accessToken, started.authorizationId, 'approve')).statusCode, 400);
      const badAction = await consent(t, alice.accessToken, unclaimed.authorizationId, 'steal');
      assert.equal(badAction.statusCode, 400);
      const foreignOrigin = await consent(t, alice.accessToken, unclaimed.authorizationId, 'approve', { origin: 'https://evil.example.com' });
      assert.equal(foreignOrigin.statusCode, 400);
    });

    it('answers 404 for an authorization past its TTL, and its code is never issued', async () => {
      const started = await startAuthorization(t, app);
      await t.database.db.query(`update auth.oauth_authorizations set created_at = now() - interval '1 hour', expires_at = now() - interval '1 second' where authorization_id = $1`, [started.authorizationId]);
      const details = await authorizationDetails(t, alice.accessToken, started.authorizationId);
      assert.equal(details.statusCode, 404);
      const [row] = await t.database.db.query<{ status: string }>('select status::text as status from auth.oauth_authorizations where authorization_id = $1', [started.authorizationId]);
      assert.equal(row.status, 'expired');
      assert.equal((await consent(t, alice.accessToken, started.authorizationId, 'approve')).statusCode, 404);
      const { code, verifier, authorizationId } = await approvedCode(t, app, alice.accessToken);
      await t.database.db.query(`update auth.oauth_authorizations set created_at = now() - interval '1 hour', expires_at = now() - interval '1 second' where authorization_id = $1`, [authorizationId]);
      const late = await tokenRequest(t, { grant_type: 'authorization_code', code, code_verifier: verifier }, basic(app));
      assert.equal(late.json().error, 'invalid_grant');
    });

    it("ends a revoked grant's sessions: its refresh token and access token stop working; a user's own refresh cannot mint client tokens", async () => {
      const { code, verifier } = await approvedCode(t, publicApp, alice.accessToken);
      const issued = await tokenRequest(t, { grant_type: 'authorization_code', code, code_verifier: verifier, client_id: publicApp.client_id });
      assert.equal(issued.statusCode, 200, issued.body);
      const { refresh_token: refreshToken, access_token: accessToken } = issued.json() as { refresh_token: string; access_token: string };
      // The app's refresh token is the app's: POST /token (the user's own refresh) refuses it.
      const viaUserEndpoint = await t.app.inject({ method: 'POST', url: '/auth/v1/token?grant_type=refresh_token', headers: versionHeaders, payload: { refresh_token: refreshToken } });
      assert.equal(viaUserEndpoint.statusCode, 400);
      assert.equal(viaUserEndpoint.json().error, 'invalid_client');
      const refreshed = await tokenRequest(t, { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: publicApp.client_id });
      assert.equal(refreshed.statusCode, 200, refreshed.body);
      assert.equal(decodeJwt(refreshed.json().access_token).client_id, publicApp.client_id);
      const byOther = await tokenRequest(t, { grant_type: 'refresh_token', refresh_token: refreshed.json().refresh_token }, basic(other));
      assert.equal(byOther.json().error, 'invalid_client');

      const revoke = await t.app.inject({ method: 'DELETE', url: `/auth/v1/user/oauth/grants?client_id=${publicApp.client_id}`, headers: { ...versionHeaders, authorization: `Bearer ${alice.accessToken}` } });
      assert.equal(revoke.statusCode, 204);
      const afterRevoke = await tokenRequest(t, { grant_type: 'refresh_token', refresh_token: refreshed.json().refresh_token, client_id: publicApp.client_id });
      assert.equal(afterRevoke.statusCode, 400);
      const user = await t.app.inject({ method: 'GET', url: '/auth/v1/user', headers: { ...versionHeaders, authorization: `Bearer ${accessToken}` } });
      assert.equal(user.statusCode, 403, 'the session is gone');
      const again = await t.app.inject({ method: 'DELETE', url: `/auth/v1/user/oauth/grants?client_id=${publicApp.client_id}`, headers: { ...versionHeaders, authorization: `Bearer ${alice.accessToken}` } });
      assert.equal(again.statusCode, 404);
      assert.equal(again.json().code, 'oauth_consent_not_found');
      // A user's own refresh token is refused at the client endpoint.
      const own = await t.app.inject({ method: 'POST', url: '/auth/v1/token?grant_type=password', headers: versionHeaders, payload: { email: 'alice@example.com', password: 'correct horse battery staple 1' } });
      const stolenOwn = await tokenRequest(t, { grant_type: 'refresh_token', refresh_token: own.json().refresh_token, client_id: publicApp.client_id });
      assert.equal(stolenOwn.json().error, 'invalid_client');
    });

    it('answers malformed token requests with RFC 6749 errors, never 500', async () => {
      const cases: [Record<string, string>, string][] = [
        [{ client_id: publicApp.client_id }, 'invalid_request'],
        [{ grant_type: 'password', client_id: publicApp.client_id }, 'unsupported_grant_type'],
        [{ grant_type: 'authorization_code', client_id: publicApp.client_id }, 'invalid_request'],
        [{ grant_type: 'authorization_code', code: 'nope', code_verifier: 'x', client_id: publicApp.client_id }, 'invalid_grant'],
        [{ grant_type: 'refresh_token', client_id: publicApp.client_id }, 'invalid_request'],
      ];
      for (const [form, error] of cases) {
        const response = await tokenRequest(t, form);
        assert.equal(response.statusCode, 400, JSON.stringify(form));
        assert.equal(response.json().error, error, JSON.stringify(form));
      }
      for (const payload of ['grant_type=authorization_code&grant_type=refresh_token', '%%%', '']) {
        const response = await t.app.inject({ method: 'POST', url: '/auth/v1/oauth/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload });
        assert.ok(response.statusCode >= 400 && response.statusCode < 500, `${payload}: ${response.statusCode}`);
      }
      const noClient = await tokenRequest(t, { grant_type: 'authorization_code', code: 'x' });
      assert.equal(noClient.statusCode, 400);
      const badBasic = await t.app.inject({ method: 'POST', url: '/auth/v1/oauth/token', headers: { authorization: 'Basic !!!', 'content-type': 'application/x-www-form-urlencoded' }, payload: 'grant_type=refresh_token' });
      assert.equal(badBasic.statusCode, 400);
    });
  });
}
