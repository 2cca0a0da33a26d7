/**
 * Phone sign-in as an app meets it: @supabase/supabase-js signInWithOtp({phone}) and verifyOtp against
 * a listening Foyer whose SMS provider is a local server speaking that provider's API. Each provider's
 * request is checked field by field (URL, authentication, form, byte order), then the code it carried
 * signs the user in.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { engines } from '../helpers/engines.js';
import { createTestProject, decodeJwt, type TestProject } from '../helpers/project.js';
import { makeClient } from '../helpers/server.js';
import { codeIn, startSmsProviderServer, type ReceivedSms, type SmsProviderServer } from '../helpers/sms-provider.js';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

interface ProviderCase {
  readonly name: string;
  readonly env: Record<string, string>;
  /** Checks the request Foyer sent for `phone` (digits) and returns the code it carried, if any. */
  readonly check: (request: ReceivedSms, phone: string) => string | undefined;
}

const cases: readonly ProviderCase[] = [
  {
    name: 'twilio',
    env: {
      GOTRUE_SMS_PROVIDER: 'twilio',
      GOTRUE_SMS_TWILIO_ACCOUNT_SID: 'AC0001',
      GOTRUE_SMS_TWILIO_AUTH_TOKEN: 'twilio-token',
      GOTRUE_SMS_TWILIO_MESSAGE_SERVICE_SID: 'MG0001',
    },
    check(request, phone) {
      assert.equal(request.path, '/2010-04-01/Accounts/AC0001/Messages.json');
      assert.equal(request.headers.authorization, basic('AC0001', 'twilio-token'));
      assert.deepEqual(Object.keys(request.form), ['Body', 'Channel', 'From', 'To'], 'form keys in Go’s sorted order');
      assert.equal(request.form.To, `+${phone}`);
      assert.equal(request.form.From, 'MG0001');
      assert.equal(request.form.Channel, 'sms');
      assert.match(request.form.Body, /^Your code is \d{6}$/);
      return codeIn(request.form.Body);
    },
  },
  {
    name: 'twilio_verify',
    env: {
      GOTRUE_SMS_PROVIDER: 'twilio_verify',
      GOTRUE_SMS_TWILIO_VERIFY_ACCOUNT_SID: 'AC0002',
      GOTRUE_SMS_TWILIO_VERIFY_AUTH_TOKEN: 'verify-token',
      GOTRUE_SMS_TWILIO_VERIFY_MESSAGE_SERVICE_SID: 'VA0002',
    },
    check(request, phone) {
      assert.equal(request.path, '/v2/Services/VA0002/Verifications');
      assert.equal(request.headers.authorization, basic('AC0002', 'verify-token'));
      assert.deepEqual(request.form, { Channel: 'sms', To: `+${phone}` }, 'Twilio makes the code: Foyer sends none');
      return undefined;
    },
  },
  {
    name: 'messagebird',
    env: { GOTRUE_SMS_PROVIDER: 'messagebird', GOTRUE_SMS_MESSAGEBIRD_ACCESS_KEY: 'mb-key', GOTRUE_SMS_MESSAGEBIRD_ORIGINATOR: 'Foyer' },
    check(request, phone) {
      assert.equal(request.path, '/messages');
      assert.equal(request.headers.authorization, 'AccessKey mb-key');
      assert.deepEqual(Object.keys(request.form), ['body', 'datacoding', 'originator', 'recipients', 'type']);
      assert.deepEqual({ ...request.form, body: 'x' }, { body: 'x', datacoding: 'unicode', originator: 'Foyer', recipients: phone, type: 'sms' });
      return codeIn(request.form.body);
    },
  },
  {
    name: 'textlocal',
    env: { GOTRUE_SMS_PROVIDER: 'textlocal', GOTRUE_SMS_TEXTLOCAL_API_KEY: 'tl-key', GOTRUE_SMS_TEXTLOCAL_SENDER: 'FOYER' },
    check(request, phone) {
      assert.equal(request.path, '/send');
      assert.equal(request.headers.authorization, undefined, 'the key travels in the form');
      assert.deepEqual({ ...request.form, message: 'x' }, { apikey: 'tl-key', message: 'x', numbers: phone, sender: 'FOYER' });
      assert.deepEqual(Object.keys(request.form), ['apikey', 'message', 'numbers', 'sender']);
      return codeIn(request.form.message);
    },
  },
  {
    name: 'vonage',
    env: {
      GOTRUE_SMS_PROVIDER: 'vonage',
      GOTRUE_SMS_VONAGE_API_KEY: 'vn-key',
      GOTRUE_SMS_VONAGE_API_SECRET: 'vn-secret',
      GOTRUE_SMS_VONAGE_FROM: 'Foyer',
      // Not ASCII: Vonage is asked for a unicode message.
      GOTRUE_SMS_TEMPLATE: 'Votre code: {{ .Code }} — Foyer',
    },
    check(request, phone) {
      assert.equal(request.path, '/sms/json');
      assert.equal(request.headers.authorization, undefined);
      assert.deepEqual(Object.keys(request.form), ['api_key', 'api_secret', 'from', 'text', 'to', 'type']);
      assert.deepEqual({ ...request.form, text: 'x' }, { api_key: 'vn-key', api_secret: 'vn-secret', from: 'Foyer', text: 'x', to: phone, type: 'unicode' });
      assert.match(request.form.text, /^Votre code: \d{6} — Foyer$/);
      return codeIn(request.form.text);
    },
  },
];

