/**
 * Passkeys through the API as supabase-js calls it: registering (with GoTrue's options and stored row),
 * signing in (a session like any other, amr "passkey" at aal1), listing, renaming, deleting, the admin
 * API and GoTrue's gates (anonymous, SSO, MFA below aal2). GoTrue's own rows and the switch:
 * test/api/passkeys-gotrue.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runHousekeeping } from '../../src/jobs/housekeeping.js';
import { engines } from '../helpers/engines.js';
import { createTestProject, decodeJwt, signUpAnonymously, type TestProject } from '../helpers/project.js';
import {
  assertError,
  authenticationOptions,
  call,
  newAuthenticator,
  passkeyEnv,
  registerPasskey,
  registrationOptions,
  signInWithPasskey,
  signUp,
} from '../helpers/passkeys.js';

const NIL_UUID = '00000000-0000-0000-0000-000000000000';
const GOTRUE_ALGORITHMS = [-7, -35, -36, -257, -258, -259, -37, -38, -39, -8];

async function auditActions(t: TestProject, actorId: string) {
  return t.database.db.query<{ action: string; log_type: string; traits: Record<string, unknown> }>(
    `select payload->>'action' as action, payload->>'log_type' as log_type, payload->'traits' as traits
       from auth.audit_log_entries where payload->>'actor_id' = $1 order by created_at`,
    [actorId],
  );
}

for (const engine of engines) {
  describe(`passkeys (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, passkeyEnv);
    });
    after(() => t.close());

    it('registers a passkey with GoTrue\'s options and row, then signs in with it: a session GET /user and refresh accept', async () => {
      const session = await signUp(t.app, 'ada@example.com');
      const userId = session.user.id;
      const { challenge_id, options, expires_at } = await registrationOptions(t, session.access_token);
      // GoTrue's options, field for field (go-webauthn's PublicKeyCredentialCreationOptions).
      assert.deepEqual(Object.keys(options), ['rp', 'user', 'challenge', 'pubKeyCredParams', 'timeout', 'authenticatorSelection', 'attestation']);
      assert.deepEqual(options.rp, { name: 'Foyer Test', id: 'localhost' });
      assert.deepEqual(options.user, { name: 'ada@example.com', displayName: 'ada@example.com', id: Buffer.from(userId).toString('base64url') });
      assert.equal(Buffer.from(options.challenge, 'base64url').length, 32);
      assert.deepEqual(options.pubKeyCredParams, GOTRUE_ALGORITHMS.map((alg) => ({ type: 'public-key', alg })));
      assert.equal(options.timeout, 300000);
      assert.deepEqual(options.authenticatorSelection, { residentKey: 'required', userVerification: 'preferred' });
      assert.equal(options.attestation, 'none');
      const now = Math.floor(Date.now() / 1000);
      assert.ok(Math.abs(expires_at - (now + 300)) <= 5, `expires_at ${expires_at} is five minutes from now`);
      // The challenge row, as GoTrue writes it (go-webauthn's SessionData in session_data).
      const [row] = await t.database.db.query<{ user_id: string; challenge_type: string; session_data: Record<string, unknown> }>(
        'select user_id, challenge_type, session_data from auth.webauthn_challenges where id = $1',
        [challenge_id],
      );
      assert.equal(row.user_id, userId);
      assert.equal(row.challenge_type, 'registration');
      assert.deepEqual(row.session_data, {
        challenge: options.challenge,
        rpId: 'localhost',
        user_id: Buffer.from(userId).toString('base64'),
        expires: '0001-01-01T00:00:00Z',
        userVerification: 'preferred',
        credParams: GOTRUE_ALGORITHMS.map((alg) => ({ type: 'public-key', alg })),
      });

      const authenticator = newAuthenticator();
      const created = authenticator.create(options);
      const verified = await call(t.app, 'POST', '/passkeys/registration/verify', {
        token: session.access_token,
        payload: { challenge_id, credential: created.json },
      });
      assert.equal(verified.statusCode, 200, verified.body);
      const passkey = verified.json();
      assert.deepEqual(Object.keys(passkey), ['id', 'friendly_name', 'created_at']);
      assert.equal(passkey.friendly_name, 'Passkey');
      created.keep();
      const [stored] = await t.database.db.query<Record<string, unknown>>(
        `select user_id, encode(credential_id, 'hex') as credential_id, length(public_key) as public_key_bytes, attestation_type,
                aaguid::text as aaguid, sign_count::int as sign_count, transports, backup_eligible, backed_up, friendly_name, last_used_at
           from auth.webauthn_credentials where id = $1`,
        [passkey.id],
      );
      assert.deepEqual(stored, {
        user_id: userId,
        credential_id: created.key.credentialId.toString('hex'),
        public_key_bytes: 77,
        attestation_type: 'none',
        aaguid: NIL_UUID,
        sign_count: 0,
        transports: ['internal', 'hybrid'],
        backup_eligible: false,
        backed_up: false,
        friendly_name: 'Passkey',
        last_used_at: null,
      });
      assert.equal((await t.database.db.query('select 1 from auth.webauthn_challenges where id = $1', [challenge_id])).length, 0, 'the challenge is used up');

      // Signing out, then in with the passkey.
      assert.equal((await call(t.app, 'POST', '/logout', { token: session.access_token })).statusCode, 204);
      const sign = await authenticationOptions(t);
      assert.deepEqual(Object.keys(sign.options), ['challenge', 'timeout', 'rpId', 'userVerification']);
      assert.deepEqual({ ...sign.options, challenge: '' }, { challenge: '', timeout: 300000, rpId: 'localhost', userVerification: 'preferred' });
      const [signRow] = await t.database.db.query<{ user_id: string | null; challenge_type: string; session_data: Record<string, unknown> }>(
        'select user_id, challenge_type, session_data from auth.webauthn_challenges where id = $1',
        [sign.challenge_id],
      );
      assert.deepEqual(signRow, {
        user_id: null,
        challenge_type: 'authentication',
        session_data: { challenge: sign.options.challenge, rpId: 'localhost', user_id: null, expires: '0001-01-01T00:00:00Z', userVerification: 'preferred' },
      });
      const response = await call(t.app, 'POST', '/passkeys/authentication/verify', {
        payload: { challenge_id: sign.challenge_id, credential: authenticator.get(sign.options) },
      });
      assert.equal(response.statusCode, 200, response.body);
      const signedIn = response.json();
      assert.equal(signedIn.user.id, userId);
      assert.equal(signedIn.token_type, 'bearer');
      const claims = decodeJwt(signedIn.access_token);
      assert.equal(claims.aal, 'aal1');
      assert.deepEqual((claims.amr as { method: string }[]).map((entry) => entry.method), ['passkey']);
      const me = await call(t.app, 'GET', '/user', { token: signedIn.access_token });
      assert.equal(me.statusCode, 200, me.body);
      assert.equal(me.json().email, 'ada@example.com');
      const refreshed = await call(t.app, 'POST', '/token?grant_type=refresh_token', { payload: { refresh_token: signedIn.refresh_token } });
      assert.equal(refreshed.statusCode, 200, refreshed.body);
      assert.deepEqual((decodeJwt(refreshed.json().access_token).amr as { method: string }[]).map((entry) => entry.method), ['passkey']);

      const list = await call(t.app, 'GET', '/passkeys', { token: signedIn.access_token });
      assert.equal(list.statusCode, 200, list.body);
      const [item] = list.json();
      assert.deepEqual(Object.keys(item), ['id', 'friendly_name', 'created_at', 'last_used_at']);
      assert.equal(item.id, passkey.id);
      assert.ok(Date.parse(item.last_used_at) > Date.parse(item.created_at) - 1000);
      const audit = await auditActions(t, userId);
      assert.deepEqual(
        audit.filter((entry) => entry.action.startsWith('passkey') || entry.traits?.passkey_id).map((entry) => [entry.action, entry.log_type, entry.traits]),
        [
          ['passkey_created', 'user', { passkey_id: passkey.id }],
          ['login', 'account', { passkey_id: passkey.id }],
        ],
      );
    });

    it('excludes the passkeys a user has, names them after user_metadata.name, and lists them oldest first', async () => {
      const response = await t.app.inject({
        method: 'POST',
        url: '/auth/v1/signup',
        headers: { 'content-type': 'application/json' },
        payload: { email: 'grace@example.com', password: 'a-Strong-passw0rd', data: { name: 'Grace H.' } },
      });
      const session = response.json();
      const first = await registerPasskey(t, session, newAuthenticator());
      const second = await registrationOptions(t, session.access_token);
      assert.deepEqual(second.options.user, { name: 'grace@example.com', displayName: 'Grace H.', id: Buffer.from(session.user.id).toString('base64url') });
      assert.deepEqual(second.options.excludeCredentials, [{ type: 'public-key', id: first.key.credentialId.toString('base64url') }]);
      const secondKey = await registerPasskey(t, session, newAuthenticator());
      const list = (await call(t.app, 'GET', '/passkeys/', { token: session.access_token })).json();
      assert.deepEqual(list.map((item: { id: string }) => item.id), [first.passkey.id, secondKey.passkey.id]);
      assert.equal(list[0].last_used_at, undefined, 'never used: no last_used_at (omitted, as GoTrue)');
    });

    it('renames a passkey (at most 120 bytes) and deletes one, only the caller\'s own', async () => {
      const owner = await signUp(t.app);
      const other = await signUp(t.app);
      const { passkey } = await registerPasskey(t, owner, newAuthenticator());
      const rename = (token: string, id: string, payload: unknown) => call(t.app, 'PATCH', `/passkeys/${id}`, { token, payload });

      const renamed = await rename(owner.access_token, passkey.id, { friendly_name: 'a'.repeat(120) });
      assert.equal(renamed.statusCode, 200, renamed.body);
      assert.deepEqual(renamed.json(), { id: passkey.id, friendly_name: 'a'.repeat(120), created_at: passkey.created_at });
      assertError(await rename(owner.access_token, passkey.id, { friendly_name: 'a'.repeat(121) }), 400, 'validation_failed');
      assertError(await rename(owner.access_token, passkey.id, { friendly_name: 'é'.repeat(61) }), 400, 'validation_failed');
      assertError(await rename(owner.access_token, passkey.id, {}), 400, 'validation_failed');
      assertError(await rename(owner.access_token, passkey.id, { friendly_name: '' }), 400, 'validation_failed');
      assertError(await rename(owner.access_token, passkey.id, { friendly_name: 7 }), 400, 'bad_json');
      assertError(await rename(owner.access_token, passkey.id, '[]'), 400, 'bad_json');
      assertError(await rename(owner.access_token, 'not-a-uuid', { friendly_name: 'x' }), 404, 'validation_failed');
      assertError(await rename(other.access_token, passkey.id, { friendly_name: 'Stolen' }), 404, 'validation_failed');
      assertError(await rename(owner.access_token, NIL_UUID, { friendly_name: 'x' }), 404, 'validation_failed');
      const [{ name }] = await t.database.db.query<{ name: string }>('select friendly_name as name from auth.webauthn_credentials where id = $1', [passkey.id]);
      assert.equal(name, 'a'.repeat(120), 'refused renames changed nothing');

      assertError(await call(t.app, 'DELETE', `/passkeys/${passkey.id}`, { token: other.access_token }), 404, 'validation_failed');
      assertError(await call(t.app, 'DELETE', '/passkeys/nope', { token: owner.access_token }), 404, 'validation_failed');
      const deleted = await call(t.app, 'DELETE', `/passkeys/${passkey.id}`, { token: owner.access_token });
      assert.equal(deleted.statusCode, 204);
      assert.equal(deleted.body, '');
      assert.deepEqual((await call(t.app, 'GET', '/passkeys', { token: owner.access_token })).json(), []);
      assertError(await call(t.app, 'DELETE', `/passkeys/${passkey.id}`, { token: owner.access_token }), 404, 'validation_failed');
      assert.deepEqual(
        (await auditActions(t, owner.user.id)).filter((entry) => entry.action.startsWith('passkey')).map((entry) => entry.action),
        ['passkey_created', 'passkey_updated', 'passkey_deleted'],
      );
    });

    it('the admin API lists and deletes any user\'s passkeys, with GoTrue\'s answers', async () => {
      const user = await signUp(t.app);
      const other = await signUp(t.app);
      const { passkey } = await registerPasskey(t, user, newAuthenticator());
      const { passkey: othersPasskey } = await registerPasskey(t, other, newAuthenticator());
      const admin = (method: 'GET' | 'DELETE', path: string, token: string | null = t.serviceRoleKey) =>
        call(t.app, method, `/admin/users/${path}`, { token: token ?? undefined });

      const list = await admin('GET', `${user.user.id}/passkeys`);
      assert.equal(list.statusCode, 200, list.body);
      assert.deepEqual(list.json().map((item: { id: string }) => item.id), [passkey.id]);
      assertError(await admin('GET', `${user.user.id}/passkeys`, user.access_token), 403, 'not_admin');
      assertError(await admin('GET', `${user.user.id}/passkeys`, null), 401, 'no_authorization');
      assertError(await admin('GET', 'not-a-uuid/passkeys'), 404, 'validation_failed');
      assertError(await admin('GET', `${NIL_UUID}/passkeys`), 404, 'user_not_found');
      assertError(await admin('DELETE', `${user.user.id}/passkeys/${othersPasskey.id}`), 404, 'validation_failed');
      assertError(await admin('DELETE', `${user.user.id}/passkeys/nope`), 404, 'validation_failed');
      assertError(await admin('DELETE', `${user.user.id}/passkeys/${passkey.id}`, user.access_token), 403, 'not_admin');
      const deleted = await admin('DELETE', `${user.user.id}/passkeys/${passkey.id}`);
      assert.equal(deleted.statusCode, 204, deleted.body);
      assert.equal(deleted.body, '');
      assert.deepEqual((await admin('GET', `${user.user.id}/passkeys`)).json(), []);
      assert.equal((await admin('GET', `${other.user.id}/passkeys`)).json().length, 1, 'the other user keeps theirs');
      const [entry] = await t.database.db.query<{ actor: string; traits: Record<string, unknown> }>(
        `select payload->>'actor_id' as actor, payload->'traits' as traits from auth.audit_log_entries
          where payload->>'action' = 'passkey_deleted' and payload->'traits'->>'passkey_id' = $1`,
        [passkey.id],
      );
      assert.deepEqual(entry, { actor: NIL_UUID, traits: { user_id: user.user.id, passkey_id: passkey.id } });
    });

    it('refuses registration to anonymous users (403) and SSO users (422); lists none for an anonymous user', async () => {
      const anonymous = await signUpAnonymously(t.app);
      assertError(await call(t.app, 'POST', '/passkeys/registration/options', { token: anonymous.access_token }), 403, 'no_authorization');
      assertError(await call(t.app, 'POST', '/passkeys/registration/verify', { token: anonymous.access_token, payload: {} }), 403, 'no_authorization');
      assert.deepEqual((await call(t.app, 'GET', '/passkeys', { token: anonymous.access_token })).json(), []);
      const sso = await signUp(t.app);
      await t.database.db.query('update auth.users set is_sso_user = true where id = $1', [sso.user.id]);
      assertError(await call(t.app, 'POST', '/passkeys/registration/options', { token: sso.access_token }), 422, 'validation_failed');
      assertError(await call(t.app, 'POST', '/passkeys/registration/verify', { token: sso.access_token, payload: {} }), 422, 'validation_failed');
      assertError(await call(t.app, 'POST', '/passkeys/registration/options'), 401, 'no_authorization');
      assertError(await call(t.app, 'GET', '/passkeys'), 401, 'no_authorization');
    });

    it('asks a user with a verified MFA factor for an aal2 session to register or delete, consuming nothing before', async () => {
      const session = await signUp(t.app);
      const { passkey } = await registerPasskey(t, session, newAuthenticator());
      const pending = await registrationOptions(t, session.access_token);
      await t.database.db.query(
        `insert into auth.mfa_factors (id, user_id, friendly_name, factor_type, status, created_at, updated_at, secret)
         values (gen_random_uuid(), $1, 'phone app', 'totp', 'verified', now(), now(), 'secret')`,
        [session.user.id],
      );
      assertError(await call(t.app, 'POST', '/passkeys/registration/options', { token: session.access_token }), 403, 'insufficient_aal');
      assertError(
        await call(t.app, 'POST', '/passkeys/registration/verify', { token: session.access_token, payload: { challenge_id: pending.challenge_id, credential: {} } }),
        403,
        'insufficient_aal',
      );
      assert.equal((await t.database.db.query('select 1 from auth.webauthn_challenges where id = $1', [pending.challenge_id])).length, 1, 'not consumed');
      assertError(await call(t.app, 'DELETE', `/passkeys/${passkey.id}`, { token: session.access_token }), 403, 'insufficient_aal');
      assertError(await call(t.app, 'DELETE', '/passkeys/not-a-uuid', { token: session.access_token }), 403, 'insufficient_aal');
      // Renaming and listing are not behind the rule (GoTrue's).
      assert.equal((await call(t.app, 'PATCH', `/passkeys/${passkey.id}`, { token: session.access_token, payload: { friendly_name: 'Laptop' } })).statusCode, 200);
      const [{ session_id }] = await t.database.db.query<{ session_id: string }>('select id as session_id from auth.sessions where user_id = $1', [session.user.id]);
      await t.database.db.query(`update auth.sessions set aal = 'aal2' where id = $1`, [session_id]);
      assert.equal((await call(t.app, 'POST', '/passkeys/registration/options', { token: session.access_token })).statusCode, 200);
      assert.equal((await call(t.app, 'DELETE', `/passkeys/${passkey.id}`, { token: session.access_token })).statusCode, 204);
    });

    it('refuses sign-in to an unconfirmed address (403 email_not_confirmed) and a banned user (403 user_banned)', async () => {
      const session = await signUp(t.app);
      const authenticator = newAuthenticator();
      await registerPasskey(t, session, authenticator);
      await t.database.db.query('update auth.users set email_confirmed_at = null where id = $1', [session.user.id]);
      assertError(await signInWithPasskey(t, authenticator), 403, 'email_not_confirmed');
      await t.database.db.query(`update auth.users set email_confirmed_at = now(), banned_until = now() + interval '1 day' where id = $1`, [session.user.id]);
      assertError(await signInWithPasskey(t, authenticator), 403, 'user_banned');
      await t.database.db.query('update auth.users set banned_until = null where id = $1', [session.user.id]);
      assert.equal((await signInWithPasskey(t, authenticator)).statusCode, 200);
    });

    it('shows passkeys_enabled and the passkey limit in GET /settings', async () => {
      const settings = (await call(t.app, 'GET', '/settings')).json();
      assert.equal(settings.passkeys_enabled, true);
      assert.deepEqual(settings.foyer_protections.rate_limits.passkey, { limit: 100000, window_seconds: 300 });
    });

    it('housekeeping drops expired challenges and keeps live ones', async () => {
      const live = await authenticationOptions(t);
      const old = await authenticationOptions(t);
      await t.database.db.query(`update auth.webauthn_challenges set expires_at = now() - interval '1 second' where id = $1`, [old.challenge_id]);
      const affected = await runHousekeeping(t.database.db, t.project.deps.config);
      assert.ok(affected['expired WebAuthn challenges'] >= 1);
      const left = await t.database.db.query<{ id: string }>('select id from auth.webauthn_challenges where id = any($1::uuid[])', [[live.challenge_id, old.challenge_id]]);
      assert.deepEqual(left.map((row) => row.id), [live.challenge_id]);
    });
  });
}
