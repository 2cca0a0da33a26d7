/**
 * The console in a real browser (issue 7's acceptance): headless Chromium (playwright-core, the system
 * /usr/bin/chromium) drives the console served by a real `foyer start`, while supabase-js clients of
 * the projects check that what the console changes is in force at once:
 *  - set up the first administrator from the setup link, log out, log in; create a second project;
 *  - anonymous sign-ins off for it → anonymous_provider_disabled at once, the default project unaffected; on again → they work;
 *  - a value the server refuses shows its message at the setting it names;
 *  - CAPTCHA against a local siteverify server ("Test secret", then captcha_failed without a token);
 *  - phone sign-in and a send-SMS hook (a signed local receiver): "Send a test SMS" to the outbox, "Call this
 *    hook with a sample payload", then supabase-js's phone code delivered by the hook; the secret stays hidden;
 *  - a mail subject edited on the Email templates page, previewed, and a test mail sent to the outbox;
 *  - the anonymous rate limit → 429 after it; revert to an earlier version lifts it;
 *  - the dashboard shows the counts the database holds after N anonymous and M converted users;
 *  - users (an invitation among them), cleanup, RLS audit, outbox, audit log, history and diff pages render; phone, dark, keyboard;
 *  - a custom OpenID Connect provider and a SAML identity provider added, changed and deleted on Sign-in providers;
 *  - the OAuth server turned on, an app registered (secret shown once), the users who allowed it counted, the app deleted;
 *  - a third project is deleted once its ref is typed, and its API answers 404 at once;
 *  - a read-only administrator invited by the owner joins by the one-time link and can change nothing.
 * Screenshots of every page: test-artifacts/console/*.png. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import type { Page } from 'playwright-core';
import { hookSecret, startHookReceiver } from '../helpers/hook-receiver.js';
import { totpCode } from '../helpers/mfa.js';
import { makeClient, startServer, type RunningServer } from '../helpers/server.js';
import { startSiteverifyServer, type SiteverifyServer } from '../helpers/siteverify.js';
import { startOidcProvider, type TestOidcProvider } from '../helpers/oidc-provider.js';
import {
  adminFetch,
  CHROMIUM,
  countUsers,
  ensureConsoleBuilt,
  launchBrowser,
  screenshot,
  signInAnonymously,
  stepRunner,
  typecheckConsole,
  type Browser,
  type ProjectKeys,
} from './browser.js';
import { adminSteps } from './admin-steps.js';
import { oauthAppSteps } from './oauth-app-steps.js';
import { providerSteps } from './provider-steps.js';
import { supportSteps } from './support-steps.js';
import { consoleUrl, contrastRatio, defaultProjectRef, openSection, saveSettings, setupUrlFrom, settingControl, waitForCount } from './pages.js';

const ADMIN = { email: 'ops@example.com', password: 'correct horse battery staple' };
const ANON = 'GOTRUE_EXTERNAL_ANONYMOUS_USERS_ENABLED';
const FACTOR_USER_PASSWORD = 'a long enough password for converted users';
const RATE = 'GOTRUE_RATE_LIMIT_ANONYMOUS_USERS';
/** N anonymous users created for the dashboard, M of them converted. */
const N = 5;
const M = 2;

