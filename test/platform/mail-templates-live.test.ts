/**
 * Custom mail subjects and templates are project settings: saved from the console (PATCH
 * /platform/v1/projects/<ref>/settings) they apply from the next mail of that project only, without a
 * restart; a subject Foyer cannot render is refused when saved, naming the variable and the construct.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { engines } from '../helpers/engines.js';
import { apiHeaders, createTestPlatform, type ConsoleLogin, type ProjectView, type TestPlatform } from '../helpers/platform.js';
import { startTemplateServer, type TemplateServer } from '../helpers/template-server.js';

interface OutboxMessage {
  subject: string;
  html_body: string;
}

for (const engine of engines) {
  describe(`mail templates saved from the console (${engine})`, () => {
    let t: TestPlatform;
    let session: ConsoleLogin;
    let second: ProjectView;
    let templates: TemplateServer;
    const patch = (ref: string, changes: Record<string, string | null>) => t.call(session, 'PATCH', `/platform/v1/projects/${ref}/settings`, { changes });
    const signUp = async (project: ProjectView, email: string) => {
      const response = await t.front.inject({ method: 'POST', url: `/p/${project.ref}/auth/v1/signup`, headers: apiHeaders(project.anon_key), payload: { email, password: 'console-password-123' } });
      assert.equal(response.statusCode, 200, response.body);
    };
    const lastMail = async (project: ProjectView, email: string): Promise<OutboxMessage> => {
      const response = await t.front.inject({
        url: `/p/${project.ref}/auth/v1/admin/mail/outbox?email=${encodeURIComponent(email)}`,
        headers: apiHeaders(project.service_role_key, project.service_role_key),
      });
      assert.equal(response.statusCode, 200, response.body);
      const [message] = (response.json() as { messages: OutboxMessage[] }).messages;
      assert.ok(message, `a mail to ${email}`);
      return message;
    };

    before(async () => {
      templates = await startTemplateServer({ '/confirm.html': { body: '<p>Hello from the console: <a href="{{ .ConfirmationURL }}">confirm</a></p>' } });
      t = await createTestPlatform(engine, { GOTRUE_SITE_URL: 'https://app.example.com' });
      session = await t.setUp();
      second = await t.createProject(session, 'Templated');
    });
    after(async () => {
      await t.close();
      await templates.close();
    });

    it('applies a saved subject and template URL from the next mail, in that project only', async () => {
      await signUp(second, 'before@example.com');
      assert.equal((await lastMail(second, 'before@example.com')).subject, 'Confirm Your Email');

      const saved = await patch(second.ref, {
        GOTRUE_MAILER_SUBJECTS_CONFIRMATION: 'Welcome, {{ .Email }}',
        GOTRUE_MAILER_TEMPLATES_CONFIRMATION: `${templates.base}/confirm.html`,
      });
      assert.equal(saved.statusCode, 200, saved.body);
      await signUp(second, 'after@example.com');
      const mail = await lastMail(second, 'after@example.com');
      assert.equal(mail.subject, 'Welcome, after@example.com');
      assert.match(mail.html_body, /^<p>Hello from the console: <a href="[^"]+\/verify\?token=[0-9a-f]{56}&amp;type=signup/);

      const defaultProject = { ...second, ref: 'default', anon_key: t.project.apiKeys.anonKey, service_role_key: t.project.apiKeys.serviceRoleKey };
      await signUp(defaultProject, 'other@example.com');
      assert.equal((await lastMail(defaultProject, 'other@example.com')).subject, 'Confirm Your Email', 'another project keeps its mails');
    });

    it('previews and sends a test mail with the templates in force (POST /platform/v1/projects/:ref/mail/test)', async () => {
      const url = `/platform/v1/projects/${second.ref}/mail/test`;
      const preview = await t.call(session, 'POST', url, { kind: 'confirmation' });
      assert.equal(preview.statusCode, 200, preview.body);
      const shown = preview.json() as { ok: boolean; via: string | null; subject: string; html: string; customised: boolean };
      assert.deepEqual([shown.ok, shown.via, shown.customised, shown.subject], [true, null, true, 'Welcome, user@example.com']);
      assert.match(shown.html, /Hello from the console: <a href="[^"]+type=signup/);
      const before = templates.hits.get('/confirm.html');

      const sent = await t.call(session, 'POST', url, { kind: 'confirmation', email: 'tester@example.com', send: true });
      assert.equal(sent.statusCode, 200, sent.body);
      assert.equal(sent.json().via, 'outbox');
      assert.equal((await lastMail(second, 'tester@example.com')).subject, 'Welcome, tester@example.com');
      assert.equal(templates.hits.get('/confirm.html'), before, 'the cached template');

      const plain = await t.call(session, 'POST', url, { kind: 'reauthentication' });
      assert.deepEqual([plain.json().customised, plain.json().subject], [false, '123456 is your verification code']);
      const badKind = await t.call(session, 'POST', url, { kind: 'welcome' });
      assert.equal(badKind.statusCode, 422);
      assert.match(badKind.json().message, /kind must be one of confirmation, invite/);
      const badEmail = await t.call(session, 'POST', url, { kind: 'invite', email: 'not an address', send: true });
      assert.equal(badEmail.statusCode, 422);
      const anonymous = await t.front.inject({ method: 'POST', url, payload: { kind: 'invite' } });
      assert.equal(anonymous.statusCode, 401);
    });

    it('refuses a subject it cannot render when it is saved, naming the variable and the construct', async () => {
      const response = await patch(second.ref, { GOTRUE_MAILER_SUBJECTS_RECOVERY: '{{ .Token | printf "%s" }}' });
      assert.equal(response.statusCode, 422);
      assert.match(response.json().message, /GOTRUE_MAILER_SUBJECTS_RECOVERY: pipelines \(\|\) are not supported/);
    });
  });
}
