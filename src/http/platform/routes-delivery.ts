/**
 * The console's checks of how a project reaches people: "Send a test SMS" (through its SMS provider,
 * send-SMS hook or outbox), a mail template's preview and test mail, and "Call this hook with a sample payload". Both use the settings in force
 * and are recorded in the console audit log.
 */
import type { FastifyInstance } from 'fastify';
import type { Platform } from '../../platform/platform.js';
import { callHookWithSample, parseHookName } from '../../platform/hook-test.js';
import { testMail } from '../../platform/mail-test.js';
import { sendTestSms } from '../../platform/sms-test.js';
import { clientMeta, sessionOf } from './session.js';
import { objectBody } from '../body.js';

type RefParams = { Params: { ref: string } };
type HookParams = { Params: { ref: string; name: string } };


export function deliveryRoutes(app: FastifyInstance, platform: Platform): void {
  const { registry } = platform;

  app.post<RefParams>('/projects/:ref/sms/test', { schema: { summary: 'Send a test SMS to phone through the SMS provider, send-SMS hook or outbox in force' } }, async (request) => {
    const { ref } = request.params;
    registry.require(ref);
    const body = objectBody(request.body);
    const result = await sendTestSms((await registry.serve(ref)).deps, { phone: body.phone, channel: body.channel });
    await platform.audit(sessionOf(request).admin, 'sms_test_sent', { project_ref: ref, ok: result.ok, via: result.via }, clientMeta(platform, request).ip);
    return result;
  });

  app.post<RefParams>('/projects/:ref/mail/test', { schema: { summary: 'Render a mail kind with the custom subject and template in force (preview), and send it to email when send is true' } }, async (request) => {
    const { ref } = request.params;
    registry.require(ref);
    const body = objectBody(request.body);
    const result = await testMail((await registry.serve(ref)).deps, { kind: body.kind, email: body.email, send: body.send });
    if (result.via !== null) await platform.audit(sessionOf(request).admin, 'mail_test_sent', { project_ref: ref, kind: body.kind, ok: result.ok, via: result.via }, clientMeta(platform, request).ip);
    return result;
  });

  app.post<HookParams>('/projects/:ref/hooks/:name/test', { schema: { summary: 'Call a hook (send_email, send_sms, …) with a sample payload and show what came back' } }, async (request) => {
    const { ref } = request.params;
    registry.require(ref);
    const name = parseHookName(request.params.name);
    const ip = clientMeta(platform, request).ip;
    const result = await callHookWithSample((await registry.serve(ref)).deps, name, ip);
    await platform.audit(sessionOf(request).admin, 'hook_tested', { project_ref: ref, hook: name, ok: result.ok }, ip);
    return result;
  });
}
