/**
 * The console's delivery checks through the platform API (inject): "Send a test SMS" through the
 * outbox, a provider (a local server speaking Twilio's API) and a failing provider, switched live with
 * the settings API; bad input and a missing session are refused.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { engines } from '../helpers/engines.js';
import { createTestPlatform, type ConsoleLogin, type TestPlatform } from '../helpers/platform.js';
import { startSmsProviderServer, type SmsProviderServer } from '../helpers/sms-provider.js';

for (const engine of engines) {
  describe(`console delivery checks (${engine})`, () => {
    let t: TestPlatform;
    let session: ConsoleLogin;
    let ref: string;
    let provider: SmsProviderServer;
    const patch = (changes: Record<string, string | null>) => t.call(session, 'PATCH', `/platform/v1/projects/${ref}/settings`, { changes });
    const testSms = (payload: unknown) => t.call(session, 'POST', `/platform/v1/projects/${ref}/sms/test`, payload);

    before(async () => {
      provider = await startSmsProviderServer();
      t = await createTestPlatform(engine);
      session = await t.setUp();
      const projects = (await t.call(session, 'GET', '/platform/v1/projects')).json() as { projects: { ref: string; is_default: boolean }[] };
      ref = projects.projects.find((project) => project.is_default)!.ref;
    });
    after(async () => {
      await t.close();
      await provider.close();
    });

    it('sends a test SMS to the outbox when no provider is set, with the template and a sample code', async () => {
      const response = await testSms({ phone: '+1 555 010 0001' });
      assert.equal(response.statusCode, 200, response.body);
      const result = response.json();
      assert.equal(result.ok, true);
      assert.equal(result.via, 'outbox');
      assert.equal(result.provider, null);
      assert.match(result.detail, /\+15550100001.*123456.*outbox/);
      const rows = await t.project.deps.db.query<{ id: string; kind: string; body: string }>(`select id, kind, body from auth.foyer_sms_outbox where recipient = '15550100001'`);
      assert.deepEqual([...rows], [{ id: result.message_id, kind: 'test', body: 'Your code is 123456' }]);
    });

    it('sends it through the provider saved a moment ago, and reports its refusal without failing the request', async () => {
      const saved = await patch({
        GOTRUE_SMS_PROVIDER: 'twilio',
        GOTRUE_SMS_TWILIO_ACCOUNT_SID: 'AC0001',
        GOTRUE_SMS_TWILIO_AUTH_TOKEN: 'twilio-token',
        GOTRUE_SMS_TWILIO_MESSAGE_SERVICE_SID: 'MG0001',
        FOYER_SMS_PROVIDER_URL: provider.url,
        GOTRUE_SMS_TEMPLATE: 'Test {{ .Code }} from Foyer',
      });
      assert.equal(saved.statusCode, 200, saved.body);
      const sent = await testSms({ phone: '15550100002' });
      assert.equal(sent.statusCode, 200, sent.body);
      assert.deepEqual({ ...(sent.json() as object), detail: 'x' }, { ok: true, via: 'provider', provider: 'twilio', message_id: 'SM0123456789abcdef0123456789abcdef', detail: 'x' });
      assert.equal(provider.received.at(-1)?.form.To, '+15550100002');
      assert.equal(provider.received.at(-1)?.form.Body, 'Test 123456 from Foyer');

      provider.mode = { kind: 'status', status: 401, body: JSON.stringify({ code: 20003, message: 'Authenticate', more_info: 'https://www.twilio.com/docs/errors/20003', status: 401 }) };
      const refused = await testSms({ phone: '15550100002' });
      provider.mode = { kind: 'ok' };
      assert.equal(refused.statusCode, 200, refused.body);
      assert.equal(refused.json().ok, false);
      assert.match(refused.json().detail, /Authenticate/);
      assert.equal(JSON.stringify(refused.json()).includes('twilio-token'), false, 'the credential is never in the answer');

      const whatsapp = await testSms({ phone: '15550100002', channel: 'whatsapp' });
      assert.equal(whatsapp.json().ok, true, 'Twilio takes WhatsApp');
      assert.equal(provider.received.at(-1)?.form.To, 'whatsapp:+15550100002');
      assert.equal((await patch({ GOTRUE_SMS_PROVIDER: null, GOTRUE_SMS_TEMPLATE: null })).statusCode, 200);
    });

    it('refuses bad input with 422 validation_failed, and an anonymous caller with 401', async () => {
      for (const payload of [{}, { phone: '' }, { phone: 'not a phone' }, { phone: '1'.repeat(40) }, { phone: 15550100003 }, { phone: '15550100003', channel: 'pigeon' }]) {
        const response = await testSms(payload);
        assert.equal(response.statusCode, 422, `${JSON.stringify(payload)}: ${response.body}`);
        assert.equal(response.json().code, 'validation_failed');
      }
      const whatsapp = await testSms({ phone: '15550100003', channel: 'whatsapp' });
      assert.equal(whatsapp.statusCode, 422, 'the outbox has no WhatsApp');
      const anonymous = await t.front.inject({ method: 'POST', url: `/platform/v1/projects/${ref}/sms/test`, payload: { phone: '15550100003' } });
      assert.equal(anonymous.statusCode, 401);
      const unknown = await testSms({ phone: '15550100003' }).then(() => t.call(session, 'POST', '/platform/v1/projects/nope/sms/test', { phone: '15550100003' }));
      assert.equal(unknown.statusCode, 404);
    });
  });
}
