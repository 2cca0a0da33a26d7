/**
 * End to end with the real supabase-js: a phone factor through the real `foyer start` process and a
 * Twilio-speaking SMS provider (FOYER_SMS_PROVIDER_URL), on the embedded database and on PostgreSQL —
 * enrol, challenge (the code arrives at the provider), verify, the assurance levels at each step, sign
 * out, sign in again and be asked for the factor, verify again, unenrol; and a phone-only user's
 * reauthenticate() texting the nonce that updateUser({password, nonce}) then uses.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { SupabaseClient } from '@supabase/supabase-js';
import { createPostgresDatabase, engines, type EngineName } from '../helpers/engines.js';
import { freshPhone, lastSmsTo, PHONE_MFA_ON, smsCode } from '../helpers/mfa-phone.js';
import { decodeJwt } from '../helpers/project.js';
import { createRestProject, type RestProject } from '../helpers/rest.js';
import { killAllServers, makeClient, startServer, type RunningServer } from '../helpers/server.js';
import { codeIn, startSmsProviderServer, type SmsProviderServer } from '../helpers/sms-provider.js';
import { ageSession } from '../helpers/step-up.js';

async function storeEnv(engine: EngineName): Promise<{ env: Record<string, string>; remove: () => Promise<void> }> {
  if (engine === 'pglite') {
    const dir = mkdtempSync(join(tmpdir(), 'foyer-e2e-mfa-phone-'));
    return { env: { FOYER_DATA_DIR: join(dir, 'data') }, remove: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const { url, drop } = await createPostgresDatabase();
  return { env: { DATABASE_URL: url, GOTRUE_JWT_SECRET: randomBytes(36).toString('base64url') }, remove: drop };
}

async function levels(client: SupabaseClient) {
  const { data, error } = await client.auth.mfa.getAuthenticatorAssuranceLevel();
  assert.equal(error, null, error?.message);
  return { current: data?.currentLevel, next: data?.nextLevel, methods: data?.currentAuthenticationMethods.map((entry) => (typeof entry === 'string' ? entry : entry.method)) };
}

for (const engine of engines) {
  describe(`supabase-js phone factors against foyer start (${engine})`, () => {
    let server: RunningServer | undefined;
    let provider: SmsProviderServer | undefined;
    let remove: (() => Promise<void>) | undefined;
    after(async () => {
      await server?.stop().catch(() => killAllServers());
      await provider?.close();
      await remove?.();
    });

    it('enrols a phone factor, verifies the texted code (aal1 → aal2), signs in again at aal1 with aal2 next, verifies again, unenrols', async () => {
      provider = await startSmsProviderServer();
      const store = await storeEnv(engine);
      remove = store.remove;
      server = await startServer({
        ...store.env,
        ...PHONE_MFA_ON,
        GOTRUE_MFA_PHONE_MAX_FREQUENCY: '1s',
        GOTRUE_SMS_PROVIDER: 'twilio',
        GOTRUE_SMS_TWILIO_ACCOUNT_SID: 'AC0009',
        GOTRUE_SMS_TWILIO_AUTH_TOKEN: 'twilio-token',
        GOTRUE_SMS_TWILIO_MESSAGE_SERVICE_SID: '+15550000100',
        FOYER_SMS_PROVIDER_URL: provider.url,
      });
      const sms = provider;
      const lastCodeTo = (phone: string) => {
        const sent = sms.received.filter((request) => request.form.To === `+${phone}`).at(-1);
        assert.ok(sent, `an SMS to +${phone}`);
        return codeIn(sent.form.Body);
      };
      const admin = makeClient(server.url, server.serviceRoleKey);
      const email = `mfa-phone-${randomBytes(4).toString('hex')}@example.com`;
      const password = 'a long enough password';
      const created = await admin.auth.admin.createUser({ email, password, email_confirm: true });
      assert.equal(created.error, null, created.error?.message);

      const client = makeClient(server.url, server.anonKey);
      assert.equal((await client.auth.signInWithPassword({ email, password })).error, null);
      assert.deepEqual(await levels(client), { current: 'aal1', next: 'aal1', methods: ['password'] });

      const phone = freshPhone();
      const enrolled = await client.auth.mfa.enroll({ factorType: 'phone', phone: `+${phone}`, friendlyName: 'My phone' });
      assert.equal(enrolled.error, null, enrolled.error?.message);
      const factor = enrolled.data!;
      assert.equal(factor.type, 'phone');
      assert.deepEqual(await levels(client), { current: 'aal1', next: 'aal1', methods: ['password'] }, 'an unverified factor raises nothing');

      const challenge = await client.auth.mfa.challenge({ factorId: factor.id });
      assert.equal(challenge.error, null, challenge.error?.message);
      const code = lastCodeTo(phone);
      const wrong = await client.auth.mfa.verify({ factorId: factor.id, challengeId: challenge.data!.id, code: code === '000000' ? '111111' : '000000' });
      assert.equal(wrong.error?.code, 'mfa_verification_failed');
      const verified = await client.auth.mfa.verify({ factorId: factor.id, challengeId: challenge.data!.id, code });
      assert.equal(verified.error, null, verified.error?.message);
      assert.deepEqual(await levels(client), { current: 'aal2', next: 'aal2', methods: ['mfa/phone', 'password'] });
      const replayed = await client.auth.mfa.verify({ factorId: factor.id, challengeId: challenge.data!.id, code });
      assert.equal(replayed.error?.code, 'mfa_ip_address_mismatch', 'a used challenge does not verify again');

      assert.equal((await client.auth.signOut()).error, null);
      assert.equal((await client.auth.signInWithPassword({ email, password })).error, null);
      assert.deepEqual(await levels(client), { current: 'aal1', next: 'aal2', methods: ['password'] });
      const factors = await client.auth.mfa.listFactors();
      assert.equal(factors.error, null);
      assert.deepEqual(factors.data!.phone.map((listed) => [listed.id, listed.friendly_name, listed.status]), [[factor.id, 'My phone', 'verified']]);
      await sleep(1100); // GOTRUE_MFA_PHONE_MAX_FREQUENCY
      const again = await client.auth.mfa.challenge({ factorId: factor.id });
      assert.equal(again.error, null, again.error?.message);
      const raised = await client.auth.mfa.verify({ factorId: factor.id, challengeId: again.data!.id, code: lastCodeTo(phone) });
      assert.equal(raised.error, null, raised.error?.message);
      assert.equal(decodeJwt(raised.data!.access_token).aal, 'aal2');

      const unenrolled = await client.auth.mfa.unenroll({ factorId: factor.id });
      assert.equal(unenrolled.error, null, unenrolled.error?.message);
      assert.equal((await client.auth.refreshSession()).error, null);
      assert.deepEqual(await levels(client), { current: 'aal1', next: 'aal1', methods: ['password'] });
      assert.deepEqual((await client.auth.mfa.listFactors()).data!.all, []);
    });
  });

  describe(`supabase-js reauthenticate() of a phone-only user (${engine})`, () => {
    let t: RestProject;
    before(async () => {
      t = await createRestProject(engine, { GOTRUE_EXTERNAL_PHONE_ENABLED: 'true', GOTRUE_SECURITY_UPDATE_PASSWORD_REQUIRE_REAUTHENTICATION: 'true' });
    });
    after(() => t.close());

    it('texts a nonce; updateUser({password, nonce}) changes the password once', async () => {
      const phone = freshPhone();
      const created = await t.serviceClient().auth.admin.createUser({ phone, password: 'first-password-123', phone_confirm: true });
      assert.equal(created.error, null, created.error?.message);
      const client = t.anonClient();
      const signedIn = await client.auth.signInWithPassword({ phone, password: 'first-password-123' });
      assert.equal(signedIn.error, null, signedIn.error?.message);
      await ageSession(t, String(decodeJwt(signedIn.data.session!.access_token).session_id), '2 days');

      assert.equal((await client.auth.updateUser({ password: 'second-password-456' })).error?.code, 'reauthentication_needed');
      const reauthenticated = await client.auth.reauthenticate();
      assert.equal(reauthenticated.error, null, reauthenticated.error?.message);
      const nonce = smsCode((await lastSmsTo(t.database.db, phone)).body);
      const updated = await client.auth.updateUser({ password: 'second-password-456', nonce });
      assert.equal(updated.error, null, updated.error?.message);
      assert.equal((await client.auth.updateUser({ password: 'third-password-789', nonce })).error?.code, 'reauthentication_not_valid');

      const fresh = t.anonClient();
      assert.equal((await fresh.auth.signInWithPassword({ phone, password: 'second-password-456' })).error, null);
      assert.equal((await fresh.auth.signInWithPassword({ phone, password: 'first-password-123' })).error?.code, 'invalid_credentials');
    });
  });
}
