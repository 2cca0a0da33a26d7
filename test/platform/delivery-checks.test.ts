/**
 * The console's delivery checks through the platform API (inject): "Send a test SMS" through the
 * outbox, a provider (a local server speaking Twilio's API), a failing provider and the send-SMS hook,
 * switched live with the settings API; "Call this hook with a sample payload" against a signed HTTP
 * receiver and a Postgres function (whose writes are rolled back), before and after the hook is on;
 * hook secrets are never returned; bad input and a missing session are refused.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { engines } from '../helpers/engines.js';
import { createTestPlatform, type ConsoleLogin, type TestPlatform } from '../helpers/platform.js';
import { startSmsProviderServer, type SmsProviderServer } from '../helpers/sms-provider.js';
import { hookSecret, startHookReceiver, type HookReceiver } from '../helpers/hook-receiver.js';

const SECRET = hookSecret('console hook secret');

for (const engine of engines) {
  describe(`console delivery checks (${engine})`, () => {
    let t: TestPlatform;
    let session: ConsoleLogin;
    let ref: string;
    let provider: SmsProviderServer;
    let receiver: HookReceiver;
    const testHook = (name: string) => t.call(session, 'POST', `/platform/v1/projects/${ref}/hooks/${name}/test`, {});
    const patch = (changes: Record<string, string | null>) => t.call(session, 'PATCH', `/platform/v1/projects/${ref}/settings`, { changes });
    const testSms = (payload: unknown) => t.call(session, 'POST', `/platform/v1/projects/${ref}/sms/test`, payload);

    before(async () => {
      provider = await startSmsProviderServer();
      receiver = await startHookReceiver(SECRET);
      t = await createTestPlatform(engine);
      session = await t.setUp();
      const projects = (await t.call(session, 'GET', '/platform/v1/projects')).json() as { projects: { ref: string; is_default: boolean }[] };
      ref = projects.projects.find((project) => project.is_default)!.ref;
    });
    after(async () => {
      await t.close();
      await provider.close();
      await receiver.close();
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

    it('calls a signed HTTP hook with a sample payload before and after it is on; its secret is never returned; test SMS go through it', async () => {
      const saved = await patch({ GOTRUE_HOOK_SEND_SMS_URI: receiver.url, GOTRUE_HOOK_SEND_SMS_SECRETS: SECRET });
      assert.equal(saved.statusCode, 200, saved.body);
      const shown = (saved.json().settings as { env: string; value: string; secret: boolean }[]).find((s) => s.env === 'GOTRUE_HOOK_SEND_SMS_SECRETS');
      assert.equal(shown?.secret, true);
      assert.equal(shown?.value, '••••', 'masked');
      assert.equal(saved.body.includes(SECRET.slice(9)), false, 'the secret is in no answer');

      const off = await testHook('send_sms');
      assert.equal(off.statusCode, 200, off.body);
      assert.deepEqual({ ok: off.json().ok, enabled: off.json().enabled, target: off.json().target, response: off.json().response }, { ok: true, enabled: false, target: 'http', response: {} });
      const seen = receiver.accepted.at(-1)!.payload as { metadata: { name: string }; sms: { otp: string; phone: string }; user: { email: string } };
      assert.equal(seen.metadata.name, 'send-sms');
      assert.deepEqual(seen.sms, { otp: '123456', phone: '15555550100' });
      assert.deepEqual(off.json().payload.sms, seen.sms, 'the answer shows what was sent');

      receiver.answer = { kind: 'json', body: { error: { http_code: 403, message: 'Not on my watch' } } };
      const refused = await testHook('send-sms');
      receiver.answer = { kind: 'json', body: {} };
      assert.equal(refused.statusCode, 200);
      assert.deepEqual(refused.json().error, { status: 403, code: 'unknown', message: 'Not on my watch' });
      assert.equal(refused.json().ok, false);

      assert.equal((await patch({ GOTRUE_HOOK_SEND_SMS_ENABLED: 'true' })).statusCode, 200);
      const before = receiver.accepted.length;
      const sms = await testSms({ phone: '15550100009' });
      assert.equal(sms.json().ok, true, sms.body);
      assert.equal(sms.json().via, 'hook');
      assert.equal(receiver.accepted.length, before + 1);
      assert.deepEqual((receiver.accepted.at(-1)!.payload as { sms: unknown }).sms, { otp: '123456', phone: '15550100009' });
      assert.equal((receiver.accepted.at(-1)!.payload as { user?: unknown }).user, undefined, 'a test SMS is for no user');
      assert.equal((await patch({ GOTRUE_HOOK_SEND_SMS_ENABLED: null, GOTRUE_HOOK_SEND_SMS_URI: null, GOTRUE_HOOK_SEND_SMS_SECRETS: null })).statusCode, 200);
    });

    it('calls a Postgres function hook with a sample payload and rolls its writes back', async () => {
      await t.project.deps.db.execScript(`
        create table public.hook_calls (payload jsonb);
        create function public.mfa_attempt(event jsonb) returns jsonb language plpgsql as $$
        begin
          insert into public.hook_calls values (event);
          return jsonb_build_object('decision', 'reject', 'message', 'seen ' || (event->>'factor_type'));
        end $$;`);
      assert.equal((await patch({ GOTRUE_HOOK_MFA_VERIFICATION_ATTEMPT_URI: 'pg-functions://postgres/public/mfa_attempt' })).statusCode, 200);
      const called = await testHook('mfa_verification_attempt');
      assert.equal(called.statusCode, 200, called.body);
      assert.equal(called.json().ok, true);
      assert.equal(called.json().target, 'postgres');
      assert.deepEqual(called.json().response, { decision: 'reject', message: 'seen totp' });
      assert.equal((await t.project.deps.db.query('select 1 from public.hook_calls')).length, 0, 'rolled back');

      await t.project.deps.db.execScript('drop function public.mfa_attempt(jsonb);');
      const missing = await testHook('mfa_verification_attempt');
      assert.equal(missing.json().ok, false);
      assert.match(missing.json().error.message, /Error running hook URI: pg-functions:\/\/postgres\/public\/mfa_attempt/);
    });

    it('refuses an unknown hook and a hook without a URI (422); the calls are in the console audit log', async () => {
      for (const name of ['nope', 'after_user_created', 'send_email2']) {
        const response = await testHook(name);
        assert.equal(response.statusCode, 422, response.body);
        assert.match(response.json().message, /hook must be one of custom_access_token, send_email, send_sms/);
      }
      const unset = await testHook('send_email');
      assert.equal(unset.statusCode, 422);
      assert.match(unset.json().message, /GOTRUE_HOOK_SEND_EMAIL_URI is not set/);
      const actions = await t.project.deps.db.query<{ action: string }>(`select payload->>'action' as action from auth.audit_log_entries where payload->>'action' in ('hook_tested', 'sms_test_sent')`);
      assert.ok(actions.some((row) => row.action === 'hook_tested'));
      assert.ok(actions.some((row) => row.action === 'sms_test_sent'));
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
