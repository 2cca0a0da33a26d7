/**
 * A third-party app signs its users in "with the project", end to end over real HTTP: the app is the real
 * openid-client library (discovery, authorization URL with PKCE S256 and a nonce, the code grant, the
 * id_token checked against the JWKS, userinfo, refresh), the consent page is supabase-js's auth.oauth
 * calls for a signed-in user (details, approve, deny, grants, revoke). Anonymous users consent as on GoTrue.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createClient, type SupabaseClient, type WebSocketLikeConstructor } from '@supabase/supabase-js';
import WebSocket from 'ws';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { engines } from '../helpers/engines.js';
import { CONSENT_PATH, CONSENT_SITE, createOAuthServerProject, registerClient, type RegisteredClient } from '../helpers/oauth-server.js';
import { freePort } from '../helpers/ports.js';
import { decodeJwt, type TestProject } from '../helpers/project.js';

const REDIRECT = 'http://127.0.0.1:53682/callback';

for (const engine of engines) {
  describe(`OAuth server with openid-client and supabase-js (${engine})`, () => {
    let t: TestProject;
    let issuer: string;
    let baseUrl: string;
    let confidential: RegisteredClient;
    let publicClient: RegisteredClient;

    const supabase = (): SupabaseClient =>
      createClient(baseUrl, t.anonKey, {
        auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
        realtime: { transport: WebSocket as unknown as WebSocketLikeConstructor },
      });

    const discover = async (client: RegisteredClient, auth: oidc.ClientAuth) => {
      const config = await oidc.discovery(new URL(issuer), client.client_id, undefined, auth, { execute: [oidc.allowInsecureRequests] });
      // Check every JWS (the id_token) against the server's JWKS, not only the TLS-less channel.
      oidc.enableNonRepudiationChecks(config);
      return config;
    };

    /** The app sends the browser to /oauth/authorize; Foyer sends it on to the consent page. */
    const startFlow = async (config: oidc.Configuration, scope: string) => {
      const verifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: REDIRECT, scope, state, nonce, code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
      });
      const response = await fetch(url, { redirect: 'manual' });
      assert.equal(response.status, 302);
      const consentPage = new URL(response.headers.get('location') as string);
      assert.equal(`${consentPage.origin}${consentPage.pathname}`, `${CONSENT_SITE}${CONSENT_PATH}`);
      return { verifier, state, nonce, authorizationId: consentPage.searchParams.get('authorization_id') as string };
    };

    before(async () => {
      const port = await freePort();
      baseUrl = `http://127.0.0.1:${port}`;
      issuer = `${baseUrl}/auth/v1`;
      t = await createOAuthServerProject(engine, { API_EXTERNAL_URL: issuer, GOTRUE_JWT_ISSUER: issuer, GOTRUE_OAUTH_SERVER_DEFAULT_SCOPE: 'openid email' });
      await t.app.listen({ port, host: '127.0.0.1' });
      confidential = await registerClient(t, { redirect_uris: [REDIRECT], client_name: 'Third-party app', client_uri: 'https://app.example.com' });
      publicClient = await registerClient(t, { redirect_uris: [REDIRECT], client_name: 'CLI', token_endpoint_auth_method: 'none' });
    });
    after(async () => t?.close());

    it('completes discovery, consent, the code grant, id_token, userinfo and refresh for a confidential client', async () => {
      const config = await discover(confidential, oidc.ClientSecretBasic(confidential.client_secret));
      assert.equal(config.serverMetadata().issuer, issuer);

      const user = supabase();
      const { data: signUp, error } = await user.auth.signUp({ email: 'reader@example.com', password: 'correct horse battery staple 1', options: { data: { name: 'Rea Der' } } });
      assert.ifError(error);
      const flow = await startFlow(config, 'openid email profile');

      const details = await user.auth.oauth.getAuthorizationDetails(flow.authorizationId);
      assert.ifError(details.error);
      assert.ok(details.data && 'client' in details.data, 'no consent yet: the details to show');
      assert.equal(details.data.client.name, 'Third-party app');
      assert.equal(details.data.scope, 'openid email profile');
      assert.equal(details.data.user.email, 'reader@example.com');
      const approved = await user.auth.oauth.approveAuthorization(flow.authorizationId, { skipBrowserRedirect: true });
      assert.ifError(approved.error);
      const callback = new URL(approved.data?.redirect_url as string);

      const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce });
      const idClaims = tokens.claims();
      assert.equal(idClaims?.sub, signUp.user?.id);
      assert.equal(idClaims?.email, 'reader@example.com');
      assert.equal(idClaims?.name, 'Rea Der');
      assert.equal(idClaims?.nonce, flow.nonce);
      const jwks = createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`));
      const verified = await jwtVerify(tokens.id_token as string, jwks, { issuer, audience: confidential.client_id });
      assert.equal(verified.protectedHeader.alg, 'ES256');

      const access = decodeJwt(tokens.access_token);
      assert.equal(access.client_id, confidential.client_id, 'RLS can tell the app’s token from the user’s own');
      assert.equal(access.scope, 'openid email profile');
      assert.equal(access.role, 'authenticated');

      const info = await oidc.fetchUserInfo(config, tokens.access_token, idClaims?.sub as string);
      assert.equal(info.email, 'reader@example.com');
      assert.equal(info.email_verified, true);
      assert.equal(info.name, 'Rea Der');

      const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token as string);
      assert.notEqual(refreshed.refresh_token, tokens.refresh_token);
      assert.equal(decodeJwt(refreshed.access_token).client_id, confidential.client_id);
      assert.equal(decodeJwt(refreshed.access_token).scope, 'openid email profile');

      // Consent is remembered: the next authorization for the same scopes is approved at once.
      const again = await startFlow(config, 'openid email');
      const remembered = await user.auth.oauth.getAuthorizationDetails(again.authorizationId);
      assert.ifError(remembered.error);
      assert.ok((remembered.data as { redirect_url?: string }).redirect_url, 'only redirect_url: consent was already given');

      const grants = await user.auth.oauth.listGrants();
      assert.ifError(grants.error);
      assert.deepEqual(grants.data?.map((grant) => [grant.client.id, grant.scopes]), [[confidential.client_id, ['openid', 'email', 'profile']]]);
      const revoked = await user.auth.oauth.revokeGrant({ clientId: confidential.client_id });
      assert.ifError(revoked.error);
      assert.deepEqual((await user.auth.oauth.listGrants()).data, []);
      await assert.rejects(oidc.refreshTokenGrant(config, refreshed.refresh_token as string), 'the revoked grant’s refresh token is dead');
    });

    it('serves a public client (no secret) and a user who denies', async () => {
      const config = await discover(publicClient, oidc.None());
      const user = supabase();
      assert.ifError((await user.auth.signUp({ email: 'denier@example.com', password: 'correct horse battery staple 1' })).error);
      const flow = await startFlow(config, 'email');
      assert.ifError((await user.auth.oauth.getAuthorizationDetails(flow.authorizationId)).error);
      const denied = await user.auth.oauth.denyAuthorization(flow.authorizationId, { skipBrowserRedirect: true });
      assert.ifError(denied.error);
      const callback = new URL(denied.data?.redirect_url as string);
      assert.equal(callback.searchParams.get('error'), 'access_denied');
      await assert.rejects(oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: flow.verifier, expectedState: flow.state }));

      const second = await startFlow(config, 'email');
      assert.ifError((await user.auth.oauth.getAuthorizationDetails(second.authorizationId)).error);
      const approved = await user.auth.oauth.approveAuthorization(second.authorizationId, { skipBrowserRedirect: true });
      const tokens = await oidc.authorizationCodeGrant(config, new URL(approved.data?.redirect_url as string), { pkceCodeVerifier: second.verifier, expectedState: second.state });
      assert.equal(tokens.id_token, undefined, 'no openid scope, no id_token');
      assert.equal(decodeJwt(tokens.access_token).client_id, publicClient.client_id);
    });

    it('lets an anonymous user consent, as GoTrue does: the app gets an anonymous subject and no email', async () => {
      const config = await discover(publicClient, oidc.None());
      const user = supabase();
      const { data: anonymous, error } = await user.auth.signInAnonymously();
      assert.ifError(error);
      const flow = await startFlow(config, 'openid email');
      const details = await user.auth.oauth.getAuthorizationDetails(flow.authorizationId);
      assert.ifError(details.error);
      const approved = await user.auth.oauth.approveAuthorization(flow.authorizationId, { skipBrowserRedirect: true });
      const tokens = await oidc.authorizationCodeGrant(config, new URL(approved.data?.redirect_url as string), {
        pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce,
      });
      assert.equal(tokens.claims()?.sub, anonymous.user?.id);
      assert.equal(tokens.claims()?.email, undefined);
      assert.equal(tokens.claims()?.email_verified, false);
      assert.equal(decodeJwt(tokens.access_token).is_anonymous, true);
    });
  });
}