describe('the console in a real browser', { skip: existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}` }, () => {
  let server: RunningServer;
  let siteverify: SiteverifyServer;
  let idp: TestOidcProvider;
  let browser: Browser;
  let page: Page;
  let dataDir: string;
  let second: ProjectKeys;
  /** Anonymous sign-ins that succeeded on the second project (each one is a row of auth.users). */
  let signups = 0;

  const signInSecond = async (captchaToken?: string) => {
    const result = await signInAnonymously(second.apiUrl, second.anonKey, captchaToken);
    if (result.ok) signups += 1;
    return result;
  };
  const signInDefault = () => signInAnonymously(server.url, server.anonKey);

  // Steps share one browser session; a failure saves a screenshot and skips the steps after it.
  const step = stepRunner(() => page, () => server.output());

  before(async () => {
    await ensureConsoleBuilt();
    siteverify = await startSiteverifyServer();
    idp = await startOidcProvider({ redirectUris: ['http://localhost:3000/never-used'], tls: true });
    dataDir = mkdtempSync(join(tmpdir(), 'foyer-console-'));
    // The custom provider the console adds lives on 127.0.0.1.
    server = await startServer({ FOYER_DATA_DIR: dataDir, GOTRUE_LOG_LEVEL: 'warn', FOYER_CUSTOM_OAUTH_ALLOW_PRIVATE_NETWORK: 'true' });
    browser = await launchBrowser();
    page = browser.page;
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await siteverify?.close();
    await idp?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  step('type-checks the console (strict, its own tsconfig: DOM and JSX)', async () => {
    assert.deepEqual(await typecheckConsole(), []);
  });

  step('sets up the first administrator from the setup link, logs out and logs in', async () => {
    const setupUrl = setupUrlFrom(server.output());
    await page.goto(setupUrl);
    await page.getByRole('heading', { name: 'Create the first administrator' }).waitFor();
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
    await page.getByLabel('Repeat the password').fill(ADMIN.password);
    await screenshot(page, '01-setup');
    await page.getByRole('button', { name: 'Create administrator' }).click();
    await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
    // The setup link works once.
    const again = await page.evaluate(async () => (await fetch('/platform/v1/setup/status')).json());
    assert.deepEqual(again, { needs_setup: false });

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: /invalid/i }).waitFor();
    await page.getByLabel('Password').fill(ADMIN.password);
    await screenshot(page, '02-login');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
    // The session cookie is httpOnly: the page's scripts cannot read it.
    assert.equal(await page.evaluate(() => document.cookie.includes('foyer')), false);
  });

  step('creates a second project and shows its endpoints, keys and createClient snippet', async () => {
    await page.getByLabel('Project name').fill('Second app');
    assert.equal(await page.getByLabel('Allow anonymous sign-ins').isChecked(), true, 'anonymous sign-ins are on for a new project unless unticked');
    await page.getByRole('button', { name: 'Create project' }).click();
    // A new embedded database is created and migrated first: seconds, more on a busy machine.
    await page.getByRole('heading', { name: 'Endpoints' }).waitFor({ timeout: 120_000 });
    const value = (testId: string) => page.getByTestId(testId).getAttribute('data-value') as Promise<string>;
    const ref = decodeURIComponent(/#\/projects\/([^/]+)/.exec(page.url())?.[1] ?? '');
    second = { ref, apiUrl: await value('api-url'), anonKey: await value('anon-key'), serviceRoleKey: await value('service-role-key') };
    assert.ok(second.ref, 'the console navigated to the new project');
    assert.notEqual(second.apiUrl, server.url, 'the second project has its own URL');
    assert.notEqual(second.anonKey, server.anonKey, 'and its own keys');
    const snippet = await page.locator('pre').allInnerTexts();
    assert.ok(snippet.some((code) => code.includes(second.apiUrl) && code.includes(second.anonKey)));
    assert.ok(snippet.some((code) => code.includes('realtime: { transport: WebSocket }')), 'the Node 20 snippet passes a WebSocket');
    await screenshot(page, '03-project-keys');
    // Growth of a project nobody has signed in to: an empty state pointing to the keys, not a full bar.
    await openSection(page, server.url, second.ref, 'dashboard');
    await page.getByTestId('users-split-empty').getByRole('link', { name: 'Connect your app' }).waitFor();
    assert.equal(await page.locator('.split-bar').count(), 0);
    const first = await signInSecond();
    assert.equal(first.ok, true, `a new project signs in anonymously: ${first.code}`);
    await page.goto(consoleUrl(server.url, '#/'));
    await page.getByRole('link', { name: 'Second app' }).waitFor();
    await screenshot(page, '04-projects');
  });

  step('turns anonymous sign-ins off for the second project: refused at once, the default project unaffected; on again restores them', async () => {
    await openSection(page, server.url, second.ref, 'settings');
    const toggle = settingControl(page, ANON);
    assert.equal(await toggle.getAttribute('aria-checked'), 'true');
    await toggle.click();
    assert.equal(await toggle.getAttribute('aria-checked'), 'false');
    await saveSettings(page);

    const refused = await signInSecond();
    assert.equal(refused.ok, false);
    assert.equal(refused.code, 'anonymous_provider_disabled');
    const other = await signInDefault();
    assert.equal(other.ok, true, `the default project still signs in anonymously: ${other.code}`);
    await screenshot(page, '05-settings-anonymous-off', { at: page.locator(`[data-setting="${ANON}"]`) });

    await settingControl(page, ANON).click();
    await saveSettings(page);
    const restored = await signInSecond();
    assert.equal(restored.ok, true, `anonymous sign-ins are back: ${restored.code}`);
  });

  step('checks values before sending, and shows a value the server refuses at the setting it names', async () => {
    // The console's own check: a whole number is expected.
    const exp = settingControl(page, 'GOTRUE_JWT_EXP');
    await exp.fill('soon');
    await page.locator('[data-setting="GOTRUE_JWT_EXP"] .field-error').filter({ hasText: 'Expected a number' }).waitFor();
    await page.getByRole('button', { name: 'Discard' }).click();
    // The server's: a duration it cannot read, in a value that looks right to the console.
    const otp = settingControl(page, 'GOTRUE_RATE_LIMIT_OTP');
    await otp.fill('5/forever');
    await page.getByRole('button', { name: 'Save changes' }).click();
    const error = page.locator('[data-setting="GOTRUE_RATE_LIMIT_OTP"] .field-error');
    await error.waitFor();
    assert.match(await error.innerText(), /GOTRUE_RATE_LIMIT_OTP/);
    assert.equal(await otp.getAttribute('aria-invalid'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-env')), 'GOTRUE_RATE_LIMIT_OTP', 'focus moves to the setting');
    await screenshot(page, '06-settings-validation', { at: page.locator('[data-setting="GOTRUE_RATE_LIMIT_OTP"]') });
    // Leaving with unsaved changes asks first: declined, the page and its draft stay; accepted, they go.
    const questions: string[] = [];
    // The question comes from the address change the click starts, which may be after the click resolves:
    // each step waits for it (at most 5 s; without one, the assertions below say so).
    const answer = (accept: boolean) => {
      const answered = new Promise<void>((resolve) =>
        page.once('dialog', (dialog) => {
          questions.push(dialog.message());
          void (accept ? dialog.accept() : dialog.dismiss()).finally(resolve);
        }),
      );
      return () => Promise.race([answered, delay(5_000)]);
    };
    const usersLink = page.getByRole('navigation', { name: /^Project / }).getByRole('link', { name: 'Users', exact: true });
    let asked = answer(false);
    await usersLink.click();
    await asked();
    assert.match(questions[0] ?? '', /Leave without saving\? 1 unsaved change to .*settings will be lost/);
    assert.match(page.url(), /\/settings$/, 'the address goes back to the settings page');
    assert.equal(await otp.inputValue(), '5/forever', 'the draft is kept');
    asked = answer(false);
    await page.getByRole('tab', { name: 'Version history' }).click();
    await asked();
    assert.equal(questions.length, 2, 'switching to another view asks too');
    assert.equal(await otp.inputValue(), '5/forever');
    asked = answer(true);
    await usersLink.click();
    await asked();
    await page.locator('main h1').filter({ hasText: 'Users' }).waitFor();
    assert.equal(questions.length, 3);
    await page.goBack();
    await page.locator('main h1').filter({ hasText: 'Auth settings' }).waitFor();
    assert.notEqual(await settingControl(page, 'GOTRUE_RATE_LIMIT_OTP').inputValue(), '5/forever', 'the draft was dropped');
    assert.equal(questions.length, 3, 'nothing unsaved: no question');
  });

  step(`creates ${N} anonymous users and converts ${M} of them through the admin API`, async () => {
    const ids: string[] = [];
    for (let i = 0; i < N; i += 1) {
      const result = await signInSecond();
      assert.equal(result.ok, true, `anonymous sign-in ${i + 1}: ${result.code}`);
      ids.push(result.userId as string);
    }
    for (let i = 0; i < M; i += 1) {
      const { status } = await adminFetch(second.apiUrl, second.serviceRoleKey, `users/${ids[i]}`, {
        method: 'PUT',
        body: { email: `converted-${i}@example.com`, email_confirm: true, password: FACTOR_USER_PASSWORD },
      });
      assert.equal(status, 200);
    }
  });

  step("shows a user's verified factor and aal2 session, and deletes the factor", async () => {
    // converted-1 enrols an authenticator app through supabase-js and raises its session to aal2.
    const client = makeClient(second.apiUrl, second.anonKey);
    const signedIn = await client.auth.signInWithPassword({ email: 'converted-1@example.com', password: FACTOR_USER_PASSWORD });
    assert.equal(signedIn.error, null);
    const enrolled = await client.auth.mfa.enroll({ factorType: 'totp', friendlyName: 'Work phone' });
    assert.equal(enrolled.error, null);
    const factorId = enrolled.data!.id;
    const verified = await client.auth.mfa.challengeAndVerify({ factorId, code: totpCode(enrolled.data!.totp.secret) });
    assert.equal(verified.error, null);

    await openSection(page, server.url, second.ref, 'users');
    await page.getByLabel('Search email, phone or id').fill('converted-1');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: 'converted-1@example.com' }).click();
    const factors = page.getByRole('region', { name: 'Second factors' });
    await factors.getByRole('row', { name: /Work phone.*Authenticator app \(TOTP\).*verified/ }).waitFor();
    await page.getByRole('region', { name: 'Sessions' }).getByText('aal2').first().waitFor();
    await page.getByText('No passkeys.').waitFor();
    await screenshot(page, '12b-user-factors');

    await factors.getByRole('button', { name: 'Delete factor Work phone' }).click();
    await factors.getByText('No factors enrolled.').waitFor();
    const { status, body } = await adminFetch(second.apiUrl, second.serviceRoleKey, `users/${signedIn.data.user!.id}/factors`);
    assert.equal(status, 200);
    assert.deepEqual(body, [], 'the factor is gone from the project, not only from the page');
  });

  step('configures CAPTCHA against a local siteverify server: "Test secret", then anonymous sign-in demands a token', async () => {
    await openSection(page, server.url, second.ref, 'captcha');
    await page.getByLabel('Provider', { exact: true }).selectOption('hcaptcha');
    await page.getByLabel('Secret key').fill('console-test-secret');
    await page.getByLabel('Siteverify URL (optional)').fill(siteverify.url);

    siteverify.mode = { kind: 'fail', codes: ['invalid-input-secret'] };
    await page.getByRole('button', { name: 'Test secret' }).click();
    await page.getByTestId('captcha-test-result').filter({ hasText: 'invalid-input-secret' }).waitFor();
    siteverify.mode = { kind: 'fail', codes: ['invalid-input-response'] };
    await page.getByRole('button', { name: 'Test secret' }).click();
    await page.getByTestId('captcha-test-result').filter({ hasText: /accepted/i }).waitFor();
    assert.equal(siteverify.received.at(-1)?.form.secret, 'console-test-secret');

    siteverify.mode = { kind: 'pass' };
    await page.getByRole('switch', { name: 'Require CAPTCHA' }).click();
    await page.getByRole('button', { name: 'Save CAPTCHA settings' }).click();
    await page.getByRole('status').filter({ hasText: /Saved: version \d+/ }).waitFor();
    await screenshot(page, '07-captcha');

    const without = await signInSecond();
    assert.equal(without.ok, false);
    assert.equal(without.code, 'captcha_failed');
    const withToken = await signInSecond('a-token-the-local-siteverify-accepts');
    assert.equal(withToken.ok, true, `with a token: ${withToken.code}`);
    assert.equal(siteverify.received.at(-1)?.form.response, 'a-token-the-local-siteverify-accepts');
    assert.equal((await signInDefault()).ok, true, 'the default project needs no token');

    await page.getByRole('switch', { name: 'Require CAPTCHA' }).click();
    await page.getByRole('button', { name: 'Save CAPTCHA settings' }).click();
    await page.getByRole('status').filter({ hasText: /Saved: version \d+/ }).waitFor();
    assert.equal((await signInSecond()).ok, true, 'CAPTCHA off again: no token needed');
  });

  step('turns phone sign-in on, sends a test SMS, tries and turns on a send-SMS hook that then delivers supabase-js\'s code', async () => {
    const secret = hookSecret('console browser hook secret');
    const receiver = await startHookReceiver(secret);
    try {
      await openSection(page, server.url, second.ref, 'sms');
      await settingControl(page, 'GOTRUE_EXTERNAL_PHONE_ENABLED').click();
      await saveSettings(page);
      await page.getByLabel('Phone number').fill('+1 555 010 0042');
      await page.getByRole('button', { name: 'Send a test SMS' }).click();
      await page.getByTestId('sms-test-result').filter({ hasText: /123456.*outbox/ }).waitFor();
      await screenshot(page, '07b-sms');

      await openSection(page, server.url, second.ref, 'hooks');
      await settingControl(page, 'GOTRUE_HOOK_SEND_SMS_URI').fill(receiver.url);
      await settingControl(page, 'GOTRUE_HOOK_SEND_SMS_SECRETS').fill(secret);
      await saveSettings(page);
      await page.getByLabel('Hook', { exact: true }).selectOption('send_sms');
      await page.getByRole('button', { name: 'Call this hook with a sample payload' }).click();
      await page.getByTestId('hook-test-result').filter({ hasText: /answered in \d+ ms \(the hook is not on yet\)/ }).waitFor();
      await page.getByText('What was sent').waitFor();
      assert.equal(receiver.accepted.length, 1, 'the receiver checked the signature and took the sample');
      assert.equal((receiver.accepted[0].payload as { sms: { otp: string } }).sms.otp, '123456');

      await settingControl(page, 'GOTRUE_HOOK_SEND_SMS_ENABLED').click();
      await saveSettings(page);
      assert.equal(await settingControl(page, 'GOTRUE_HOOK_SEND_SMS_SECRETS').getAttribute('placeholder'), 'Set (hidden): type to replace it');
      assert.equal((await page.content()).includes(secret.slice('v1,whsec_'.length)), false, 'the secret is not on the page');
      await screenshot(page, '07c-hooks');

      const phone = `1555${String(Date.now()).slice(-7)}`;
      const client = makeClient(second.apiUrl, second.anonKey);
      const sent = await client.auth.signInWithOtp({ phone });
      assert.equal(sent.error, null, sent.error?.message);
      const delivered = receiver.accepted.at(-1)!.payload as { sms: { otp: string; phone: string } };
      assert.equal(delivered.sms.phone, phone);
      const verified = await client.auth.verifyOtp({ phone, token: delivered.sms.otp, type: 'sms' });
      assert.equal(verified.error, null, verified.error?.message);
      // The dashboard step counts the users this test made on purpose: this one goes again.
      const removed = await adminFetch(second.apiUrl, second.serviceRoleKey, `users/${verified.data.user!.id}`, { method: 'DELETE' });
      assert.equal(removed.status, 200);

      await settingControl(page, 'GOTRUE_HOOK_SEND_SMS_ENABLED').click();
      await saveSettings(page);
    } finally {
      await receiver.close();
    }
  });

  step('edits a mail subject on the Email templates page, previews it and sends a test mail to the outbox', async () => {
    await openSection(page, server.url, second.ref, 'templates');
    await settingControl(page, 'GOTRUE_MAILER_SUBJECTS_MAGIC_LINK').fill('Sign in to Acme, {{ .Email }}');
    await saveSettings(page);
    await page.getByLabel('Mail', { exact: true }).selectOption('magic_link');
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.getByText('Subject: Sign in to Acme, user@example.com').waitFor();
    await page.getByLabel('Send to').fill('templates@example.com');
    await page.getByRole('button', { name: 'Send a test mail' }).click();
    await page.getByTestId('mail-test-result').filter({ hasText: /Sent the custom subject with the default body to templates@example\.com: it waits in the mail outbox/ }).waitFor();
    await screenshot(page, '07c-email-templates');
  });

  let versionBeforeLimit = 0;
  step('sets the anonymous rate limit: 429 after it, the default project unaffected', async (t) => {
    await openSection(page, server.url, second.ref, 'settings');
    versionBeforeLimit = Number((await page.getByTestId('settings-version').innerText()).replace(/\D/g, ''));
    const earlier = signups;
    const limit = earlier + 2;
    await page.getByPlaceholder('Find a setting…').fill('RATE_LIMIT_ANONYMOUS');
    await settingControl(page, RATE).fill(String(limit));
    await saveSettings(page);
    await screenshot(page, '08-settings-rate-limit', { at: page.locator(`[data-setting="${RATE}"]`) });

    let admitted = 0;
    let refused: Awaited<ReturnType<typeof signInSecond>> | undefined;
    for (let attempt = 0; attempt <= limit && !refused; attempt += 1) {
      const result = await signInSecond();
      if (result.ok) admitted += 1;
      else refused = result;
    }
    assert.ok(refused, `no 429 within ${limit + 1} attempts`);
    assert.equal(refused.status, 429);
    assert.equal(refused.code, 'over_request_rate_limit');
    t.diagnostic(`limit ${limit}/hour with ${earlier} sign-ins before it: ${admitted} more admitted, then ${refused.status}`);
    assert.ok(admitted <= limit, `${admitted} admitted past a limit of ${limit}`);
    assert.ok(admitted >= limit - earlier, 'sign-ins under the limit are admitted');
    assert.equal((await signInDefault()).ok, true, 'the default project keeps its own limit');
  });

  step('lists the versions with their diffs, reverts to the one before the limit, and diffs two projects', async () => {
    await page.getByRole('tab', { name: 'Version history' }).click();
    const newest = page.locator('[data-version]').first();
    await newest.waitFor();
    assert.match(await newest.innerText(), new RegExp(RATE));
    assert.match(await newest.innerText(), new RegExp(ADMIN.email));
    await screenshot(page, '09-settings-history');

    const target = page.locator(`[data-version="${versionBeforeLimit}"]`);
    await target.getByRole('button', { name: 'Revert to this version…' }).click();
    await target.getByRole('button', { name: `Revert to version ${versionBeforeLimit}` }).click();
    await page.getByRole('status').filter({ hasText: /Reverted/ }).waitFor();
    const lifted = await signInSecond();
    assert.equal(lifted.ok, true, `the revert lifted the limit: ${lifted.code}`);

    await page.getByRole('tab', { name: 'Copy and compare' }).click();
    const defaultRef = await defaultProjectRef(page);
    await page.getByLabel('Project A').selectOption(second.ref);
    await page.getByLabel('Project B').selectOption(defaultRef);
    await page.getByRole('button', { name: 'Compare' }).click();
    const diff = page.getByTestId('settings-diff');
    await diff.waitFor();
    // CAPTCHA stayed configured (only switched off) on the second project; the rate limit went with the revert.
    assert.match(await diff.innerText(), /GOTRUE_SECURITY_CAPTCHA_PROVIDER\s+hcaptcha/);
    assert.doesNotMatch(await diff.innerText(), new RegExp(RATE));
    await screenshot(page, '10-settings-compare');

    // Copying the default project's settings over the second one's leaves nothing to tell them apart.
    await page.getByLabel('Copy from').selectOption(defaultRef);
    await page.getByRole('button', { name: 'Copy settings…' }).click();
    await page.getByRole('button', { name: /^Replace .*'s settings$/ }).click();
    await page.getByRole('status').filter({ hasText: /Copied from/ }).waitFor();
    await page.getByRole('button', { name: 'Compare' }).click();
    await page.getByText('The two projects have the same settings.').waitFor();
  });

  step('shows on the dashboard the counts the database holds', async () => {
    const anonymous = await countUsers(second.apiUrl, second.serviceRoleKey, true);
    const permanent = await countUsers(second.apiUrl, second.serviceRoleKey, false);
    assert.equal(anonymous, signups - M, 'every successful anonymous sign-in of the test is a user');
    assert.equal(permanent, M);
    await openSection(page, server.url, second.ref, 'dashboard');
    await page.getByTestId('stat-anonymous').waitFor();
    assert.equal(await page.getByTestId('stat-anonymous').innerText(), anonymous.toLocaleString('en-US'));
    assert.equal(await page.getByTestId('stat-permanent').innerText(), permanent.toLocaleString('en-US'));
    const rate = ((M / signups) * 100).toFixed(1);
    assert.equal(await page.getByTestId('stat-conversion-rate').innerText(), `${rate} %`);
    await page.locator('.recharts-surface').first().waitFor();
    await screenshot(page, '11-dashboard');
  });

  step("links a warning's variables to the settings the console manages: one click opens that setting, focused", async () => {
    // CAPTCHA is off again and the project has no budget, so Growth warns; the variables it names are console settings here.
    await openSection(page, server.url, second.ref, 'dashboard');
    const warning = page.locator('ul.warnings li').filter({ hasText: /CAPTCHA is off for anonymous sign-ins/ });
    await warning.waitFor();
    const link = warning.locator('a[data-env-link="GOTRUE_SECURITY_CAPTCHA_ENABLED"]');
    assert.equal(await link.innerText(), 'CAPTCHA enabled', 'named as the Settings page names it');
    assert.doesNotMatch(await warning.innerText(), /GOTRUE_SECURITY_CAPTCHA_ENABLED/, 'no environment variable to hunt for');
    await link.click();
    await page.waitForURL(new RegExp(`#/projects/${second.ref}/settings/GOTRUE_SECURITY_CAPTCHA_ENABLED$`));
    await page.waitForFunction(() => document.activeElement?.getAttribute('data-env') === 'GOTRUE_SECURITY_CAPTCHA_ENABLED');
  });

  step('finds, opens and deletes users', async () => {
    await openSection(page, server.url, second.ref, 'users');
    const rows = page.getByTestId('users-table').locator('tbody tr');
    await rows.first().waitFor();
    assert.equal(await rows.count(), Math.min(signups, 25), 'every user of the project is listed (25 a page)');
    await page.getByLabel('Show').selectOption('permanent');
    await waitForCount(rows, M);
    await page.getByLabel('Show').selectOption('anonymous');
    await waitForCount(rows, signups - M);
    // An anonymous user has no email: the short id the list shows is what support is given, and finds it.
    const shortId = (await rows.first().locator('th .mono').innerText()).trim();
    await page.getByLabel('Search email, phone or id').fill(shortId);
    await page.getByRole('button', { name: 'Search' }).click();
    await waitForCount(rows, 1);
    assert.equal((await rows.first().locator('th .mono').innerText()).trim(), shortId);
    await page.getByLabel('Search email, phone or id').fill('');
    await page.getByLabel('Show').selectOption('permanent');
    await page.getByRole('button', { name: 'Search' }).click();
    await waitForCount(rows, M);
    await page.getByLabel('Search email, phone or id').fill('converted-0');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: 'converted-0@example.com' }).waitFor();
    await screenshot(page, '12-users');
    await page.getByRole('link', { name: 'converted-0@example.com' }).click();
    await page.getByRole('heading', { name: 'Identities' }).waitFor();
    await page.getByRole('heading', { name: 'Sessions' }).waitFor();
    await page.waitForLoadState('networkidle');
    await screenshot(page, '13-user-detail');

    const permanentBefore = await countUsers(second.apiUrl, second.serviceRoleKey, false);
    await page.getByRole('button', { name: 'Delete user…' }).click();
    // The confirm button appears where the pointer already is: it must stay readable under it, in both themes.
    const confirm = page.getByRole('button', { name: 'Delete converted-0@example.com' });
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      await confirm.hover();
      const ratio = await contrastRatio(confirm);
      assert.ok(ratio >= 4.5, `the hovered confirm button's text contrast is ${ratio.toFixed(2)}:1 in the ${colorScheme} theme`);
    }
    await page.emulateMedia({ colorScheme: 'light' });
    await confirm.click();
    await page.getByRole('heading', { name: 'Users', level: 1 }).waitFor();
    assert.equal(await countUsers(second.apiUrl, second.serviceRoleKey, false), permanentBefore - 1);

    // An invitation from the Users page: the project mails it (to its outbox here) and lists the user.
    await page.getByLabel('Email address to invite').fill('invitee@example.com');
    await page.getByRole('button', { name: 'Send invitation' }).click();
    await page.getByRole('status').filter({ hasText: 'Invitation sent to invitee@example.com' }).waitFor();
    await page.getByLabel('Search email, phone or id').fill('invitee');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: 'invitee@example.com' }).waitFor();
    assert.equal(await countUsers(second.apiUrl, second.serviceRoleKey, false), permanentBefore);
  });

  providerSteps(step, { page: () => page, server: () => server, second: () => second, idp: () => idp });

  oauthAppSteps(step, {
    page: () => page,
    server: () => server,
    second: () => second,
    countSignup: () => {
      signups += 1;
    },
  });

  supportSteps(step, {
    page: () => page,
    server: () => server,
    second: () => second,
    countSignup: () => {
      signups += 1;
    },
  });

  step('renders the cleanup, RLS audit, mail outbox and audit log pages', async () => {
    // A recovery mail for the outbox (no SMTP server: embedded mode keeps it there).
    const { error: mailError } = await makeClient(second.apiUrl, second.anonKey).auth.resetPasswordForEmail('converted-1@example.com');
    assert.equal(mailError, null);
    for (const [section, heading, shot] of [
      ['cleanup', 'Anonymous user cleanup', '14-cleanup'],
      ['rls', 'RLS audit', '15-rls-audit'],
      ['mail', 'Mail outbox', '16-mail-outbox'],
      ['audit', 'Audit log', '17-audit-log'],
    ] as const) {
      await openSection(page, server.url, second.ref, section);
      await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
      await page.waitForLoadState('networkidle');
      assert.equal(await page.locator('.loading').count(), 0, `${section} finished loading`);
      assert.equal(await page.locator('.notice-error').count(), 0, `${section} shows no error`);
      if (section === 'mail') {
        await page.getByText('to converted-1@example.com', { exact: false }).first().waitFor();
        await page.getByText('to invitee@example.com', { exact: false }).first().waitFor();
      }
      if (section === 'cleanup') {
        // A run now, with its progress and then its place in the history (nobody is inactive for 30 days: 0 deleted).
        await page.getByRole('button', { name: 'Run the cleanup now…' }).click();
        await page.getByRole('button', { name: /^Delete \d+ users now$/ }).click();
        await page.getByTestId('cleanup-progress').filter({ hasText: 'completed' }).waitFor();
        await page.getByTestId('cleanup-history').getByText('completed').waitFor();
      }
      await screenshot(page, shot);
    }
    // The project's audit log holds the conversions and the deletion the test made.
    const audit = await page.getByTestId('audit-table').innerText();
    assert.match(audit, /user_converted/);
    assert.match(audit, /user_deleted/);
  });

  step('offers the built-in CAPTCHA: a generated signing key, a live widget preview, "Solve once", then sign-ins need a solution', async () => {
    await openSection(page, server.url, second.ref, 'captcha');
    await page.getByLabel('Provider', { exact: true }).selectOption('altcha');
    await page.getByRole('button', { name: 'Generate a signing key' }).click();
    assert.ok((await page.getByLabel('Secret key').inputValue()).length >= 32);
    await page.getByLabel('Difficulty', { exact: true }).fill('300');
    await page.getByRole('switch', { name: 'Require CAPTCHA' }).click();
    await page.getByRole('button', { name: 'Save CAPTCHA settings' }).click();
    await page.getByRole('status').filter({ hasText: /Saved: version \d+/ }).waitFor();
    await page.getByTestId('altcha-widget-host').locator('altcha-widget').waitFor();
    await page.getByRole('button', { name: 'Solve once' }).click();
    await page.getByTestId('altcha-test-result').filter({ hasText: 'Solved and verified (difficulty 300)' }).waitFor({ timeout: 60_000 });
    await screenshot(page, '07b-captcha-built-in');
    const without = await signInSecond();
    assert.equal(without.code, 'captcha_failed');

    await page.getByRole('switch', { name: 'Require CAPTCHA' }).click();
    await page.getByRole('button', { name: 'Save CAPTCHA settings' }).click();
    await page.getByRole('status').filter({ hasText: /Saved: version \d+/ }).waitFor();
    assert.equal((await signInSecond()).ok, true, 'CAPTCHA off again: no token needed');
  });

  step('deletes a project once its ref is typed: gone from the list, its API answers 404 project_not_found', async () => {
    await page.goto(consoleUrl(server.url, '#/'));
    await page.getByLabel('Project name').fill('Throwaway');
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.getByRole('heading', { name: 'Endpoints' }).waitFor({ timeout: 120_000 });
    const ref = decodeURIComponent(/#\/projects\/([^/]+)/.exec(page.url())?.[1] ?? '');
    const apiUrl = (await page.getByTestId('api-url').getAttribute('data-value')) ?? '';
    assert.equal((await fetch(`${apiUrl}/auth/v1/health`)).status, 200);
    const confirm = page.getByLabel(/Type the ref/);
    const button = page.getByRole('button', { name: 'Delete project' });
    assert.equal(await button.isDisabled(), true, 'nothing typed yet');
    await confirm.fill(ref.slice(0, 8));
    assert.equal(await button.isDisabled(), true, 'a prefix of the ref is not enough');
    await confirm.fill(ref);
    await screenshot(page, '17b-delete-project', { at: page.locator('.danger-zone') });
    await button.click();
    await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
    await page.getByRole('link', { name: 'Second app' }).first().waitFor();
    await page.waitForFunction(() => !document.body.innerText.includes('Throwaway'));
    const health = await fetch(`${apiUrl}/auth/v1/health`);
    assert.equal(health.status, 404);
    assert.equal(((await health.json()) as { code: string }).code, 'project_not_found');
  });

  step("records every console mutation in the default project's audit log", async () => {
    const defaultRef = await defaultProjectRef(page);
    await openSection(page, server.url, defaultRef, 'audit');
    const table = await page.getByTestId('audit-table').innerText();
    for (const action of ['console_admin_created', 'console_login', 'project_created', 'project_deleted', 'settings_changed', 'settings_reverted', 'settings_copied', 'captcha_secret_tested', 'sms_test_sent', 'mail_test_sent', 'hook_tested', 'captcha_solution_tested']) {
      assert.match(table, new RegExp(action), `${action} is in the audit log`);
    }
    assert.match(table, new RegExp(ADMIN.email), 'with the administrator as actor');
    await screenshot(page, '18-audit-log-console');
  });

  adminSteps(step, { page: () => page, server: () => server, second: () => second, owner: ADMIN });

  step('is usable on a phone, in dark mode, and from the keyboard', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await openSection(page, server.url, second.ref, 'settings');
    await screenshot(page, '19-phone-settings', { at: page.locator(`[data-setting="${ANON}"]`) });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `the phone layout scrolls sideways by ${overflow}px`);
    await openSection(page, server.url, second.ref, 'dashboard');
    await page.locator('.recharts-surface').first().waitFor();
    await screenshot(page, '20-phone-dashboard');
    assert.ok((await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)) <= 1, 'the dashboard fits a phone');

    await page.setViewportSize({ width: 1280, height: 900 });
    await page.getByRole('button', { name: /Colour theme/ }).click();
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
    await page.locator('.recharts-surface').first().waitFor();
    await screenshot(page, '21-dark-dashboard');
    await page.getByRole('button', { name: /Colour theme/ }).click();

    // The first Tab reaches the skip link; following it puts focus on the page's content.
    await page.goto(consoleUrl(server.url, '#/'));
    await page.reload();
    await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to content');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'main');
    assert.deepEqual(browser.pageErrors, [], 'no uncaught exception in the console');
  });
});
