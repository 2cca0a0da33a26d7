/**
 * An SMS provider that times out, refuses, fails or answers garbage: the caller gets GoTrue's 422
 * sms_send_failed with the reason, never a 500, and nothing of the request stays behind — no user,
 * no code, no "sent at" that would hold the next attempt back.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { engines } from '../helpers/engines.js';
import { createTestProject, type TestProject } from '../helpers/project.js';

/** Without x-supabase-api-version: errors in GoTrue's older shape {code, error_code, msg}. */
const json = { 'content-type': 'application/json' };
import { startSmsProviderServer, type SmsProviderMode, type SmsProviderServer } from '../helpers/sms-provider.js';

const post = (t: TestProject, url: string, payload: object, token?: string) =>
  t.app.inject({ method: 'POST', url, headers: { ...json, ...(token ? { authorization: `Bearer ${token}` } : {}) }, payload });

const twilioError = JSON.stringify({
  code: 21211,
  message: "The 'To' number +15551239999 is not a valid phone number.",
  more_info: 'https://www.twilio.com/docs/errors/21211',
  status: 400,
});

const twilioFaults: readonly { readonly name: string; readonly mode: SmsProviderMode; readonly reason: string | RegExp }[] = [
  { name: 'a timeout', mode: { kind: 'hang' }, reason: 'the provider gave no answer within 1000 ms' },
  { name: 'a 4xx with Twilio’s error', mode: { kind: 'status', status: 400, body: twilioError }, reason: "The 'To' number +15551239999 is not a valid phone number. More information: https://www.twilio.com/docs/errors/21211" },
  { name: 'a 5xx with a plain body', mode: { kind: 'status', status: 503, body: 'Service Unavailable' }, reason: 'the provider answered HTTP 503 with something other than a JSON object: "Service Unavailable"' },
  { name: 'garbage with 200', mode: { kind: 'garbage' }, reason: /^the provider answered HTTP 200 with something other than a JSON object: "<!doctype html>/ },
  { name: 'a message Twilio could not send', mode: { kind: 'refused' }, reason: 'twilio error: Unknown error 30008 for message SM0123456789abcdef0123456789abcdef' },
];

for (const engine of engines) {
  describe(`SMS provider faults (${engine})`, () => {
    let server: SmsProviderServer;
    let t: TestProject;
    before(async () => {
      server = await startSmsProviderServer();
      t = await createTestProject(engine, {
        GOTRUE_EXTERNAL_PHONE_ENABLED: 'true',
        GOTRUE_SMS_PROVIDER: 'twilio',
        GOTRUE_SMS_TWILIO_ACCOUNT_SID: 'AC0009',
        GOTRUE_SMS_TWILIO_AUTH_TOKEN: 'secret-twilio-token',
        GOTRUE_SMS_TWILIO_MESSAGE_SERVICE_SID: 'MG0009',
        FOYER_SMS_PROVIDER_URL: server.url,
        GOTRUE_INTERNAL_HTTP_TIMEOUT: '1s',
      });
    });
    after(async () => {
      await t.close();
      await server.close();
    });
    beforeEach(() => {
      server.mode = { kind: 'ok' };
    });

    const countFor = async (phone: string) =>
      (
        await t.database.db.query<{ users: number; tokens: number }>(
          `select (select count(*)::int from auth.users where phone = $1) as users,
                  (select count(*)::int from auth.one_time_tokens where relates_to = $1) as tokens`,
          [phone],
        )
      )[0];

    for (const [index, fault] of twilioFaults.entries()) {
      it(`signInWithOtp with ${fault.name}: 422 sms_send_failed, no user, and the next try goes through`, async () => {
        const phone = `1555123${String(index).padStart(4, '0')}`;
        server.mode = fault.mode;
        const failed = await post(t, '/auth/v1/otp', { phone });
        assert.equal(failed.statusCode, 422, failed.body);
        const body = failed.json();
        assert.equal(body.error_code, 'sms_send_failed');
        assert.equal(body.code, 422);
        const prefix = 'Error sending confirmation OTP to provider: ';
        assert.ok(body.msg.startsWith(prefix), body.msg);
        if (typeof fault.reason === 'string') assert.equal(body.msg.slice(prefix.length), fault.reason);
        else assert.match(body.msg.slice(prefix.length), fault.reason);
        assert.doesNotMatch(failed.body, /secret-twilio-token/, 'no credential in the answer');
        assert.deepEqual(await countFor(phone), { users: 0, tokens: 0 }, 'nothing half-made');

        server.mode = { kind: 'ok' };
        const retried = await post(t, '/auth/v1/otp', { phone });
        assert.equal(retried.statusCode, 200, `not held back by GOTRUE_SMS_MAX_FREQUENCY: ${retried.body}`);
        assert.deepEqual(await countFor(phone), { users: 1, tokens: 1 });
      });
    }

    it('a failed sign-up SMS leaves no user; a failed phone-change SMS leaves the user as it was', async () => {
      server.mode = { kind: 'status', status: 500, body: '{"code": 20500, "message": "Internal Server Error", "more_info": "x", "status": 500}' };
      const signup = await post(t, '/auth/v1/signup', { phone: '15551238001', password: 'correct horse battery' });
      assert.equal(signup.statusCode, 422, signup.body);
      assert.equal(signup.json().error_code, 'sms_send_failed');
      assert.equal(signup.json().msg, 'Error sending confirmation OTP to provider: Internal Server Error More information: x');
      assert.deepEqual(await countFor('15551238001'), { users: 0, tokens: 0 });

      const anon = await post(t, '/auth/v1/signup', {});
      const token = anon.json().access_token as string;
      const change = await t.app.inject({
        method: 'PUT',
        url: '/auth/v1/user',
        headers: { ...json, authorization: `Bearer ${token}` },
        payload: { phone: '15551238002', data: { kept: false } },
      });
      assert.equal(change.statusCode, 422, change.body);
      assert.equal(change.json().msg, 'Error sending phone_change OTP to provider: Internal Server Error More information: x');
      const user = (
        await t.database.db.query<{ phone_change: string | null; phone_change_sent_at: string | null; meta: unknown; is_anonymous: boolean }>(
          'select phone_change, phone_change_sent_at, raw_user_meta_data as meta, is_anonymous from auth.users where id = $1',
          [anon.json().user.id],
        )
      )[0];
      assert.deepEqual(user, { phone_change: '', phone_change_sent_at: null, meta: {}, is_anonymous: true }, 'the whole update rolled back');
    });

    it('a provider that cannot be reached at all: 422, not 500', async () => {
      await server.close();
      try {
        const response = await post(t, '/auth/v1/otp', { phone: '15551238003' });
        assert.equal(response.statusCode, 422, response.body);
        assert.match(response.json().msg, /^Error sending confirmation OTP to provider: the provider could not be reached/);
      } finally {
        server = await startSmsProviderServer();
      }
    });
  });

  const refusals: readonly {
    readonly provider: string;
    readonly env: Record<string, string>;
    readonly refused: string;
    readonly error: { readonly status: number; readonly body: string };
    readonly errorReason: string;
  }[] = [
    {
      provider: 'messagebird',
      env: { GOTRUE_SMS_MESSAGEBIRD_ACCESS_KEY: 'k', GOTRUE_SMS_MESSAGEBIRD_ORIGINATOR: 'Foyer' },
      refused: 'messagebird error: total sent count is 0',
      error: { status: 422, body: '{"errors":[{"code":9,"description":"no (correct) recipients found","parameter":"recipients"}]}' },
      errorReason: 'no (correct) recipients found',
    },
    {
      provider: 'textlocal',
      env: { GOTRUE_SMS_TEXTLOCAL_API_KEY: 'k', GOTRUE_SMS_TEXTLOCAL_SENDER: 'FOYER' },
      refused: 'textlocal error: Insufficient credits (code: 7) message ',
      error: { status: 200, body: '{"status":"failure","errors":[{"code":80,"message":"Invalid template"}]}' },
      errorReason: 'textlocal error: Invalid template (code: 80) template message: the GOTRUE_SMS_TEMPLATE text',
    },
    {
      provider: 'vonage',
      env: { GOTRUE_SMS_VONAGE_API_KEY: 'k', GOTRUE_SMS_VONAGE_API_SECRET: 's', GOTRUE_SMS_VONAGE_FROM: 'Foyer' },
      refused: 'vonage error: Partner quota exceeded (status: 9) for message ',
      error: { status: 200, body: '{"message-count":"0","messages":[]}' },
      errorReason: 'vonage error: Internal Error',
    },
  ];
  for (const refusal of refusals) {
    describe(`${refusal.provider} refusing a message (${engine})`, () => {
      let server: SmsProviderServer;
      let t: TestProject;
      before(async () => {
        server = await startSmsProviderServer();
        t = await createTestProject(engine, {
          GOTRUE_EXTERNAL_PHONE_ENABLED: 'true',
          GOTRUE_SMS_PROVIDER: refusal.provider,
          FOYER_SMS_PROVIDER_URL: server.url,
          ...refusal.env,
        });
      });
      after(async () => {
        await t.close();
        await server.close();
      });

      it('reads the provider’s own failure answers as GoTrue does', async () => {
        server.mode = { kind: 'refused' };
        const refused = await post(t, '/auth/v1/otp', { phone: '15551237001' });
        assert.equal(refused.statusCode, 422, refused.body);
        assert.equal(refused.json().msg, `Error sending confirmation OTP to provider: ${refusal.refused}`);
        server.mode = { kind: 'status', ...refusal.error };
        const failed = await post(t, '/auth/v1/otp', { phone: '15551237001' });
        assert.equal(failed.statusCode, 422, failed.body);
        assert.equal(failed.json().msg, `Error sending confirmation OTP to provider: ${refusal.errorReason}`);
        assert.doesNotMatch(failed.body, /\d{6}/, 'the code itself is never in an error');
        const users = await t.database.db.query<{ n: number }>(`select count(*)::int as n from auth.users where phone = '15551237001'`);
        assert.equal(users[0].n, 0);
      });
    });
  }
}
