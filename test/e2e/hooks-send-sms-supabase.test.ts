/**
 * GoTrue's send-SMS hook with the real supabase-js, both ways, on both engines. Through an HTTP
 * receiver that checks the Standard Webhooks signature, with an SMS provider configured too (the hook
 * wins, as in GoTrue): signInWithOtp({phone}) hands the code to the hook (not to the provider, not to
 * the outbox) and the code signs in; resend, a phone change and a phone-only user's reauthentication
 * go the same way; WhatsApp is accepted (the hook decides how to deliver); Twilio Verify no longer
 * checks the codes. A failing hook leaves no user nor code behind and the retry works. Through a
 * Postgres function: the same delivery, and a function that raises or sleeps too long.
 */
import assert from 'node:assert/strict';
import { createHash, randomInt } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { SupabaseClient } from '@supabase/supabase-js';
import { engines } from '../helpers/engines.js';
import { hookSecret, startHookReceiver, type HookReceiver } from '../helpers/hook-receiver.js';
import { createTestProject, type TestProject } from '../helpers/project.js';
import { makeClient } from '../helpers/server.js';
import { startSmsProviderServer, type SmsProviderServer } from '../helpers/sms-provider.js';

const SECRET = hookSecret('send-sms hook secret');
const sha224 = (text: string) => createHash('sha224').update(text).digest('hex');
const freshPhone = () => `1555${String(randomInt(0, 10_000_000)).padStart(7, '0')}`;

interface SendSmsPayload {
  metadata: { name: string; ip_address?: string; uuid: string; time: string };
  user?: { id: string; phone: string; new_phone?: string; [key: string]: unknown };
  sms: { otp: string; phone: string; sms_type?: string };
}

async function count(t: TestProject, sql: string, params: string[] = []): Promise<number> {
  const [row] = await t.database.db.query<{ n: number }>(sql, params);
  return row.n;
}

const usersWithPhone = (t: TestProject, phone: string) => count(t, 'select count(*)::int as n from auth.users where phone = $1', [phone]);
const outboxRows = (t: TestProject) => count(t, 'select count(*)::int as n from auth.foyer_sms_outbox');
const tokenRows = (t: TestProject) => count(t, 'select count(*)::int as n from auth.one_time_tokens');

async function listen(t: TestProject): Promise<string> {
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
}

