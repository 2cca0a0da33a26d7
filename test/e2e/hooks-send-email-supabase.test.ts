/**
 * GoTrue's send-email hook with the real supabase-js, both ways, on both engines. Through an HTTP
 * receiver that checks the Standard Webhooks signature: every mail path (sign-up code, magic link,
 * recovery, invite, secure email change with its crossed pairs, reauthentication) reaches the hook with
 * GoTrue's payload and nothing reaches SMTP; the code (or the hash) from the payload signs in. A wrong
 * signature, an error object, a 5xx, an answer that is not JSON and a receiver that never answers are
 * clear errors that leave no user nor code behind, and the same request works once the hook does.
 * Through a Postgres function: the same delivery, and a function that raises, is missing, is a table,
 * answers text or sleeps too long.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { SupabaseClient } from '@supabase/supabase-js';
import { engines } from '../helpers/engines.js';
import { startHookReceiver, hookSecret, type HookReceiver } from '../helpers/hook-receiver.js';
import { decodeJwt, type TestProject } from '../helpers/project.js';
import { makeClient } from '../helpers/server.js';
import { startMailingProject, type MailingProject, type SmtpServer } from '../helpers/smtp.js';

const SECRET = hookSecret('send-email hook secret');
const SITE_URL = 'http://app.test';
const sha224 = (text: string) => createHash('sha224').update(text).digest('hex');
const fresh = (label: string) => `${label}-${randomBytes(4).toString('hex')}@example.com`;

interface EmailData {
  token: string;
  token_hash: string;
  redirect_to: string;
  email_action_type: string;
  site_url: string;
  token_new: string;
  token_hash_new: string;
}

interface SendEmailPayload {
  metadata: { uuid: string; time: string; name: string; ip_address?: string };
  user: { id: string; email: string; new_email?: string; [key: string]: unknown };
  email_data: EmailData;
}

async function usersWithEmail(t: TestProject, email: string): Promise<number> {
  const [row] = await t.database.db.query<{ n: number }>('select count(*)::int as n from auth.users where email = $1', [email]);
  return row.n;
}

async function pendingTokens(t: TestProject): Promise<number> {
  const [row] = await t.database.db.query<{ n: number }>('select count(*)::int as n from auth.one_time_tokens');
  return row.n;
}

for (const engine of engines) {
  describe(`send-email hook over signed HTTP, supabase-js (${engine})`, () => {
    let mailing: MailingProject;
    let t: TestProject;
    let smtp: SmtpServer;
    let receiver: HookReceiver;
    let client: SupabaseClient;
    const last = () => receiver.accepted.at(-1)?.payload as unknown as SendEmailPayload;

    before(async () => {
      receiver = await startHookReceiver(SECRET);
      mailing = await startMailingProject(engine, {
        GOTRUE_SITE_URL: SITE_URL,
        API_EXTERNAL_URL: 'http://auth.foyer.test/auth/v1',
        GOTRUE_RATE_LIMIT_EMAIL_SENT: '1000',
        GOTRUE_RATE_LIMIT_OTP: '100000',
        GOTRUE_RATE_LIMIT_VERIFY: '100000',
        GOTRUE_SMTP_MAX_FREQUENCY: '1s',
        GOTRUE_HOOK_SEND_EMAIL_ENABLED: 'true',
        GOTRUE_HOOK_SEND_EMAIL_URI: receiver.url,
        GOTRUE_HOOK_SEND_EMAIL_SECRETS: `${hookSecret('a second, older secret')}|${SECRET}`,
      });
      ({ t, smtp } = mailing);
      client = makeClient(mailing.url, t.anonKey);
    });
    after(async () => {
      await mailing.close();
      await receiver.close();
    });

    it('signInWithOtp({email}) hands the new user\'s code to the hook, not to SMTP; the code signs in', async () => {
      const email = fresh('otp');
      const before = receiver.accepted.length;
      const sent = await client.auth.signInWithOtp({ email, options: { emailRedirectTo: 'http://app.test/welcome' } });
      assert.equal(sent.error, null, sent.error?.message);
      assert.equal(receiver.accepted.length, before + 1, 'one hook call');
      assert.equal(smtp.mails.length, 0, 'no mail through SMTP');
      const request = receiver.accepted.at(-1)!;
      assert.equal(request.headers['content-type'], 'application/json');
      assert.equal(String(request.headers['webhook-signature']).split(' ').length, 2, 'signed with each secret');
      const { metadata, user, email_data: data } = last();
      assert.equal(metadata.name, 'send-email');
      assert.match(metadata.uuid, /^[0-9a-f-]{36}$/);
      assert.ok(Math.abs(Date.parse(metadata.time) - Date.now()) < 60_000);
      assert.equal(user.email, email);
      assert.equal(user.email_confirmed_at, undefined);
      assert.match(data.token, /^\d{6}$/);
      assert.deepEqual(data, {
        token: data.token,
        token_hash: sha224(email + data.token),
        redirect_to: 'http://app.test/welcome',
        email_action_type: 'signup',
        site_url: 'http://auth.foyer.test/auth/v1',
        token_new: '',
        token_hash_new: '',
        old_email: '',
        old_phone: '',
        provider: '',
        factor_type: '',
      });

      const verified = await makeClient(mailing.url, t.anonKey).auth.verifyOtp({ email, token: data.token, type: 'email' });
      assert.equal(verified.error, null, verified.error?.message);
      assert.equal(verified.data.user?.id, user.id);
      assert.equal(decodeJwt(verified.data.session!.access_token).email, email);
    });

    it('sends a confirmed user\'s magic link and recovery to the hook; the hash verifies as the link would', async () => {
      const email = fresh('known');
      const created = await makeClient(mailing.url, t.serviceRoleKey).auth.admin.createUser({ email, password: 'a long password 1', email_confirm: true });
      assert.equal(created.error, null);
      await client.auth.signInWithOtp({ email, options: { shouldCreateUser: false } });
      const magic = last().email_data;
      assert.equal(magic.email_action_type, 'magiclink');
      assert.equal(magic.redirect_to, SITE_URL, 'no redirect asked: the site URL');
      const byHash = await makeClient(mailing.url, t.anonKey).auth.verifyOtp({ token_hash: magic.token_hash, type: 'magiclink' });
      assert.equal(byHash.error, null, byHash.error?.message);
      assert.equal(byHash.data.user?.email, email);

      await t.database.db.query(`update auth.users set recovery_sent_at = now() - interval '1 hour' where email = $1`, [email]);
      const reset = await client.auth.resetPasswordForEmail(email, { redirectTo: 'http://app.test/reset' });
      assert.equal(reset.error, null);
      const recovery = last().email_data;
      assert.equal(recovery.email_action_type, 'recovery');
      assert.equal(recovery.redirect_to, 'http://app.test/reset');
      assert.equal(recovery.token_hash, sha224(email + recovery.token));
      const recovered = await makeClient(mailing.url, t.anonKey).auth.verifyOtp({ email, token: recovery.token, type: 'recovery' });
      assert.equal(recovered.error, null, recovered.error?.message);
      assert.equal(smtp.mails.length, 0);
    });

    it('hands an invitation to the hook', async () => {
      const email = fresh('invited');
      const invited = await makeClient(mailing.url, t.serviceRoleKey).auth.admin.inviteUserByEmail(email);
      assert.equal(invited.error, null, invited.error?.message);
      const { user, email_data: data } = last();
      assert.equal(data.email_action_type, 'invite');
      assert.equal(user.email, email);
      assert.ok(user.invited_at);
      const accepted = await makeClient(mailing.url, t.anonKey).auth.verifyOtp({ email, token: data.token, type: 'invite' });
      assert.equal(accepted.error, null, accepted.error?.message);
    });

    it('hands both codes of a secure email change to the hook in one call, paired as GoTrue pairs them', async () => {
      const current = fresh('current');
      const next = fresh('next');
      const admin = makeClient(mailing.url, t.serviceRoleKey);
      assert.equal((await admin.auth.admin.createUser({ email: current, password: 'a long password 2', email_confirm: true })).error, null);
      const user = makeClient(mailing.url, t.anonKey);
      assert.equal((await user.auth.signInWithPassword({ email: current, password: 'a long password 2' })).error, null);
      const before = receiver.accepted.length;
      const changed = await user.auth.updateUser({ email: next });
      assert.equal(changed.error, null, changed.error?.message);
      assert.equal(receiver.accepted.length, before + 1, 'one call for both addresses');
      const { user: seen, email_data: data } = last();
      assert.equal(data.email_action_type, 'email_change');
      assert.equal(seen.email, current);
      assert.equal(seen.new_email, next);
      // GoTrue's pairing: token is the current address's code, token_hash the new address's hash.
      assert.equal(data.token_hash, sha224(next + data.token_new));
      assert.equal(data.token_hash_new, sha224(current + data.token));
      const fromNew = await user.auth.verifyOtp({ email: next, token: data.token_new, type: 'email_change' });
      assert.equal(fromNew.error, null, fromNew.error?.message);
      assert.equal(fromNew.data.session, null, 'one of two confirmations: no change yet');
      assert.equal(await usersWithEmail(t, current), 1);
      const fromCurrent = await user.auth.verifyOtp({ email: current, token: data.token, type: 'email_change' });
      assert.equal(fromCurrent.error, null, fromCurrent.error?.message);
      assert.equal(fromCurrent.data.user?.email, next);
      assert.equal(smtp.mails.length, 0);
    });

    it('hands an anonymous user\'s new address (nothing to confirm from) one code: token and token_hash are the new address\'s', async () => {
      const user = makeClient(mailing.url, t.anonKey);
      assert.equal((await user.auth.signInAnonymously()).error, null);
      const next = fresh('converted');
      assert.equal((await user.auth.updateUser({ email: next })).error, null);
      const data = last().email_data;
      assert.equal(data.email_action_type, 'email_change');
      assert.equal(data.token_hash, sha224(next + data.token));
      assert.deepEqual([data.token_new, data.token_hash_new], ['', '']);
      const verified = await user.auth.verifyOtp({ email: next, token: data.token, type: 'email_change' });
      assert.equal(verified.error, null, verified.error?.message);
      assert.equal(verified.data.user?.email, next);
      assert.equal(verified.data.user?.is_anonymous, false);
    });

    it('hands the reauthentication nonce to the hook', async () => {
      const email = fresh('reauth');
      assert.equal((await makeClient(mailing.url, t.serviceRoleKey).auth.admin.createUser({ email, password: 'a long password 3', email_confirm: true })).error, null);
      const user = makeClient(mailing.url, t.anonKey);
      assert.equal((await user.auth.signInWithPassword({ email, password: 'a long password 3' })).error, null);
      const asked = await user.auth.reauthenticate();
      assert.equal(asked.error, null, asked.error?.message);
      const { metadata, email_data: data } = last();
      assert.equal(data.email_action_type, 'reauthentication');
      assert.equal(data.token_hash, sha224(email + data.token));
      assert.equal(metadata.ip_address, '127.0.0.1');
      const [row] = await t.database.db.query<{ token: string }>('select reauthentication_token as token from auth.users where email = $1', [email]);
      assert.equal(row.token, data.token_hash, 'the nonce stored is the one the hook was given');
    });

    const faults: { name: string; answer: HookReceiver['answer']; status: number; code?: string; message: RegExp }[] = [
      { name: 'an error object', answer: { kind: 'json', body: { error: { http_code: 429, message: 'Mail quota reached' } } }, status: 429, message: /^Mail quota reached$/ },
      { name: 'an error object without a status', answer: { kind: 'json', body: { error: { message: 'Bounced before' } } }, status: 400, message: /^Bounced before$/ },
      { name: 'HTTP 503 without Retry-After', answer: { kind: 'raw', status: 503, contentType: 'text/plain', body: 'down' }, status: 422, message: /unavailable/ },
      { name: 'HTTP 500', answer: { kind: 'raw', status: 500, contentType: 'text/plain', body: 'oops' }, status: 422, message: /Unexpected status code returned from hook: 500/ },
      { name: 'an answer that is not JSON', answer: { kind: 'raw', status: 200, contentType: 'application/json', body: 'not json' }, status: 422, message: /Error unmarshaling JSON output/ },
      { name: 'a text answer', answer: { kind: 'raw', status: 200, contentType: 'text/html', body: '<p>ok</p>' }, status: 400, code: 'hook_payload_invalid_content_type', message: /content-type/i },
      { name: 'no answer within 5 s', answer: { kind: 'hang' }, status: 422, code: 'hook_timeout', message: /Failed to reach hook within maximum time of 5\.0+ seconds/ },
    ];
    for (const fault of faults) {
      it(`answers ${fault.name} with a clear error, keeps no user nor code, and the retry works`, async () => {
        const email = fresh('fault');
        const tokensBefore = await pendingTokens(t);
        receiver.answer = fault.answer;
        const failed = await client.auth.signInWithOtp({ email });
        receiver.answer = { kind: 'json', body: {} };
        assert.ok(failed.error, 'the request fails');
        assert.equal(failed.error.status, fault.status, failed.error.message);
        if (fault.code) assert.equal(failed.error.code, fault.code);
        assert.match(failed.error.message, fault.message);
        assert.equal(await usersWithEmail(t, email), 0, 'no half-made user');
        assert.equal(await pendingTokens(t), tokensBefore, 'no code kept');
        const retried = await client.auth.signInWithOtp({ email });
        assert.equal(retried.error, null, retried.error?.message);
        const { token } = last().email_data;
        assert.equal((await makeClient(mailing.url, t.anonKey).auth.verifyOtp({ email, token, type: 'email' })).error, null);
      });
    }
  });

  describe(`send-email hook signed with a secret the receiver does not trust (${engine})`, () => {
    let mailing: MailingProject;
    let receiver: HookReceiver;
    before(async () => {
      receiver = await startHookReceiver(SECRET);
      mailing = await startMailingProject(engine, {
        GOTRUE_HOOK_SEND_EMAIL_ENABLED: 'true',
        GOTRUE_HOOK_SEND_EMAIL_URI: receiver.url,
        GOTRUE_HOOK_SEND_EMAIL_SECRETS: hookSecret('not the receiver secret'),
      });
    });
    after(async () => {
      await mailing.close();
      await receiver.close();
    });

    it('is refused by the receiver (401), which Foyer answers as GoTrue\'s "Hook requires authorization token"; nothing is kept', async () => {
      const email = fresh('unsigned');
      const failed = await makeClient(mailing.url, mailing.t.anonKey).auth.signInWithOtp({ email });
      assert.equal(receiver.refused, 1);
      assert.equal(receiver.accepted.length, 0);
      assert.equal(failed.error?.status, 422);
      assert.match(failed.error?.message ?? '', /Hook requires authorization token/);
      assert.equal(await usersWithEmail(mailing.t, email), 0);
      assert.equal(mailing.smtp.mails.length, 0);
    });
  });

  describe(`send-email hook as a Postgres function, supabase-js (${engine})`, () => {
    let mailing: MailingProject;
    let t: TestProject;
    let client: SupabaseClient;
    const define = (body: string) => t.database.db.execScript(`drop table if exists public.send_email; drop function if exists public.send_email(jsonb); ${body}`);
    const recording = `
      create function public.send_email(event jsonb) returns jsonb language plpgsql as $$
      begin
        insert into public.sent_mail (payload) values (event);
        return '{}'::jsonb;
      end $$;`;

    before(async () => {
      mailing = await startMailingProject(engine, {
        GOTRUE_RATE_LIMIT_EMAIL_SENT: '1000',
        GOTRUE_RATE_LIMIT_OTP: '100000',
        GOTRUE_HOOK_SEND_EMAIL_ENABLED: 'true',
        GOTRUE_HOOK_SEND_EMAIL_URI: 'pg-functions://postgres/public/send_email',
      });
      t = mailing.t;
      client = makeClient(mailing.url, t.anonKey);
      await t.database.db.execScript('create table public.sent_mail (id bigint generated always as identity primary key, payload jsonb not null);');
      await define(recording);
    });
    after(() => mailing.close());

    const lastPayload = async () =>
      (await t.database.db.query<{ payload: SendEmailPayload }>('select payload from public.sent_mail order by id desc limit 1'))[0]?.payload;

    it('calls the function in the request\'s transaction with GoTrue\'s payload; the code signs in', async () => {
      const email = fresh('pg');
      const sent = await client.auth.signInWithOtp({ email });
      assert.equal(sent.error, null, sent.error?.message);
      const payload = await lastPayload();
      assert.equal(payload.metadata.name, 'send-email');
      assert.equal(payload.user.email, email);
      assert.equal(payload.email_data.email_action_type, 'signup');
      assert.equal(payload.email_data.token_hash, sha224(email + payload.email_data.token));
      assert.equal(mailing.smtp.mails.length, 0);
      const verified = await makeClient(mailing.url, t.anonKey).auth.verifyOtp({ email, token: payload.email_data.token, type: 'email' });
      assert.equal(verified.error, null, verified.error?.message);
    });

    const faults: { name: string; sql: string; status: number; code?: string; message: RegExp }[] = [
      {
        name: 'an error object',
        sql: `create function public.send_email(event jsonb) returns jsonb language sql as $$ select '{"error": {"http_code": 403, "message": "Domain not allowed"}}'::jsonb $$;`,
        status: 403,
        message: /^Domain not allowed$/,
      },
      {
        name: 'a function that raises',
        sql: `create function public.send_email(event jsonb) returns jsonb language plpgsql as $$ begin raise exception 'smtp relay down'; end $$;`,
        status: 422,
        message: /^Error running hook URI: pg-functions:\/\/postgres\/public\/send_email$/,
      },
      { name: 'a missing function', sql: '', status: 422, message: /Error running hook URI/ },
      { name: 'a table where the function should be', sql: 'create table public.send_email (event jsonb);', status: 422, message: /Error running hook URI/ },
      {
        name: 'text that is not JSON',
        sql: `create function public.send_email(event jsonb) returns text language sql as $$ select 'sent!'::text $$;`,
        status: 422,
        message: /Error unmarshaling JSON output/,
      },
      {
        name: 'a function slower than 2 s',
        sql: `create function public.send_email(event jsonb) returns jsonb language sql as $$ select pg_sleep(2.5); select '{}'::jsonb $$;`,
        status: 422,
        code: 'hook_timeout',
        message: /Failed to reach hook within maximum time of 2\.0+ seconds/,
      },
    ];
    for (const fault of faults) {
      it(`answers ${fault.name} with a clear error, keeps no user nor code nor the function's own writes, and the retry works`, async () => {
        const email = fresh('pgfault');
        const rowsBefore = (await t.database.db.query<{ n: number }>('select count(*)::int as n from public.sent_mail'))[0].n;
        const tokensBefore = await pendingTokens(t);
        await define(fault.sql);
        const failed = await client.auth.signInWithOtp({ email });
        await define(recording);
        assert.ok(failed.error, 'the request fails');
        assert.equal(failed.error.status, fault.status, failed.error.message);
        if (fault.code) assert.equal(failed.error.code, fault.code);
        assert.match(failed.error.message, fault.message);
        assert.equal(await usersWithEmail(t, email), 0, 'no half-made user');
        assert.equal(await pendingTokens(t), tokensBefore, 'no code kept');
        assert.equal((await t.database.db.query<{ n: number }>('select count(*)::int as n from public.sent_mail'))[0].n, rowsBefore);
        const retried = await client.auth.signInWithOtp({ email });
        assert.equal(retried.error, null, retried.error?.message);
        assert.equal((await lastPayload()).user.email, email);
      });
    }
  });
}
