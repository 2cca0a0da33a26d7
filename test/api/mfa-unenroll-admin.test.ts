/**
 * DELETE /factors/{id} (supabase-js `mfa.unenroll`), the admin factor API (`auth.admin.mfa.listFactors`,
 * `deleteFactor`, GoTrue's PUT), and PUT /user's MFA rule: aal2 to change the password or email of a
 * user with a verified factor.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { engines } from '../helpers/engines.js';
import {
  aalOf,
  amrMethodsOf,
  assertError,
  call,
  createUser,
  enroll,
  refresh,
  signIn,
  userWithVerifiedFactor,
  type Injected,
} from '../helpers/mfa.js';
import { createTestProject, decodeJwt, versionHeaders, type TestProject } from '../helpers/project.js';

for (const engine of engines) {
  describe(`MFA unenrolment, admin factor API, PUT /user (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, { GOTRUE_MFA_RATE_LIMIT_CHALLENGE_AND_VERIFY: '10000', GOTRUE_RATE_LIMIT_TOKEN_REFRESH: '10000' });
    });
    after(() => t.close());

    const admin = (method: 'GET' | 'PUT' | 'DELETE', url: string, payload?: unknown, token = t.serviceRoleKey): Promise<Injected> =>
      t.app.inject({
        method,
        url: `/auth/v1/admin/users${url}`,
        headers: { ...versionHeaders, authorization: `Bearer ${token}` },
        ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
      });

    const sessionOf = async (token: string) =>
      (
        await t.database.db.query<{ aal: string; factor_id: string | null; methods: string[] }>(
          `select s.aal::text, s.factor_id, array(select m.authentication_method from auth.mfa_amr_claims m where m.session_id = s.id order by 1) as methods
             from auth.sessions s where s.id = $1`,
          [decodeJwt(token).session_id as string],
        )
      )[0];

    it('unenrols an unverified factor from an aal1 session', async () => {
      await createUser(t, 'unverified@example.com');
      const { access_token: token } = await signIn(t, 'unverified@example.com');
      const factor = await enroll(t, token, 'pending');
      const response = await call(t, 'DELETE', `/factors/${factor.id}`, { token });
      assert.equal(response.statusCode, 200, response.body);
      assert.deepEqual(response.json(), { id: factor.id });
      assert.equal((await t.database.db.query('select 1 from auth.mfa_factors where id = $1', [factor.id])).length, 0);
    });

    it('needs aal2 to unenrol a verified factor (422 insufficient_aal); then the sessions it raised drop to aal1', async () => {
      const { userId, factor, aal2 } = await userWithVerifiedFactor(t, 'unenrol@example.com');
      const aal1 = await signIn(t, 'unenrol@example.com');
      assertError(await call(t, 'DELETE', `/factors/${factor.id}`, { token: aal1.access_token }), 422, 'insufficient_aal', /AAL2 required to unenroll verified factor/);

      const response = await call(t, 'DELETE', `/factors/${factor.id}`, { token: aal2.access_token });
      assert.equal(response.statusCode, 200, response.body);
      assert.deepEqual(await sessionOf(aal2.access_token), { aal: 'aal1', factor_id: null, methods: ['password'] });
      const refreshed = await refresh(t, aal2.refresh_token);
      assert.equal(aalOf(refreshed.json().access_token), 'aal1');
      assert.deepEqual(amrMethodsOf(refreshed.json().access_token), ['password']);
      const [audit] = await t.database.db.query<{ traits: Record<string, unknown> }>(
        `select payload->'traits' as traits from auth.audit_log_entries where payload->>'action' = 'factor_unenrolled' and payload->>'actor_id' = $1`,
        [userId],
      );
      assert.deepEqual(audit.traits, { factor_id: factor.id, factor_status: 'verified', session_id: decodeJwt(aal2.access_token).session_id });
    });

    it('lists, renames and deletes a user’s factors for an admin, answering with GoTrue’s factor object', async () => {
      const { userId, factor, aal2 } = await userWithVerifiedFactor(t, 'admin-target@example.com');
      const pending = await enroll(t, aal2.access_token, 'spare');
      const listed = await admin('GET', `/${userId}/factors`);
      assert.equal(listed.statusCode, 200, listed.body);
      assert.deepEqual(
        listed.json().map((f: { id: string; status: string; friendly_name: string }) => [f.id, f.status, f.friendly_name]),
        [[factor.id, 'verified', 'phone app'], [pending.id, 'unverified', 'spare']],
      );
      assert.equal(JSON.stringify(listed.json()).includes(factor.secret), false, 'secrets never leave');

      const renamed = await admin('PUT', `/${userId}/factors/${factor.id}`, { friendly_name: 'Work phone' });
      assert.equal(renamed.statusCode, 200, renamed.body);
      assert.equal(renamed.json().friendly_name, 'Work phone');
      assert.equal(renamed.json().id, factor.id);
      assertError(await admin('PUT', `/${userId}/factors/${factor.id}`, { friendly_name: 'spare' }), 422, 'mfa_factor_name_conflict');
      const unchanged = await admin('PUT', `/${userId}/factors/${factor.id}`, { friendly_name: '' });
      assert.equal(unchanged.json().friendly_name, 'Work phone', 'an empty name changes nothing, as GoTrue');

      const deleted = await admin('DELETE', `/${userId}/factors/${factor.id}`);
      assert.equal(deleted.statusCode, 200, deleted.body);
      assert.equal(deleted.json().id, factor.id);
      assert.equal(deleted.json().status, 'verified');
      assert.deepEqual(await sessionOf(aal2.access_token), { aal: 'aal1', factor_id: null, methods: ['password'] });
      assert.deepEqual((await admin('GET', `/${userId}/factors`)).json().map((f: { id: string }) => f.id), [pending.id]);

      const actions = await t.database.db.query<{ action: string; actor: string; username: string; traits: Record<string, unknown> }>(
        `select payload->>'action' as action, payload->>'actor_id' as actor, payload->>'actor_username' as username, payload->'traits' as traits
           from auth.audit_log_entries where payload->>'action' in ('factor_updated', 'factor_deleted') and payload->'traits'->>'user_id' = $1
          order by created_at`,
        [userId],
      );
      assert.deepEqual(actions[0], {
        action: 'factor_updated',
        actor: '00000000-0000-0000-0000-000000000000',
        username: 'service_role',
        traits: { user_id: userId, factor_id: factor.id, factor_type: 'totp' },
      });
      assert.deepEqual(actions.at(-1), { action: 'factor_deleted', actor: userId, username: 'admin-target@example.com', traits: { user_id: userId, factor_id: factor.id } });
    });

    it('answers the admin factor routes’ bad requests as GoTrue: 404 for ids, 403 without an admin token', async () => {
      const { userId, factor, aal2 } = await userWithVerifiedFactor(t, 'admin-errors@example.com');
      assertError(await admin('GET', '/not-a-uuid/factors'), 404, 'validation_failed', /user_id must be an UUID/);
      assertError(await admin('GET', '/00000000-0000-4000-8000-000000000000/factors'), 404, 'user_not_found');
      assertError(await admin('DELETE', `/${userId}/factors/nope`), 404, 'validation_failed', /factor_id must be an UUID/);
      assertError(await admin('DELETE', `/${userId}/factors/00000000-0000-4000-8000-000000000000`), 404, 'mfa_factor_not_found');
      await createUser(t, 'admin-other@example.com');
      const other = (await signIn(t, 'admin-other@example.com')).user.id;
      assertError(await admin('DELETE', `/${other}/factors/${factor.id}`), 404, 'mfa_factor_not_found', /Factor not found/);
      assertError(await admin('GET', `/${userId}/factors`, undefined, aal2.access_token), 403, 'not_admin');
      assertError(await admin('PUT', `/${userId}/factors/${factor.id}`, { friendly_name: 'x' }, t.anonKey), 403, 'not_admin');
      for (const payload of ['', '[]', '{"friendly_name": 5}']) {
        const response = await t.app.inject({
          method: 'PUT',
          url: `/auth/v1/admin/users/${userId}/factors/${factor.id}`,
          headers: { ...versionHeaders, authorization: `Bearer ${t.serviceRoleKey}` },
          payload,
        });
        assert.equal(response.statusCode, 400, `${payload}: ${response.body}`);
      }
    });

    it('needs aal2 to change the password or email of a user with a verified factor (401 insufficient_aal)', async () => {
      const { aal2 } = await userWithVerifiedFactor(t, 'credentials@example.com');
      const aal1 = await signIn(t, 'credentials@example.com');
      for (const payload of [{ password: 'a brand new password' }, { email: 'elsewhere@example.com' }]) {
        assertError(
          await call(t, 'PUT', '/user', { token: aal1.access_token, payload }),
          401,
          'insufficient_aal',
          /AAL2 session is required to update email or password when MFA is enabled/,
        );
      }
      const metadata = await call(t, 'PUT', '/user', { token: aal1.access_token, payload: { data: { theme: 'dark' }, email: 'credentials@example.com' } });
      assert.equal(metadata.statusCode, 200, 'metadata, and the same email, need no aal2');
      const changed = await call(t, 'PUT', '/user', { token: aal2.access_token, payload: { password: 'a brand new password' } });
      assert.equal(changed.statusCode, 200, changed.body);
    });

    it("answers phone and WebAuthn factors GoTrue left unverified as GoTrue with those types off; they can be removed and an admin can change a phone factor's number", async () => {
      await createUser(t, 'legacy@example.com');
      const { access_token: token, user } = await signIn(t, 'legacy@example.com');
      const phoneId = randomUUID();
      const webauthnId = randomUUID();
      await t.database.db.query(
        `insert into auth.mfa_factors (id, user_id, friendly_name, factor_type, status, created_at, updated_at, phone)
         values ($1, $3, 'sms', 'phone', 'unverified', now(), now(), '15550100'), ($2, $3, 'key', 'webauthn', 'unverified', now(), now(), null)`,
        [phoneId, webauthnId, user.id],
      );
      assertError(await call(t, 'POST', `/factors/${phoneId}/challenge`, { token, payload: {} }), 422, 'mfa_phone_verify_not_enabled', /MFA verification is disabled for Phone/);
      assertError(await call(t, 'POST', `/factors/${webauthnId}/challenge`, { token, payload: {} }), 422, 'mfa_webauthn_verify_not_enabled', /MFA verification is disabled for WebAuthn/);
      const someChallenge = randomUUID();
      assertError(await call(t, 'POST', `/factors/${phoneId}/verify`, { token, payload: { challenge_id: someChallenge, code: '123456' } }), 422, 'mfa_phone_verify_not_enabled');
      // GoTrue answers a WebAuthn verification with its enrol code, and asks for no code.
      assertError(await call(t, 'POST', `/factors/${webauthnId}/verify`, { token, payload: { challenge_id: someChallenge } }), 422, 'mfa_webauthn_enroll_not_enabled', /MFA verification is disabled for WebAuthn/);

      const listed = (await admin('GET', `/${user.id}/factors`)).json();
      assert.deepEqual(listed.map((f: { factor_type: string; phone: string }) => [f.factor_type, f.phone]).sort(), [['phone', '15550100'], ['webauthn', '']]);
      const renumbered = await admin('PUT', `/${user.id}/factors/${phoneId}`, { phone: '+1 555 0199' });
      assert.equal(renumbered.statusCode, 200, renumbered.body);
      assert.equal(renumbered.json().phone, '15550199');
      assertError(await admin('PUT', `/${user.id}/factors/${phoneId}`, { phone: 'not a number' }), 400, 'validation_failed');

      for (const id of [phoneId, webauthnId]) assert.equal((await call(t, 'DELETE', `/factors/${id}`, { token })).statusCode, 200);
      assert.deepEqual((await admin('GET', `/${user.id}/factors`)).json(), []);
    });
  });
}