for (const engine of engines) {
  describe(`send-SMS hook over signed HTTP, supabase-js (${engine})`, () => {
    let t: TestProject;
    let url: string;
    let receiver: HookReceiver;
    let provider: SmsProviderServer;
    let client: SupabaseClient;
    const last = () => receiver.accepted.at(-1)?.payload as unknown as SendSmsPayload;

    before(async () => {
      receiver = await startHookReceiver(SECRET);
      provider = await startSmsProviderServer();
      t = await createTestProject(engine, {
        GOTRUE_EXTERNAL_PHONE_ENABLED: 'true',
        GOTRUE_RATE_LIMIT_OTP: '100000',
        GOTRUE_RATE_LIMIT_VERIFY: '100000',
        GOTRUE_RATE_LIMIT_SMS_SENT: '100000',
        // Twilio Verify makes and checks its own codes: with the hook on, Foyer makes and checks them.
        GOTRUE_SMS_PROVIDER: 'twilio_verify',
        GOTRUE_SMS_TWILIO_VERIFY_ACCOUNT_SID: 'AC0002',
        GOTRUE_SMS_TWILIO_VERIFY_AUTH_TOKEN: 'verify-token',
        GOTRUE_SMS_TWILIO_VERIFY_MESSAGE_SERVICE_SID: 'VA0002',
        FOYER_SMS_PROVIDER_URL: provider.url,
        GOTRUE_HOOK_SEND_SMS_ENABLED: 'true',
        GOTRUE_HOOK_SEND_SMS_URI: receiver.url,
        GOTRUE_HOOK_SEND_SMS_SECRETS: SECRET,
        GOTRUE_MFA_PHONE_ENROLL_ENABLED: 'true',
        GOTRUE_MFA_PHONE_VERIFY_ENABLED: 'true',
        // The same receiver answers the MFA verification attempt hook ({}: no decision, carry on).
        GOTRUE_HOOK_MFA_VERIFICATION_ATTEMPT_ENABLED: 'true',
        GOTRUE_HOOK_MFA_VERIFICATION_ATTEMPT_URI: receiver.url,
        GOTRUE_HOOK_MFA_VERIFICATION_ATTEMPT_SECRETS: SECRET,
      });
      url = await listen(t);
      client = makeClient(url, t.anonKey);
    });
    after(async () => {
      await t.close();
      await receiver.close();
      await provider.close();
    });

    it('signInWithOtp({phone}) hands the code to the hook, not to the provider nor the outbox; the code signs in', async () => {
      const phone = freshPhone();
      const sent = await client.auth.signInWithOtp({ phone: `+${phone}`, options: { data: { plan: 'free' } } });
      assert.equal(sent.error, null, sent.error?.message);
      assert.equal(sent.data.messageId, undefined, 'GoTrue reports no message id for a hook');
      const { metadata, user, sms } = last();
      assert.equal(metadata.name, 'send-sms');
      assert.equal(metadata.ip_address, '127.0.0.1');
      assert.equal(user?.phone, phone);
      assert.deepEqual(user?.user_metadata, { plan: 'free' });
      assert.match(sms.otp, /^\d{6}$/);
      assert.deepEqual(sms, { otp: sms.otp, phone });
      assert.equal(provider.received.length, 0, 'the provider got nothing');
      assert.equal(await outboxRows(t), 0, 'the outbox got nothing');
      const [row] = await t.database.db.query<{ token: string }>('select confirmation_token as token from auth.users where phone = $1', [phone]);
      assert.equal(row.token, sha224(phone + sms.otp));

      const verified = await makeClient(url, t.anonKey).auth.verifyOtp({ phone, token: sms.otp, type: 'sms' });
      assert.equal(verified.error, null, verified.error?.message);
      assert.equal(verified.data.user?.id, user?.id);
      assert.equal(provider.received.length, 0, 'Foyer checked the code itself (no VerificationCheck)');
    });

    it('takes WhatsApp whatever the provider (the hook delivers), and resends through the hook', async () => {
      const phone = freshPhone();
      assert.equal((await client.auth.signInWithOtp({ phone, options: { channel: 'whatsapp' } })).error, null);
      const first = last().sms.otp;
      await t.database.db.query(`update auth.users set confirmation_sent_at = now() - interval '2 minutes' where phone = $1`, [phone]);
      const resent = await client.auth.resend({ phone, type: 'sms' });
      assert.equal(resent.error, null, resent.error?.message);
      const { sms } = last();
      assert.equal(sms.phone, phone);
      const stale = await makeClient(url, t.anonKey).auth.verifyOtp({ phone, token: first, type: 'sms' });
      if (first !== sms.otp) assert.equal(stale.error?.code, 'otp_expired', 'the resent code replaced the first');
      assert.equal((await makeClient(url, t.anonKey).auth.verifyOtp({ phone, token: sms.otp, type: 'sms' })).error, null);
    });

    it('hands a phone change and a phone-only user\'s reauthentication to the hook', async () => {
      const phone = freshPhone();
      const next = freshPhone();
      const user = makeClient(url, t.anonKey);
      await user.auth.signInWithOtp({ phone });
      assert.equal((await user.auth.verifyOtp({ phone, token: last().sms.otp, type: 'sms' })).error, null);

      const changed = await user.auth.updateUser({ phone: next });
      assert.equal(changed.error, null, changed.error?.message);
      const change = last();
      assert.equal(change.sms.phone, next);
      assert.equal(change.user?.phone, phone);
      assert.equal(change.user?.new_phone, next);
      const confirmed = await user.auth.verifyOtp({ phone: next, token: change.sms.otp, type: 'phone_change' });
      assert.equal(confirmed.error, null, confirmed.error?.message);
      assert.equal(confirmed.data.user?.phone, next);

      const asked = await user.auth.reauthenticate();
      assert.equal(asked.error, null, asked.error?.message);
      const nonce = last();
      assert.equal(nonce.sms.phone, next);
      const [row] = await t.database.db.query<{ token: string }>('select reauthentication_token as token from auth.users where phone = $1', [next]);
      assert.equal(row.token, sha224(next + nonce.sms.otp));
      assert.equal(provider.received.length, 0);
    });

    it('hands a phone factor\'s challenge to the hook (sms_type mfa), and tells the MFA hook of its verification (factor_type phone)', async () => {
      const email = `mfa-sms-${randomInt(0, 1_000_000_000)}@example.com`;
      const created = await makeClient(url, t.serviceRoleKey).auth.admin.createUser({ email, password: 'a long enough password', email_confirm: true });
      assert.equal(created.error, null);
      const user = makeClient(url, t.anonKey);
      assert.equal((await user.auth.signInWithPassword({ email, password: 'a long enough password' })).error, null);
      const phone = freshPhone();
      const enrolled = await user.auth.mfa.enroll({ factorType: 'phone', phone: `+${phone}` });
      assert.equal(enrolled.error, null, enrolled.error?.message);
      const challenge = await user.auth.mfa.challenge({ factorId: enrolled.data!.id });
      assert.equal(challenge.error, null, challenge.error?.message);
      const texted = last();
      assert.deepEqual({ ...texted.sms, otp: 'x' }, { otp: 'x', phone, sms_type: 'mfa' });
      assert.equal(texted.user?.email, email);
      const verified = await user.auth.mfa.verify({ factorId: enrolled.data!.id, challengeId: challenge.data!.id, code: texted.sms.otp });
      assert.equal(verified.error, null, verified.error?.message);
      const attempt = receiver.accepted.at(-1)!.payload as { metadata: { name: string }; factor_type: string; valid: boolean; factor_id: string };
      assert.deepEqual([attempt.metadata.name, attempt.factor_type, attempt.valid, attempt.factor_id], ['mfa-verification', 'phone', true, enrolled.data!.id]);
      assert.equal(provider.received.length, 0);
    });

    for (const fault of [
      { name: 'an error object', answer: { kind: 'json', body: { error: { http_code: 422, message: 'Number is blocked' } } }, status: 422, message: /^Number is blocked$/ },
      { name: 'HTTP 502', answer: { kind: 'raw', status: 502, contentType: 'text/plain', body: 'bad gateway' }, status: 422, message: /Unexpected status code returned from hook: 502/ },
      { name: 'an answer that is not JSON', answer: { kind: 'raw', status: 200, contentType: 'application/json', body: '{' }, status: 422, message: /Error unmarshaling JSON output/ },
    ] as const) {
      it(`answers ${fault.name} with a clear error, keeps no user nor code, and the retry works`, async () => {
        const phone = freshPhone();
        const tokens = await tokenRows(t);
        receiver.answer = fault.answer;
        const failed = await client.auth.signInWithOtp({ phone });
        receiver.answer = { kind: 'json', body: {} };
        assert.equal(failed.error?.status, fault.status, failed.error?.message);
        assert.match(failed.error?.message ?? '', fault.message);
        assert.equal(await usersWithPhone(t, phone), 0, 'no half-made user');
        assert.equal(await tokenRows(t), tokens, 'no code kept');
        const retried = await client.auth.signInWithOtp({ phone });
        assert.equal(retried.error, null, retried.error?.message);
        assert.equal((await makeClient(url, t.anonKey).auth.verifyOtp({ phone, token: last().sms.otp, type: 'sms' })).error, null);
      });
    }
  });

  describe(`send-SMS hook as a Postgres function, supabase-js (${engine})`, () => {
    let t: TestProject;
    let url: string;
    let client: SupabaseClient;
    const define = (body: string) => t.database.db.execScript(`drop function if exists public.send_sms(jsonb); ${body}`);
    const recording = `
      create function public.send_sms(event jsonb) returns jsonb language plpgsql as $$
      begin
        insert into public.sent_sms (payload) values (event);
        return null;
      end $$;`;
    const lastPayload = async () => (await t.database.db.query<{ payload: SendSmsPayload }>('select payload from public.sent_sms order by id desc limit 1'))[0]?.payload;

    before(async () => {
      t = await createTestProject(engine, {
        GOTRUE_EXTERNAL_PHONE_ENABLED: 'true',
        GOTRUE_RATE_LIMIT_OTP: '100000',
        GOTRUE_HOOK_SEND_SMS_ENABLED: 'true',
        GOTRUE_HOOK_SEND_SMS_URI: 'pg-functions://postgres/public/send_sms',
      });
      await t.database.db.execScript('create table public.sent_sms (id bigint generated always as identity primary key, payload jsonb not null);');
      await define(recording);
      url = await listen(t);
      client = makeClient(url, t.anonKey);
    });
    after(() => t.close());

    it('calls the function with GoTrue\'s payload (a NULL answer is fine); the code signs in', async () => {
      const phone = freshPhone();
      assert.equal((await client.auth.signInWithOtp({ phone })).error, null);
      const payload = await lastPayload();
      assert.equal(payload.metadata.name, 'send-sms');
      assert.equal(payload.sms.phone, phone);
      assert.equal(payload.user?.phone, phone);
      assert.equal(await outboxRows(t), 0);
      assert.equal((await makeClient(url, t.anonKey).auth.verifyOtp({ phone, token: payload.sms.otp, type: 'sms' })).error, null);
    });

    for (const fault of [
      { name: 'a function that raises', sql: `create function public.send_sms(event jsonb) returns jsonb language plpgsql as $$ begin raise exception 'gateway down'; end $$;`, code: undefined, message: /Error running hook URI/ },
      { name: 'a function slower than 2 s', sql: `create function public.send_sms(event jsonb) returns jsonb language sql as $$ select pg_sleep(2.5); select '{}'::jsonb $$;`, code: 'hook_timeout', message: /Failed to reach hook within maximum time/ },
    ]) {
      it(`answers ${fault.name} with a 422, keeps no user nor code, and the retry works`, async () => {
        const phone = freshPhone();
        const tokens = await tokenRows(t);
        await define(fault.sql);
        const failed = await client.auth.signInWithOtp({ phone });
        await define(recording);
        assert.equal(failed.error?.status, 422, failed.error?.message);
        if (fault.code) assert.equal(failed.error?.code, fault.code);
        assert.match(failed.error?.message ?? '', fault.message);
        assert.equal(await usersWithPhone(t, phone), 0);
        assert.equal(await tokenRows(t), tokens);
        assert.equal((await client.auth.signInWithOtp({ phone })).error, null);
        assert.equal((await lastPayload()).sms.phone, phone);
      });
    }
  });
}
