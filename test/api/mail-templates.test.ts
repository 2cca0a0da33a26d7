/**
 * Custom mail subjects and templates as GoTrue serves them (GOTRUE_MAILER_SUBJECTS_<KIND>,
 * GOTRUE_MAILER_TEMPLATES_<KIND>): templates fetched from a local web server in Go template syntax, as
 * GoTrue's docs write them, for each mail supabase-js (or the admin API) triggers; user data escaped as
 * html/template escapes it; a template server that is down, slow, too large or failing, or a template
 * Foyer cannot render, means GoTrue's fallback (the default mail), never an error for the client.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { SupabaseClient } from '@supabase/supabase-js';
import { engines } from '../helpers/engines.js';
import { createTestProject, versionHeaders, type TestProject } from '../helpers/project.js';
import { makeClient } from '../helpers/server.js';
import { closedPortUrl, startTemplateServer, type TemplateServer } from '../helpers/template-server.js';

const PASSWORD = 'template-password-123';
let counter = 0;
const freshEmail = (label: string) => `${label}-${process.pid}-${(counter += 1)}@example.com`;

const TEMPLATES = {
  '/confirmation.html': `<h2>Welcome {{ .Data.name }}</h2>\n<p><a href="{{ .ConfirmationURL }}">Confirm</a> or type {{ .Token }}</p>\n<p>Site: {{ .SiteURL }}, you: {{ .Email }}</p>`,
  '/magic.html': `<p><a href="{{ .SiteURL }}/auth/confirm?token_hash={{ .TokenHash }}&type=email&next={{ .RedirectTo }}">Sign in</a></p>{{ if eq .Data.locale "fr" }}<p>Bonjour</p>{{ else }}<p>Hello</p>{{ end }}`,
  '/recovery.html': `<p><a href="{{ .ConfirmationURL }}">Reset</a> code {{ .Token }}</p>`,
  '/email-change.html': `<p>From {{ .Email }} to {{ .NewEmail }} (this mail: {{ .SendingTo }})</p><p><a href="{{ .ConfirmationURL }}">Confirm change</a> {{ .Token }}</p>`,
  '/invite.html': `<p>{{ if .Data.team }}Join {{ .Data.team }}{{ end }}: <a href="{{ .ConfirmationURL }}">Accept</a></p>`,
  '/reauth.html': `<p>Your code: {{ .Token }}</p>`,
};

interface OutboxRow {
  kind: string;
  recipient: string;
  subject: string;
  text_body: string;
  html_body: string;
}

async function lastMail(t: TestProject, recipient: string, kind?: string): Promise<OutboxRow> {
  const rows = await t.database.db.query<OutboxRow>(
    `select kind, recipient, subject, text_body, html_body from auth.foyer_mail_outbox where recipient = $1 ${kind ? 'and kind = $2' : ''} order by created_at desc limit 1`,
    kind ? [recipient, kind] : [recipient],
  );
  assert.ok(rows[0], `a mail to ${recipient}`);
  return rows[0];
}

const hrefs = (html: string): string[] => [...html.matchAll(/href="([^"]*)"/g)].map((match) => (match[1] as string).replace(/&amp;/g, '&'));

async function listen(t: TestProject): Promise<SupabaseClient> {
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = t.app.server.address() as AddressInfo;
  return makeClient(`http://127.0.0.1:${port}`, t.anonKey);
}

const adminHeaders = (t: TestProject) => ({ ...versionHeaders, authorization: `Bearer ${t.serviceRoleKey}`, apikey: t.serviceRoleKey });

async function createConfirmedUser(t: TestProject, email: string, metadata: Record<string, unknown> = {}): Promise<void> {
  const response = await t.app.inject({
    method: 'POST',
    url: '/auth/v1/admin/users',
    headers: adminHeaders(t),
    payload: { email, password: PASSWORD, email_confirm: true, user_metadata: metadata },
  });
  assert.equal(response.statusCode, 200, response.body);
}

for (const engine of engines) {
  describe(`custom mail templates and subjects (${engine})`, () => {
    let templates: TemplateServer;
    let t: TestProject;
    let client: SupabaseClient;
    before(async () => {
      templates = await startTemplateServer(Object.fromEntries(Object.entries(TEMPLATES).map(([path, body]) => [path, { body }])));
      t = await createTestProject(engine, {
        GOTRUE_SITE_URL: 'http://app.test',
        GOTRUE_URI_ALLOW_LIST: 'http://app.test/**',
        GOTRUE_RATE_LIMIT_EMAIL_SENT: '1000',
        GOTRUE_SMTP_MAX_FREQUENCY: '0',
        GOTRUE_MAILER_SUBJECTS_CONFIRMATION: 'Confirm {{ .Email }} for Acme',
        GOTRUE_MAILER_TEMPLATES_CONFIRMATION: `${templates.base}/confirmation.html`,
        GOTRUE_MAILER_SUBJECTS_MAGIC_LINK: 'Your Acme link',
        GOTRUE_MAILER_TEMPLATES_MAGIC_LINK: `${templates.base}/magic.html`,
        GOTRUE_MAILER_SUBJECTS_RECOVERY: 'Reset, {{ .Data.name }}',
        GOTRUE_MAILER_TEMPLATES_RECOVERY: `${templates.base}/recovery.html`,
        GOTRUE_MAILER_SUBJECTS_EMAIL_CHANGE: 'Confirm {{ .NewEmail }}',
        GOTRUE_MAILER_TEMPLATES_EMAIL_CHANGE: `${templates.base}/email-change.html`,
        GOTRUE_MAILER_SUBJECTS_INVITE: 'Join us',
        GOTRUE_MAILER_TEMPLATES_INVITE: `${templates.base}/invite.html`,
        GOTRUE_MAILER_SUBJECTS_REAUTHENTICATION: '{{ .Token }} is your Acme code',
        GOTRUE_MAILER_TEMPLATES_REAUTHENTICATION: `${templates.base}/reauth.html`,
      });
      client = await listen(t);
    });
    after(async () => {
      await t.close();
      await templates.close();
    });

    it('sign-up confirmation: the custom subject, the fetched body with the link and code, user data escaped', async () => {
      const email = freshEmail('signup');
      const { error } = await client.auth.signUp({ email, password: PASSWORD, options: { data: { name: '<b>Ann & "co"</b>' } } });
      assert.equal(error, null);
      const mail = await lastMail(t, email, 'confirmation');
      assert.equal(mail.subject, `Confirm ${email} for Acme`);
      assert.match(mail.html_body, /^<h2>Welcome &lt;b&gt;Ann &amp; &#34;co&#34;&lt;\/b&gt;<\/h2>/);
      const [link] = hrefs(mail.html_body);
      assert.match(link as string, /\/verify\?token=[0-9a-f]{56}&type=signup&redirect_to=http/);
      const code = /or type (\d{6})/.exec(mail.html_body)?.[1];
      assert.ok(code, 'the code');
      assert.match(mail.html_body, /Site: http:\/\/app\.test, you: /);
      assert.ok(mail.text_body.includes(`Confirm (${link})`), 'the text part keeps the link');

      // The link carries GoTrue's hash of this very code, and the code confirms the address.
      assert.equal(new URL(link as string).searchParams.get('token'), createHash('sha224').update(email + code).digest('hex'));
      const verified = await client.auth.verifyOtp({ email, token: code as string, type: 'signup' });
      assert.equal(verified.error, null);
      assert.ok(verified.data.session);
    });

    it('magic link: a link built in the template from .SiteURL, .TokenHash and .RedirectTo, with if/eq on user data', async () => {
      const email = freshEmail('magic');
      await createConfirmedUser(t, email, { locale: 'fr' });
      const { error } = await client.auth.signInWithOtp({ email, options: { shouldCreateUser: false, emailRedirectTo: 'http://app.test/welcome?a=1' } });
      assert.equal(error, null);
      const mail = await lastMail(t, email, 'magiclink');
      assert.equal(mail.subject, 'Your Acme link');
      assert.match(mail.html_body, /<p>Bonjour<\/p>$/);
      const [link] = hrefs(mail.html_body);
      const url = new URL(link as string);
      assert.equal(url.origin + url.pathname, 'http://app.test/auth/confirm');
      assert.equal(url.searchParams.get('type'), 'email');
      assert.equal(url.searchParams.get('next'), 'http://app.test/welcome?a=1', 'the redirect, query-escaped inside the URL');
      const verified = await client.auth.verifyOtp({ token_hash: url.searchParams.get('token_hash') as string, type: 'email' });
      assert.equal(verified.error, null, 'the token hash in the template signs in');
    });

    it('recovery: the subject renders user metadata; the code and link work', async () => {
      const email = freshEmail('recover');
      await createConfirmedUser(t, email, { name: 'Zoë' });
      const { error } = await client.auth.resetPasswordForEmail(email);
      assert.equal(error, null);
      const mail = await lastMail(t, email, 'recovery');
      assert.equal(mail.subject, 'Reset, Zoë');
      const code = /code (\d{6})/.exec(mail.html_body)?.[1] as string;
      assert.match(hrefs(mail.html_body)[0] as string, /type=recovery/);
      const verified = await client.auth.verifyOtp({ email, token: code, type: 'recovery' });
      assert.equal(verified.error, null);
    });

    it('email change: both mails (secure change) with .Email, .NewEmail and .SendingTo', async () => {
      const email = freshEmail('change-from');
      const next = freshEmail('change-to');
      await createConfirmedUser(t, email);
      const signIn = await client.auth.signInWithPassword({ email, password: PASSWORD });
      assert.equal(signIn.error, null);
      const user = makeClient(client.auth['url'].replace(/\/auth\/v1$/, ''), t.anonKey);
      await user.auth.setSession({ access_token: signIn.data.session?.access_token as string, refresh_token: signIn.data.session?.refresh_token as string });
      const { error } = await user.auth.updateUser({ email: next });
      assert.equal(error, null);
      const toNew = await lastMail(t, next, 'email_change');
      const toCurrent = await lastMail(t, email, 'email_change');
      assert.equal(toNew.subject, `Confirm ${next}`);
      assert.match(toNew.html_body, new RegExp(`From ${email} to ${next} \\(this mail: ${next}\\)`));
      assert.match(toCurrent.html_body, new RegExp(`From ${email} to ${next} \\(this mail: ${email}\\)`));
      assert.match(hrefs(toNew.html_body)[0] as string, /type=email_change/);
    });

    it('invite (admin API): the template reads the invite data', async () => {
      const email = freshEmail('invite');
      const response = await t.app.inject({ method: 'POST', url: '/auth/v1/invite', headers: adminHeaders(t), payload: { email, data: { team: 'R&D <team>' } } });
      assert.equal(response.statusCode, 200, response.body);
      const mail = await lastMail(t, email, 'invite');
      assert.equal(mail.subject, 'Join us');
      assert.match(mail.html_body, /^<p>Join R&amp;D &lt;team&gt;: <a href="[^"]+type=invite/);
    });

    it('reauthentication: the code in the subject and the body', async () => {
      const email = freshEmail('reauth');
      await createConfirmedUser(t, email);
      const signIn = await client.auth.signInWithPassword({ email, password: PASSWORD });
      assert.equal(signIn.error, null);
      const user = makeClient(client.auth['url'].replace(/\/auth\/v1$/, ''), t.anonKey);
      await user.auth.setSession({ access_token: signIn.data.session?.access_token as string, refresh_token: signIn.data.session?.refresh_token as string });
      const { error } = await user.auth.reauthenticate();
      assert.equal(error, null);
      const mail = await lastMail(t, email, 'reauthentication');
      const code = /^(\d{6}) is your Acme code$/.exec(mail.subject)?.[1];
      assert.ok(code, mail.subject);
      assert.equal(mail.html_body, `<p>Your code: ${code}</p>`);
    });

    it('an address with HTML in it is escaped in the body and the subject, as html/template escapes it', async () => {
      const email = `o'neil+${process.pid}-${(counter += 1)}@example.com`;
      const { error } = await client.auth.signUp({ email, password: PASSWORD });
      assert.equal(error, null);
      const mail = await lastMail(t, email, 'confirmation');
      const escaped = email.replace("'", '&#39;').replace('+', '&#43;');
      assert.equal(mail.subject, `Confirm ${escaped} for Acme`, "GoTrue's subjects are html/template templates too");
      assert.ok(mail.html_body.includes(`you: ${escaped}</p>`));
    });

    it('fetches each template once and serves the cached copy within GOTRUE_MAILER_TEMPLATE_MAX_AGE', async () => {
      const before = templates.hits.get('/recovery.html') ?? 0;
      assert.ok(before >= 1);
      for (let i = 0; i < 3; i++) {
        const email = freshEmail('cached');
        await createConfirmedUser(t, email);
        assert.equal((await client.auth.resetPasswordForEmail(email)).error, null);
      }
      assert.equal(templates.hits.get('/recovery.html'), before);
    });
  });

  describe(`custom mail templates that cannot be used: GoTrue's default mail (${engine})`, () => {
    let templates: TemplateServer;
    let t: TestProject;
    let down: string;
    before(async () => {
      templates = await startTemplateServer({
        '/slow.html': { body: '<p>slow {{ .Token }}</p>', delayMs: 5000 },
        '/huge.html': { body: `<p>${'x'.repeat(2048)}</p>` },
        '/error.html': { status: 500, body: 'boom' },
        '/range.html': { body: '{{ range .Data }}{{ . }}{{ end }}' },
        '/script.html': { body: '<script>var code = "{{ .Token }}";</script>' },
      });
      down = await closedPortUrl();
      t = await createTestProject(engine, {
        GOTRUE_RATE_LIMIT_EMAIL_SENT: '1000',
        GOTRUE_SMTP_MAX_FREQUENCY: '0',
        GOTRUE_MAILER_TEMPLATE_MAX_SIZE: '1024',
        FOYER_MAILER_TEMPLATE_TIMEOUT: '300ms',
        GOTRUE_MAILER_SUBJECTS_CONFIRMATION: 'Custom subject not used without its template',
        GOTRUE_MAILER_TEMPLATES_CONFIRMATION: `${down}/confirmation.html`,
        GOTRUE_MAILER_TEMPLATES_MAGIC_LINK: `${templates.base}/slow.html`,
        GOTRUE_MAILER_TEMPLATES_RECOVERY: `${templates.base}/huge.html`,
        GOTRUE_MAILER_TEMPLATES_INVITE: `${templates.base}/error.html`,
        GOTRUE_MAILER_TEMPLATES_EMAIL_CHANGE: `${templates.base}/range.html`,
        GOTRUE_MAILER_TEMPLATES_REAUTHENTICATION: `${templates.base}/script.html`,
      });
    });
    after(async () => {
      await t.close();
      await templates.close();
    });

    const post = (url: string, payload: Record<string, unknown>, headers: Record<string, string> = versionHeaders) => t.app.inject({ method: 'POST', url, headers, payload });

    it('template server down: the sign-up succeeds with the default subject and body', async () => {
      const email = freshEmail('down');
      const response = await post('/auth/v1/signup', { email, password: PASSWORD });
      assert.equal(response.statusCode, 200, response.body);
      const mail = await lastMail(t, email, 'confirmation');
      assert.equal(mail.subject, 'Confirm Your Email', 'GoTrue falls back to its default subject and body together');
      assert.match(mail.html_body, /Confirm your email address/);
    });

    it('slow template server: the mail waits no longer than FOYER_MAILER_TEMPLATE_TIMEOUT, then the default', async () => {
      const email = freshEmail('slow');
      await createConfirmedUser(t, email);
      const started = Date.now();
      const response = await post('/auth/v1/otp', { email, create_user: false });
      const elapsedMs = Date.now() - started;
      assert.equal(response.statusCode, 200, response.body);
      assert.ok(elapsedMs < 3000, `answered in ${elapsedMs} ms`);
      const mail = await lastMail(t, email, 'magiclink');
      assert.equal(mail.subject, 'Your Magic Link');
      // Later mails do not wait for the failing server at all (it is retried in the background).
      const again = Date.now();
      assert.equal((await post('/auth/v1/otp', { email, create_user: false })).statusCode, 200);
      assert.ok(Date.now() - again < 250, 'no wait once the template is known to fail');
    });

    it('a template over GOTRUE_MAILER_TEMPLATE_MAX_SIZE is not used', async () => {
      const email = freshEmail('huge');
      await createConfirmedUser(t, email);
      assert.equal((await post('/auth/v1/recover', { email })).statusCode, 200);
      assert.equal((await lastMail(t, email, 'recovery')).subject, 'Reset Your Password');
    });

    it('a template server answering 500: the default invite', async () => {
      const email = freshEmail('error');
      const response = await post('/auth/v1/invite', { email }, adminHeaders(t));
      assert.equal(response.statusCode, 200, response.body);
      assert.equal((await lastMail(t, email, 'invite')).subject, 'You have been invited');
    });

    it('a fetched template with an unsupported construct ({{ range }}, an action in <script>): the default mail, never a 500', async () => {
      const email = freshEmail('range');
      const next = freshEmail('range-to');
      await createConfirmedUser(t, email);
      const signIn = await post('/auth/v1/token?grant_type=password', { email, password: PASSWORD });
      const token = (signIn.json() as { access_token: string }).access_token;
      const change = await t.app.inject({ method: 'PUT', url: '/auth/v1/user', headers: { ...versionHeaders, authorization: `Bearer ${token}` }, payload: { email: next } });
      assert.equal(change.statusCode, 200, change.body);
      assert.equal((await lastMail(t, next, 'email_change')).subject, 'Confirm Email Change');
      const reauth = await t.app.inject({ method: 'GET', url: '/auth/v1/reauthenticate', headers: { authorization: `Bearer ${token}` } });
      assert.equal(reauth.statusCode, 200, reauth.body);
      assert.match((await lastMail(t, email, 'reauthentication')).subject, /^\d{6} is your verification code$/);
    });
  });
}
