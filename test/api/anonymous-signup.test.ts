import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { engines } from '../helpers/engines.js';
import { createTestProject, decodeJwt, signUpAnonymously, versionHeaders, type TestProject } from '../helpers/project.js';

for (const engine of engines) {
  describe(`anonymous sign-in (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine);
    });
    after(() => t.close());

    it('creates a real anonymous user with a session, as GoTrue answers it', async () => {
      const session = await signUpAnonymously(t.app, { field: 'foo' });
      assert.equal(session.user.is_anonymous, true);
      assert.equal(session.user.email, '');
      assert.equal(session.user.phone, '');
      assert.deepEqual(session.user.app_metadata, {});
      assert.deepEqual(session.user.user_metadata, { field: 'foo' });
      assert.deepEqual(session.user.identities, []);
      assert.equal(session.user.role, 'authenticated');
      assert.equal(session.user.aud, 'authenticated');
      assert.match(session.user.created_at as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
      assert.equal(session.expires_in, 3600);
      assert.match(session.refresh_token, /^[a-z2-7]{12}$/);

      const rows = await t.database.db.query<Record<string, unknown>>(
        `select is_anonymous, email, phone, encrypted_password, raw_app_meta_data, instance_id::text, last_sign_in_at is not null as signed_in,
                (select count(*)::int from auth.identities i where i.user_id = u.id) as identities,
                (select count(*)::int from auth.sessions s where s.user_id = u.id) as sessions,
                (select count(*)::int from auth.refresh_tokens r where r.user_id = u.id::text) as refresh_tokens,
                (select string_agg(authentication_method, ',') from auth.mfa_amr_claims c join auth.sessions s on s.id = c.session_id where s.user_id = u.id) as amr
           from auth.users u where id = $1`,
        [session.user.id],
      );
      assert.deepEqual(rows[0], {
        is_anonymous: true,
        email: null,
        phone: null,
        encrypted_password: '',
        raw_app_meta_data: {},
        instance_id: '00000000-0000-0000-0000-000000000000',
        signed_in: true,
        identities: 0,
        sessions: 1,
        refresh_tokens: 1,
        amr: 'anonymous',
      });
    });

    it('signs an access token with exactly GoTrue’s claims', async () => {
      const session = await signUpAnonymously(t.app);
      const claims = decodeJwt(session.access_token);
      assert.deepEqual(Object.keys(claims), [
        'sub', 'aud', 'exp', 'iat', 'email', 'phone', 'app_metadata', 'user_metadata', 'role', 'aal', 'amr', 'session_id', 'is_anonymous',
      ]);
      assert.equal(claims.sub, session.user.id);
      assert.equal(claims.aud, 'authenticated');
      assert.equal(claims.role, 'authenticated');
      assert.equal(claims.is_anonymous, true);
      assert.equal(claims.aal, 'aal1');
      assert.equal((claims.exp as number) - (claims.iat as number), 3600);
      assert.equal((claims.amr as { method: string }[])[0].method, 'anonymous');
      const header = JSON.parse(Buffer.from(session.access_token.split('.')[0], 'base64url').toString()) as Record<string, unknown>;
      assert.equal(header.alg, 'HS256');
      assert.equal(header.kid, undefined);
    });

    it('answers the legacy error shape when no API version header is sent', async () => {
      const response = await t.app.inject({ method: 'POST', url: '/signup', payload: '' , headers: { 'content-type': 'application/json' } });
      assert.equal(response.statusCode, 400);
      assert.equal(response.headers['x-sb-error-code'], 'bad_json');
      assert.equal(response.headers['x-supabase-api-version'], undefined);
      const body = response.json();
      assert.equal(body.code, 400);
      assert.equal(body.error_code, 'bad_json');
      assert.equal(typeof body.msg, 'string');
    });

    it('refuses malformed JSON, empty bodies, wrong types and oversized bodies with GoTrue codes', async () => {
      const cases: { payload: string; status: number; code: string }[] = [
        { payload: '{"data":', status: 400, code: 'bad_json' },
        { payload: '', status: 400, code: 'bad_json' },
        { payload: '[]', status: 400, code: 'bad_json' },
        { payload: '"text"', status: 400, code: 'bad_json' },
        { payload: '{"data":"not an object"}', status: 400, code: 'validation_failed' },
        { payload: '{"data":{},"gotrue_meta_security":{"captcha_token":42}}', status: 400, code: 'validation_failed' },
        { payload: '{"email":123}', status: 400, code: 'validation_failed' },
        { payload: JSON.stringify({ data: { blob: 'x'.repeat(1024 * 1024) } }), status: 413, code: 'request_too_large' },
      ];
      const before = await t.database.db.query<{ n: number }>('select count(*)::int as n from auth.users');
      for (const { payload, status, code } of cases) {
        const response = await t.app.inject({ method: 'POST', url: '/auth/v1/signup', headers: versionHeaders, payload });
        assert.equal(response.statusCode, status, `${payload.slice(0, 40)} → ${response.body}`);
        assert.equal(response.json().code, code);
        assert.equal(response.headers['x-supabase-api-version'], '2024-01-01');
      }
      const afterRows = await t.database.db.query<{ n: number }>('select count(*)::int as n from auth.users');
      assert.equal(afterRows[0].n, before[0].n, 'a refused request wrote nothing');
    });

    it('ignores unknown fields and password/PKCE fields of an anonymous sign-up', async () => {
      const response = await t.app.inject({
        method: 'POST',
        url: '/auth/v1/signup',
        headers: versionHeaders,
        payload: { data: {}, password: 'ignored', code_challenge: null, surprise: [1, 2, 3], gotrue_meta_security: {} },
      });
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(response.json().user.is_anonymous, true);
    });

    it('is served at the root too, for gateways that strip /auth/v1', async () => {
      const response = await t.app.inject({ method: 'POST', url: '/signup', headers: versionHeaders, payload: {} });
      assert.equal(response.statusCode, 200);
    });
  });

  describe(`anonymous sign-in switched off (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, { GOTRUE_EXTERNAL_ANONYMOUS_USERS_ENABLED: 'false', GOTRUE_DISABLE_SIGNUP: 'true' });
    });
    after(() => t.close());

    it('answers 422 anonymous_provider_disabled naming the variable, before signup_disabled', async () => {
      const response = await t.app.inject({ method: 'POST', url: '/auth/v1/signup', headers: versionHeaders, payload: { data: {} } });
      assert.equal(response.statusCode, 422);
      const body = response.json();
      assert.equal(body.code, 'anonymous_provider_disabled');
      assert.match(body.message, /GOTRUE_EXTERNAL_ANONYMOUS_USERS_ENABLED/);
      const count = await t.database.db.query<{ n: number }>('select count(*)::int as n from auth.users');
      assert.equal(count[0].n, 0);
    });
  });

  describe(`sign-ups disabled, anonymous on (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, { GOTRUE_DISABLE_SIGNUP: 'true' });
    });
    after(() => t.close());

    it('answers 422 signup_disabled', async () => {
      const response = await t.app.inject({ method: 'POST', url: '/auth/v1/signup', headers: versionHeaders, payload: {} });
      assert.equal(response.statusCode, 422);
      assert.equal(response.json().code, 'signup_disabled');
    });
  });
}