for (const engine of engines) {
  for (const provider of cases) {
    describe(`supabase-js phone sign-in through ${provider.name} (${engine})`, () => {
      let server: SmsProviderServer;
      let t: TestProject;
      let url: string;
      before(async () => {
        server = await startSmsProviderServer();
        t = await createTestProject(engine, {
          GOTRUE_EXTERNAL_PHONE_ENABLED: 'true',
          FOYER_SMS_PROVIDER_URL: server.url,
          GOTRUE_INTERNAL_HTTP_TIMEOUT: '2s',
          ...provider.env,
        });
        await t.app.listen({ host: '127.0.0.1', port: 0 });
        url = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
      });
      after(async () => {
        await t.close();
        await server.close();
      });

      it('sends GoTrue’s request, and the code in it signs the new user in', async () => {
        const phone = '15551230001';
        const client = makeClient(url, t.anonKey);
        const sent = await client.auth.signInWithOtp({ phone: `+${phone}`, options: { data: { plan: 'free' } } });
        assert.equal(sent.error, null);
        assert.equal(sent.data.session, null);
        assert.equal(server.received.length, 1, 'one request to the provider');
        const request = server.received[0];
        assert.equal(request.method, 'POST');
        assert.equal(request.headers['content-type'], 'application/x-www-form-urlencoded');
        const code = provider.check(request, phone) ?? server.verifyCodes.get(`+${phone}`);
        assert.ok(code && /^\d{6}$/.test(code), `a code reached the phone: ${code}`);

        const wrong = await client.auth.verifyOtp({ phone: `+${phone}`, token: code === '000000' ? '111111' : '000000', type: 'sms' });
        assert.equal(wrong.error?.code, 'otp_expired');
        assert.equal(wrong.error?.status, 403);

        const verified = await client.auth.verifyOtp({ phone: `+${phone}`, token: code, type: 'sms' });
        assert.equal(verified.error, null);
        const session = verified.data.session;
        assert.ok(session?.access_token);
        assert.equal(verified.data.user?.phone, phone);
        assert.ok(verified.data.user?.phone_confirmed_at);
        assert.deepEqual(verified.data.user?.user_metadata, { plan: 'free' });
        assert.deepEqual(verified.data.user?.app_metadata, { provider: 'phone', providers: ['phone'] });
        const claims = decodeJwt(session.access_token);
        assert.equal(claims.phone, phone);
        assert.deepEqual((claims.amr as { method: string }[]).map((entry) => entry.method), ['otp']);
        if (provider.name === 'twilio_verify') {
          assert.deepEqual(server.received.at(-1)?.form, { Code: code, To: `+${phone}` });
          assert.equal(server.received.at(-1)?.path, '/v2/Services/VA0002/VerificationCheck');
        }

        const replay = await makeClient(url, t.anonKey).auth.verifyOtp({ phone: `+${phone}`, token: code, type: 'sms' });
        assert.equal(replay.error?.code, 'otp_expired', 'a code signs in once');
        assert.equal(replay.data.session, null);
      });

      it('sends a confirmed user a sign-in code and answers the provider’s message id', async () => {
        const phone = '15551230002';
        const created = await t.app.inject({
          method: 'POST',
          url: '/auth/v1/admin/users',
          headers: { authorization: `Bearer ${t.serviceRoleKey}`, 'content-type': 'application/json' },
          payload: { phone, phone_confirm: true },
        });
        assert.equal(created.statusCode, 200, created.body);
        const before = server.received.length;
        const client = makeClient(url, t.anonKey);
        const sent = await client.auth.signInWithOtp({ phone: `+${phone}`, options: { shouldCreateUser: false } });
        assert.equal(sent.error, null);
        const expectedId = { twilio: 'SM0123456789abcdef0123456789abcdef', twilio_verify: 'VE0123456789abcdef0123456789abcdef', messagebird: 'mb-message-1', textlocal: undefined, vonage: '0A0000000123ABCD1' }[provider.name];
        // GoTrue reports no message id for Textlocal.
        assert.equal(sent.data.messageId, expectedId);
        const code = provider.check(server.received[before], phone) ?? server.verifyCodes.get(`+${phone}`);
        const verified = await client.auth.verifyOtp({ phone, token: code as string, type: 'sms' });
        assert.equal(verified.error, null);
        assert.equal(verified.data.user?.id, created.json().id);
      });

      it('takes WhatsApp only where GoTrue does (Twilio and Twilio Verify)', async () => {
        const phone = '15551230003';
        const before = server.received.length;
        const sent = await makeClient(url, t.anonKey).auth.signInWithOtp({ phone, options: { channel: 'whatsapp' } });
        if (provider.name !== 'twilio' && provider.name !== 'twilio_verify') {
          assert.equal(sent.error?.code, 'validation_failed');
          assert.equal(sent.error?.status, 400);
          assert.match(sent.error?.message ?? '', /'whatsapp' is only supported if Twilio or Twilio Verify is used/);
          assert.equal(server.received.length, before, 'nothing sent');
          return;
        }
        assert.equal(sent.error, null);
        const form = server.received[before].form;
        if (provider.name === 'twilio') {
          assert.deepEqual(Object.keys(form), ['Body', 'Channel', 'From', 'To']);
          assert.equal(form.To, `whatsapp:+${phone}`);
          assert.equal(form.From, 'MG0001', 'a messaging service SID is not prefixed');
          assert.equal(form.Channel, 'whatsapp');
        } else {
          assert.deepEqual(form, { Channel: 'whatsapp', To: `+${phone}` });
        }
      });
    });
  }

  describe(`Twilio WhatsApp with a sender number and a content template (${engine})`, () => {
    let server: SmsProviderServer;
    let t: TestProject;
    before(async () => {
      server = await startSmsProviderServer();
      t = await createTestProject(engine, {
        GOTRUE_EXTERNAL_PHONE_ENABLED: 'true',
        FOYER_SMS_PROVIDER_URL: server.url,
        GOTRUE_SMS_PROVIDER: 'twilio',
        GOTRUE_SMS_TWILIO_ACCOUNT_SID: 'AC0003',
        GOTRUE_SMS_TWILIO_AUTH_TOKEN: 'twilio-token',
        GOTRUE_SMS_TWILIO_MESSAGE_SERVICE_SID: '+1 555 000 0003',
        GOTRUE_SMS_TWILIO_CONTENT_SID: 'HX0003',
      });
    });
    after(async () => {
      await t.close();
      await server.close();
    });

    it('prefixes both numbers and sends the code as the template’s variable 1, without a Body', async () => {
      const response = await t.app.inject({
        method: 'POST',
        url: '/auth/v1/otp',
        headers: { 'content-type': 'application/json' },
        payload: { phone: '+15551230004', channel: 'whatsapp' },
      });
      assert.equal(response.statusCode, 200, response.body);
      const { form } = server.received[0];
      assert.deepEqual(Object.keys(form), ['Channel', 'ContentSid', 'ContentVariables', 'From', 'To']);
      assert.equal(form.From, 'whatsapp:+1 555 000 0003');
      assert.equal(form.To, 'whatsapp:+15551230004');
      assert.equal(form.ContentSid, 'HX0003');
      const code = /^\{"1": "(\d{6})"\}$/.exec(form.ContentVariables)?.[1];
      assert.ok(code, form.ContentVariables);
      const verified = await t.app.inject({
        method: 'POST',
        url: '/auth/v1/verify',
        headers: { 'content-type': 'application/json' },
        payload: { type: 'sms', phone: '15551230004', token: code },
      });
      assert.equal(verified.statusCode, 200, verified.body);
    });
  });
}
