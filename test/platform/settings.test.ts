import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { engines } from '../helpers/engines.js';
import { apiHeaders, createTestPlatform, type ConsoleLogin, type ProjectView, type TestPlatform } from '../helpers/platform.js';
import { startSiteverifyServer, type SiteverifyServer } from '../helpers/siteverify.js';

const ANON = 'GOTRUE_EXTERNAL_ANONYMOUS_USERS_ENABLED';

interface Setting {
  key: string;
  env: string;
  value: string;
  default_text: string;
  doc: string;
  pinned_by: string | null;
  secret: boolean;
  source: string;
}

for (const engine of engines) {
  describe(`live project settings (${engine})`, () => {
    let t: TestPlatform;
    let session: ConsoleLogin;
    let second: ProjectView;
    let siteverify: SiteverifyServer;
    const settingsUrl = (ref: string) => `/platform/v1/projects/${ref}/settings`;
    const patch = (ref: string, changes: Record<string, string | null>, extra: Record<string, unknown> = {}) =>
      t.call(session, 'PATCH', settingsUrl(ref), { changes, ...extra });
    const setting = async (ref: string, env: string) =>
      ((await t.call(session, 'GET', settingsUrl(ref))).json().settings as Setting[]).find((s) => s.env === env)!;
    const signUp = (prefix: string, key: string, payload: Record<string, unknown> = {}) =>
      t.front.inject({ method: 'POST', url: `${prefix}/auth/v1/signup`, headers: apiHeaders(key), payload });

    before(async () => {
      siteverify = await startSiteverifyServer();
      t = await createTestPlatform(engine, { GOTRUE_SITE_URL: 'https://app.example.com' });
      session = await t.setUp();
      second = await t.createProject(session, 'Second');
      const on = await patch(second.ref, { [ANON]: 'true', GOTRUE_RATE_LIMIT_ANONYMOUS_USERS: '1000' });
      assert.equal(on.statusCode, 200, on.body);
    });
    after(async () => {
      await t.close();
      await siteverify.close();
    });

    it('lists every project setting with its variable, effective value, default, doc, pin and secrecy', async () => {
      const response = await t.call(session, 'GET', settingsUrl('default'));
      assert.equal(response.statusCode, 200);
      const { version, settings } = response.json() as { version: number; settings: Setting[] };
      assert.equal(version, 0);
      const anon = settings.find((s) => s.env === ANON)!;
      assert.deepEqual(
        { key: anon.key, value: anon.value, pinned_by: anon.pinned_by, secret: anon.secret, source: anon.source },
        { key: 'anonymousUsersEnabled', value: 'true', pinned_by: ANON, secret: false, source: 'env' },
      );
      assert.match(anon.doc, /anonymous/i);
      assert.ok(anon.default_text);
      const site = settings.find((s) => s.env === 'GOTRUE_SITE_URL')!;
      assert.equal(site.pinned_by, 'GOTRUE_SITE_URL');
      const captchaSecret = settings.find((s) => s.env === 'GOTRUE_SECURITY_CAPTCHA_SECRET')!;
      assert.deepEqual([captchaSecret.secret, captchaSecret.value, captchaSecret.pinned_by], [true, '', null]);
      assert.equal(settings.find((s) => s.env === 'GOTRUE_SMTP_PASS')!.secret, true);
      assert.equal(settings.find((s) => s.env === 'GOTRUE_EXTERNAL_GOOGLE_SECRET')!.secret, true);
      assert.equal(settings.find((s) => s.env === 'GOTRUE_JWT_EXP')!.value, '3600');
      assert.equal(settings.find((s) => s.env === 'GOTRUE_RATE_LIMIT_OTP')!.value, '30/300s');
      // Server-wide settings are not project settings.
      for (const env of ['PORT', 'DATABASE_URL', 'GOTRUE_JWT_SECRET', 'FOYER_DATA_DIR', 'FOYER_MASTER_KEY']) {
        assert.equal(settings.find((s) => s.env === env), undefined, env);
      }
    });

    it(`turns anonymous sign-ins off for one project: its next sign-up is refused at once, the default still works; on again restores it`, async () => {
      assert.equal((await signUp(`/p/${second.ref}`, second.anon_key)).statusCode, 200);
      const off = await patch(second.ref, { [ANON]: 'false' });
      assert.equal(off.statusCode, 200, off.body);
      assert.equal((off.json().settings as Setting[]).find((s) => s.env === ANON)!.value, 'false');
      const refused = await signUp(`/p/${second.ref}`, second.anon_key);
      assert.equal(refused.statusCode, 422);
      assert.equal(refused.json().code, 'anonymous_provider_disabled');
      const meta = await t.front.inject({ url: `/p/${second.ref}/auth/v1/settings` });
      assert.equal(meta.json().external.anonymous_users, false);
      assert.equal((await signUp('', t.project.apiKeys.anonKey)).statusCode, 200, 'the default project is unaffected');
      assert.equal((await patch(second.ref, { [ANON]: 'true' })).statusCode, 200);
      assert.equal((await signUp(`/p/${second.ref}`, second.anon_key)).statusCode, 200);
    });

    it('changes an unpinned setting of the default project live', async () => {
      assert.equal((await patch('default', { GOTRUE_DISABLE_SIGNUP: 'true' })).statusCode, 200);
      assert.equal((await t.front.inject({ url: '/auth/v1/settings' })).json().disable_signup, true);
      assert.equal((await signUp('', t.project.apiKeys.anonKey)).json().code, 'signup_disabled');
      assert.equal((await patch('default', { GOTRUE_DISABLE_SIGNUP: null })).statusCode, 200);
      assert.equal((await t.front.inject({ url: '/auth/v1/settings' })).json().disable_signup, false);
    });

    it('refuses to override a variable the environment pins, naming it', async () => {
      const response = await patch('default', { GOTRUE_SITE_URL: 'https://other.example.com' });
      assert.equal(response.statusCode, 422);
      assert.equal(response.json().code, 'setting_pinned');
      assert.match(response.json().message, /GOTRUE_SITE_URL/);
      assert.equal((await setting('default', 'GOTRUE_SITE_URL')).value, 'https://app.example.com');
      // The same variable is free in another project.
      assert.equal((await patch(second.ref, { GOTRUE_SITE_URL: 'https://second.example.com' })).statusCode, 200);
    });

    it('validates every edit with the loader: 422 validation_failed naming the variable, nothing stored', async () => {
      const before = (await t.call(session, 'GET', settingsUrl(second.ref))).json().version as number;
      const bad = await patch(second.ref, { [ANON]: 'yes please' });
      assert.equal(bad.statusCode, 422);
      assert.equal(bad.json().code, 'validation_failed');
      assert.match(bad.json().message, /GOTRUE_EXTERNAL_ANONYMOUS_USERS_ENABLED must be true or false/);
      const google = await patch(second.ref, { GOTRUE_EXTERNAL_GOOGLE_ENABLED: 'true' });
      assert.equal(google.statusCode, 422);
      assert.match(google.json().message, /GOTRUE_EXTERNAL_GOOGLE_CLIENT_ID is required/);
      const serverWide = await patch(second.ref, { PORT: '1234' });
      assert.equal(serverWide.statusCode, 422);
      assert.match(serverWide.json().message, /PORT is not a project setting/);
      const notString = await t.call(session, 'PATCH', settingsUrl(second.ref), { changes: { [ANON]: false } });
      assert.equal(notString.statusCode, 422);
      assert.equal((await t.call(session, 'GET', settingsUrl(second.ref))).json().version, before);
    });

    it('refuses a stale expected_version with 409', async () => {
      const current = (await t.call(session, 'GET', settingsUrl(second.ref))).json().version as number;
      const stale = await patch(second.ref, { GOTRUE_JWT_EXP: '600' }, { expected_version: current - 1 });
      assert.equal(stale.statusCode, 409);
      assert.equal(stale.json().code, 'conflict');
      const fresh = await patch(second.ref, { GOTRUE_JWT_EXP: '600' }, { expected_version: current });
      assert.equal(fresh.statusCode, 200);
      assert.equal(fresh.json().version, current + 1);
      const token = (await signUp(`/p/${second.ref}`, second.anon_key)).json();
      assert.equal(token.expires_in, 600, 'the new JWT expiry is in force');
    });

    it('keeps every version: who, when, what changed; reverts to any of them', async () => {
      const { versions } = (await t.call(session, 'GET', `${settingsUrl(second.ref)}/versions`)).json() as {
        versions: { version: number; changed_by: string; changed_at: string; diff: Record<string, { from: string | null; to: string | null }> }[];
      };
      assert.deepEqual(versions.map((v) => v.version), [...Array(versions.length).keys()].map((i) => versions.length - i));
      assert.ok(versions.every((v) => v.changed_by === 'ops@example.com' && /Z$/.test(v.changed_at)));
      const jwt = versions[0];
      assert.deepEqual(jwt.diff, { GOTRUE_JWT_EXP: { from: null, to: '600' } });
      const off = versions.find((v) => v.diff[ANON]?.to === 'false')!;
      assert.deepEqual(off.diff, { [ANON]: { from: 'true', to: 'false' } });

      const reverted = await t.call(session, 'POST', `${settingsUrl(second.ref)}/revert`, { version: off.version });
      assert.equal(reverted.statusCode, 200, reverted.body);
      assert.equal(reverted.json().version, jwt.version + 1);
      assert.equal((await signUp(`/p/${second.ref}`, second.anon_key)).json().code, 'anonymous_provider_disabled');
      const latest = (await t.call(session, 'GET', `${settingsUrl(second.ref)}/versions`)).json().versions[0];
      assert.equal(latest.diff[ANON].to, 'false');
      assert.deepEqual(latest.diff.GOTRUE_JWT_EXP, { from: '600', to: null });

      const unknown = await t.call(session, 'POST', `${settingsUrl(second.ref)}/revert`, { version: 999 });
      assert.equal(unknown.statusCode, 404);
      assert.equal((await t.call(session, 'POST', `${settingsUrl(second.ref)}/revert`, { version: jwt.version })).statusCode, 200);
      assert.equal((await signUp(`/p/${second.ref}`, second.anon_key)).statusCode, 200);
    });

    it('keeps secrets sealed and masked: in the view, the history and the database', async () => {
      const response = await patch(second.ref, { GOTRUE_SMTP_PASS: 'smtp-password-123' });
      assert.equal(response.statusCode, 200);
      const view = (response.json().settings as Setting[]).find((s) => s.env === 'GOTRUE_SMTP_PASS')!;
      assert.equal(view.value, '••••');
      const [row] = await t.database.db.query<{ overrides: Record<string, string>; diff: unknown }>(
        `select overrides, diff from auth.foyer_settings_versions where project_ref = $1 order by version desc limit 1`,
        [second.ref],
      );
      assert.match(row.overrides.GOTRUE_SMTP_PASS, /^v1\./);
      assert.ok(!JSON.stringify(row).includes('smtp-password-123'));
      assert.deepEqual(row.diff, { GOTRUE_SMTP_PASS: { from: null, to: '••••' } });
      // Sending the mask back changes nothing.
      const unchanged = await patch(second.ref, { GOTRUE_SMTP_PASS: '••••' });
      assert.equal(unchanged.json().version, (response.json() as { version: number }).version);
      assert.equal((await patch(second.ref, { GOTRUE_SMTP_PASS: null })).statusCode, 200);
    });

    it('configures CAPTCHA live against a local siteverify server, and tests a secret', async () => {
      siteverify.mode = { kind: 'fail', codes: ['invalid-input-secret'] };
      const refusedSecret = await t.call(session, 'POST', `/platform/v1/projects/${second.ref}/captcha/test`, {
        provider: 'hcaptcha',
        secret: 'console-secret',
        verify_url: siteverify.url,
      });
      assert.equal(refusedSecret.statusCode, 200, refusedSecret.body);
      assert.deepEqual(refusedSecret.json().ok, false);
      assert.deepEqual(refusedSecret.json().error_codes, ['invalid-input-secret']);
      assert.equal(siteverify.received.at(-1)?.form.secret, 'console-secret');
      siteverify.mode = { kind: 'fail', codes: ['invalid-input-response'] };
      const accepted = await t.call(session, 'POST', `/platform/v1/projects/${second.ref}/captcha/test`, {
        provider: 'hcaptcha',
        secret: 'console-secret',
        verify_url: siteverify.url,
      });
      assert.equal(accepted.json().ok, true);
      assert.match(accepted.json().detail, /accepted/);

      siteverify.mode = { kind: 'pass' };
      const on = await patch(second.ref, {
        GOTRUE_SECURITY_CAPTCHA_ENABLED: 'true',
        GOTRUE_SECURITY_CAPTCHA_PROVIDER: 'hcaptcha',
        GOTRUE_SECURITY_CAPTCHA_SECRET: 'console-secret',
        FOYER_SECURITY_CAPTCHA_VERIFY_URL: siteverify.url,
      });
      assert.equal(on.statusCode, 200, on.body);
      const noToken = await signUp(`/p/${second.ref}`, second.anon_key);
      assert.equal(noToken.statusCode, 400);
      assert.equal(noToken.json().code, 'captcha_failed');
      const withToken = await signUp(`/p/${second.ref}`, second.anon_key, { gotrue_meta_security: { captcha_token: 'a-token' } });
      assert.equal(withToken.statusCode, 200, withToken.body);
      assert.equal(siteverify.received.at(-1)?.form.secret, 'console-secret');
      assert.equal((await signUp('', t.project.apiKeys.anonKey)).statusCode, 200, 'no CAPTCHA on the default project');
      // "Test secret" without a secret tests the saved one.
      siteverify.mode = { kind: 'fail', codes: ['invalid-input-response'] };
      const saved = await t.call(session, 'POST', `/platform/v1/projects/${second.ref}/captcha/test`, { provider: 'hcaptcha' });
      assert.equal(saved.json().ok, true);
      assert.equal((await patch(second.ref, { GOTRUE_SECURITY_CAPTCHA_ENABLED: 'false' })).statusCode, 200);
      assert.equal((await signUp(`/p/${second.ref}`, second.anon_key)).statusCode, 200);
    });

    it('sets the anonymous rate limit live: 429 after it', async () => {
      assert.equal((await patch(second.ref, { GOTRUE_RATE_LIMIT_ANONYMOUS_USERS: '2/1h' })).statusCode, 200);
      // A client of its own: the earlier tests' sign-ups from 127.0.0.1 still count after a change
      // (test/security/rate-limit-change.test.ts).
      const fromNewClient = () =>
        t.front.inject({
          method: 'POST',
          url: `/p/${second.ref}/auth/v1/signup`,
          headers: apiHeaders(second.anon_key),
          payload: {},
          remoteAddress: '198.51.100.20',
        });
      const statuses: number[] = [];
      for (let i = 0; i < 3; i += 1) statuses.push((await fromNewClient()).statusCode);
      assert.deepEqual(statuses, [200, 200, 429]);
      const limited = await fromNewClient();
      assert.equal(limited.json().code, 'over_request_rate_limit');
      assert.ok(Number(limited.headers['retry-after']) > 0);
      assert.equal((await patch(second.ref, { GOTRUE_RATE_LIMIT_ANONYMOUS_USERS: '1000' })).statusCode, 200);
      assert.equal((await fromNewClient()).statusCode, 200, 'a higher limit lets sign-ups through again');
    });

    it('applies MFA settings live: TOTP enrolment off, the maximum of factors, phone factors on, each at the next request', async () => {
      const auth = `/p/${second.ref}/auth/v1`;
      const email = `mfa-live-${Date.now()}@example.com`;
      const created = await t.front.inject({
        method: 'POST',
        url: `${auth}/admin/users`,
        headers: { ...apiHeaders(second.service_role_key), authorization: `Bearer ${second.service_role_key}` },
        payload: { email, password: 'a long enough password', email_confirm: true },
      });
      assert.equal(created.statusCode, 200, created.body);
      const signedIn = await t.front.inject({
        method: 'POST',
        url: `${auth}/token?grant_type=password`,
        headers: apiHeaders(second.anon_key),
        payload: { email, password: 'a long enough password' },
      });
      assert.equal(signedIn.statusCode, 200, signedIn.body);
      const token = signedIn.json().access_token as string;
      const enrol = (payload: Record<string, unknown>) =>
        t.front.inject({ method: 'POST', url: `${auth}/factors`, headers: { ...apiHeaders(second.anon_key), authorization: `Bearer ${token}` }, payload });

      assert.equal((await enrol({ factor_type: 'totp', friendly_name: 'first' })).statusCode, 200);
      assert.equal((await patch(second.ref, { GOTRUE_MFA_TOTP_ENROLL_ENABLED: 'false' })).statusCode, 200);
      const off = await enrol({ factor_type: 'totp', friendly_name: 'second' });
      assert.equal(off.statusCode, 422, off.body);
      assert.equal(off.json().code, 'mfa_totp_enroll_not_enabled');
      assert.equal((await patch(second.ref, { GOTRUE_MFA_TOTP_ENROLL_ENABLED: null, GOTRUE_MFA_MAX_ENROLLED_FACTORS: '1' })).statusCode, 200);
      const tooMany = await enrol({ factor_type: 'totp', friendly_name: 'second' });
      assert.equal(tooMany.statusCode, 422, tooMany.body);
      assert.equal(tooMany.json().code, 'too_many_enrolled_mfa_factors');
      assert.equal((await enrol({ factor_type: 'phone', phone: '+15550104242', friendly_name: 'phone' })).json().code, 'mfa_phone_enroll_not_enabled');
      assert.equal((await patch(second.ref, { GOTRUE_MFA_MAX_ENROLLED_FACTORS: null, GOTRUE_MFA_PHONE_ENROLL_ENABLED: 'true' })).statusCode, 200);
      const phone = await enrol({ factor_type: 'phone', phone: '+15550104242', friendly_name: 'phone' });
      assert.equal(phone.statusCode, 200, phone.body);
      assert.equal(phone.json().type, 'phone');
      assert.equal((await patch(second.ref, { GOTRUE_MFA_PHONE_ENROLL_ENABLED: null })).statusCode, 200);
    });

    it('diffs two projects side by side and copies settings from one to another', async () => {
      const diff = await t.call(session, 'GET', `/platform/v1/settings/diff?a=default&b=${second.ref}`);
      assert.equal(diff.statusCode, 200);
      const rows = diff.json().rows as { env: string; a: string; b: string }[];
      assert.deepEqual(rows.find((r) => r.env === 'GOTRUE_SITE_URL'), { env: 'GOTRUE_SITE_URL', a: 'https://app.example.com', b: 'https://second.example.com' });
      assert.deepEqual(rows.find((r) => r.env === 'GOTRUE_RATE_LIMIT_ANONYMOUS_USERS'), { env: 'GOTRUE_RATE_LIMIT_ANONYMOUS_USERS', a: '100000/3600s', b: '1000/3600s' });
      assert.equal(rows.find((r) => r.env === 'API_EXTERNAL_URL'), undefined, 'project URLs are not compared');
      assert.equal(rows.find((r) => r.env === ANON), undefined, 'equal values are not listed');

      const copied = await t.call(session, 'POST', `${settingsUrl(second.ref)}/copy`, { from_ref: 'default' });
      assert.equal(copied.statusCode, 200, copied.body);
      const after = (await t.call(session, 'GET', `/platform/v1/settings/diff?a=default&b=${second.ref}`)).json().rows as { env: string }[];
      assert.deepEqual(after, []);
      assert.equal((await setting(second.ref, 'GOTRUE_SITE_URL')).value, 'https://app.example.com');
      assert.equal((await setting(second.ref, 'GOTRUE_SITE_URL')).source, 'override');
      assert.match((await setting(second.ref, 'API_EXTERNAL_URL')).value, new RegExp(`/p/${second.ref}/auth/v1$`), 'the project keeps its own URL');
      const toDefault = await t.call(session, 'POST', `${settingsUrl('default')}/copy`, { from_ref: second.ref });
      assert.equal(toDefault.statusCode, 200, 'pinned variables are skipped, not refused');
      const bad = await t.call(session, 'POST', `${settingsUrl(second.ref)}/copy`, { from_ref: second.ref });
      assert.equal(bad.statusCode, 422);
      const audit = await t.database.db.query<{ action: string }>(
        `select payload ->> 'action' as action from auth.audit_log_entries where payload ->> 'log_type' = 'console'`,
      );
      const actions = new Set(audit.map((row) => row.action));
      for (const action of ['settings_changed', 'settings_reverted', 'settings_copied', 'captcha_secret_tested']) assert.ok(actions.has(action), action);
    });
  });
}
