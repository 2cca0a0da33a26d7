/**
 * The console's support work in the browser test (issue 19), as steps of the one session
 * console.test.ts sets up:
 *  - the support scenario: an anonymous user converts by email and never confirms; an administrator finds
 *    them by id prefix, sees the pending address, resends; the user follows the mailed link; Growth
 *    counts one more conversion, and its numbers are the stats API's;
 *  - acting on users: ban and unban, a magic link, metadata as checked JSON, create, bulk delete;
 *  - the project's state at a glance, project cards with users and status, refusals per project;
 *  - every page touched, at 1280×800 and 390×844, light and dark, through an accessibility check.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import type { Page } from 'playwright-core';
import { makeClient, type RunningServer } from '../helpers/server.js';
import { accessibilityProblems } from './a11y.js';
import { adminFetch, screenshot, type ProjectKeys } from './browser.js';
import { consoleUrl, defaultProjectRef, openSection, waitForCount } from './pages.js';

type Step = (name: string, fn: (t: TestContext) => Promise<void>) => void;

export interface SupportContext {
  page(): Page;
  server(): RunningServer;
  second(): ProjectKeys;
  /** Counts an anonymous sign-in the test made on the second project. */
  countSignup(): void;
}

interface Stats {
  totals: {
    users: { anonymous: number; permanent: number; pending_conversion: number; invited: number };
    anonymous_signups: number;
    conversions: { total: number };
    conversion_rate: number | null;
  };
}

const STUCK = 'stuck-conversion@example.com';

async function statsOf(project: ProjectKeys): Promise<Stats> {
  const { status, body } = await adminFetch(project.apiUrl, project.serviceRoleKey, 'stats');
  assert.equal(status, 200);
  return body as Stats;
}

/** The Growth page's numbers equal the stats API's read at the same moment (nothing changes in between). */
async function assertGrowthMatchesStats(page: Page, serverUrl: string, project: ProjectKeys): Promise<Stats> {
  await openSection(page, serverUrl, project.ref, 'dashboard');
  await page.getByTestId('stat-anonymous').waitFor();
  const stats = await statsOf(project);
  const text = (id: string) => page.getByTestId(id).innerText();
  const { users, conversion_rate, conversions, anonymous_signups } = stats.totals;
  assert.equal(await text('stat-anonymous'), users.anonymous.toLocaleString('en-US'));
  assert.equal(await text('stat-permanent'), users.permanent.toLocaleString('en-US'));
  assert.equal(await text('stat-pending'), users.pending_conversion.toLocaleString('en-US'));
  assert.equal(await text('stat-invited'), users.invited.toLocaleString('en-US'));
  assert.equal(await text('stat-conversion-rate'), conversion_rate === null ? '—' : `${(conversion_rate * 100).toFixed(1)} %`);
  await page.getByText(`${conversions.total} of ${anonymous_signups} anonymous sign-ups`).waitFor();
  return stats;
}

export function supportSteps(step: Step, ctx: SupportContext): void {
  let stuckId = '';

  step('support: finds a stuck conversion by id prefix, resends its link, and the confirmed user counts as one conversion on Growth', async () => {
    const page = ctx.page();
    const second = ctx.second();
    const serverUrl = ctx.server().url;
    const before = await assertGrowthMatchesStats(page, serverUrl, second);

    // The user: anonymous, then updateUser({ email, password }) from the app, and never confirms.
    const client = makeClient(second.apiUrl, second.anonKey);
    const signedIn = await client.auth.signInAnonymously();
    assert.equal(signedIn.error, null, signedIn.error?.message);
    ctx.countSignup();
    stuckId = signedIn.data.user!.id;
    const asked = await client.auth.updateUser({ email: STUCK, password: 'the password they chose' });
    assert.equal(asked.error, null, asked.error?.message);
    assert.equal(asked.data.user?.new_email, STUCK);

    // Support is told "my id starts with …": the list finds them, says what they wait for, and the URL keeps the search.
    await openSection(page, serverUrl, second.ref, 'users');
    await page.getByLabel('Search email, phone or id').fill(stuckId.slice(0, 8));
    await page.getByRole('button', { name: 'Search' }).click();
    const rows = page.getByTestId('users-table').locator('tbody tr');
    await waitForCount(rows, 1);
    assert.match(await rows.first().innerText(), new RegExp(`pending conversion`));
    assert.match(await rows.first().innerText(), new RegExp(STUCK.replace('.', '\\.')));
    assert.match(page.url(), new RegExp(`users\\?q=${stuckId.slice(0, 8)}`));
    await page.reload();
    await waitForCount(rows, 1);
    assert.equal(await page.getByLabel('Search email, phone or id').inputValue(), stuckId.slice(0, 8), 'a reload keeps the search');
    await page.getByLabel('Show').selectOption('pending_conversion');
    await waitForCount(rows, 1);
    await screenshot(page, '12c-users-pending');

    await rows.first().getByRole('link').click();
    const pending = page.getByTestId('pending-conversion');
    await pending.waitFor();
    assert.equal(await pending.getByTestId('pending-address').innerText(), STUCK);
    assert.match(await pending.innerText(), /sent (just now|\d+ (second|minute)s? ago)/);
    await pending.getByRole('button', { name: 'Resend the confirmation link' }).click();
    await page.getByRole('status').filter({ hasText: `A new link was sent to ${STUCK}.` }).waitFor();
    await screenshot(page, '13b-user-pending-conversion');

    // The user follows the newest link in the mail (the outbox: no SMTP server here).
    const { body } = await adminFetch(second.apiUrl, second.serviceRoleKey, `mail/outbox?email=${encodeURIComponent(STUCK)}`);
    const messages = (body as { messages: { text_body: string; created_at: string }[] }).messages;
    assert.equal(messages.length, 2, 'the conversion mail and the resent one');
    const newest = [...messages].sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at))[0];
    const link = /https?:\/\/\S+/.exec(newest.text_body)?.[0];
    assert.ok(link, newest.text_body);
    // The server runs with PORT=0, so its links name port 0 (API_EXTERNAL_URL defaults to localhost:$PORT):
    // the link's query on the project's API URL.
    const target = new URL(link);
    const followed = await fetch(`${second.apiUrl.replace(/\/$/, '')}/auth/v1/verify${target.search}`, { redirect: 'manual' });
    assert.equal(followed.status, 303, link);
    assert.match(followed.headers.get('location') ?? '', /access_token=/, `${link} → ${followed.headers.get('location')}`);

    await page.reload();
    await page.getByTestId('converted').filter({ hasText: /via email confirmation/ }).waitFor();
    assert.equal(await page.getByTestId('pending-conversion').count(), 0);
    assert.match(await page.locator('h1').innerText(), /permanent/);

    const after = await assertGrowthMatchesStats(page, serverUrl, second);
    assert.equal(after.totals.conversions.total, before.totals.conversions.total + 1, 'Growth counts one more conversion');
    assert.equal(after.totals.users.pending_conversion, 0);
    assert.equal(after.totals.users.permanent, before.totals.users.permanent + 1);
  });

  step('support: bans and unbans, sends a magic link, edits metadata as checked JSON, creates a user and deletes two at once', async () => {
    const page = ctx.page();
    const second = ctx.second();
    const serverUrl = ctx.server().url;
    await page.goto(consoleUrl(serverUrl, `#/projects/${encodeURIComponent(second.ref)}/users/${stuckId}`));
    await page.getByRole('heading', { name: 'Ban', exact: true }).waitFor();
    await page.getByLabel('Ban duration').selectOption('1h');
    await page.getByRole('button', { name: 'Ban user' }).click();
    // The ban's own confirmation: the user's details always show a "Banned until" row, even before the ban lands.
    await page.getByRole('status').filter({ hasText: 'Banned: their sessions are ended.' }).waitFor();
    const banned = await adminFetch(second.apiUrl, second.serviceRoleKey, `users/${stuckId}`);
    assert.ok(Date.parse((banned.body as { banned_until: string }).banned_until) > Date.now(), 'banned on the server');
    await page.getByRole('button', { name: 'Lift the ban' }).click();
    await page.getByRole('status').filter({ hasText: 'The ban is lifted.' }).waitFor();
    const lifted = await adminFetch(second.apiUrl, second.serviceRoleKey, `users/${stuckId}`);
    assert.ok(!(lifted.body as { banned_until?: string }).banned_until, 'the ban is lifted on the server');

    await page.getByRole('button', { name: 'Send a magic link' }).click();
    await page.getByRole('status').filter({ hasText: `A magic link sent to ${STUCK}.` }).waitFor();

    const userMetadata = page.getByLabel('User metadata (the user can change it)');
    await userMetadata.fill('{"plan": "pro",');
    await page.getByText(/Not valid JSON/).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Save metadata' }).isDisabled(), true);
    await userMetadata.fill('["not", "an object"]');
    await page.getByText('Must be a JSON object: { … }').waitFor();
    await userMetadata.fill('{"plan": "pro"}');
    await page.getByRole('button', { name: 'Save metadata' }).click();
    await page.getByRole('status').filter({ hasText: 'Metadata saved.' }).waitFor();
    const saved = await adminFetch(second.apiUrl, second.serviceRoleKey, `users/${stuckId}`);
    assert.equal((saved.body as { user_metadata: { plan?: string } }).user_metadata.plan, 'pro');
    await screenshot(page, '13c-user-actions');

    // Two anonymous users made for the purpose, selected and deleted after a confirmation naming how many.
    const doomed: string[] = [];
    for (let i = 0; i < 2; i += 1) {
      const made = await makeClient(second.apiUrl, second.anonKey).auth.signInAnonymously();
      assert.equal(made.error, null);
      ctx.countSignup();
      doomed.push(made.data.user!.id);
    }
    await openSection(page, serverUrl, second.ref, 'users');
    await page.getByLabel('Show').selectOption('anonymous');
    await page.getByLabel('Sort').selectOption('newest');
    const rows = page.getByTestId('users-table').locator('tbody tr');
    await rows.first().waitFor();
    for (const id of doomed) await page.getByRole('checkbox', { name: new RegExp(`Select Anonymous user ${id.slice(0, 8)}`) }).check();
    await page.getByRole('button', { name: 'Delete selected…' }).click();
    await page.getByRole('button', { name: 'Delete 2 users now' }).click();
    await page.getByRole('status').filter({ hasText: '2 users deleted' }).waitFor();
    for (const id of doomed) assert.equal((await adminFetch(second.apiUrl, second.serviceRoleKey, `users/${id}`)).status, 404);

    await page.getByLabel('Email address of the new user').fill('made-by-hand@example.com');
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.getByRole('heading', { name: /made-by-hand@example\.com/ }).waitFor();
  });

  step('shows the project at a glance, cards with users and status, and refusals per project on Growth', async () => {
    const page = ctx.page();
    const second = ctx.second();
    const serverUrl = ctx.server().url;
    await openSection(page, serverUrl, second.ref, 'overview');
    await page.getByTestId('glance-users').waitFor();
    assert.equal(await page.getByTestId('glance-anonymous').innerText(), 'On');
    assert.equal(await page.getByTestId('glance-captcha').innerText(), 'Off');
    const stats = await statsOf(second);
    const all = stats.totals.users.anonymous + stats.totals.users.permanent + stats.totals.users.pending_conversion + stats.totals.users.invited;
    assert.match(await page.getByTestId('glance-users').innerText(), new RegExp(`^${all.toLocaleString('en-US')} users`));
    await screenshot(page, '03b-project-glance');

    await page.goto(consoleUrl(serverUrl, '#/'));
    const card = page.locator('.project-card').filter({ has: page.getByRole('link', { name: 'Second app' }) });
    await card.getByTestId('card-status').filter({ hasText: 'serving' }).waitFor();
    assert.match(await card.getByTestId('card-users').innerText(), new RegExp(`^${all.toLocaleString('en-US')} \\(`));

    // The rate-limit step refused sign-ins on the second project only: its Growth shows them, the default project's none.
    const protection = await adminFetch(second.apiUrl, second.serviceRoleKey, 'protection');
    const counters = (protection.body as { counters: { captcha: Record<string, Record<string, number>>; rateLimited: Record<string, Record<string, number>> } }).counters;
    const refused = [...Object.values(counters.captcha), ...Object.values(counters.rateLimited)].flatMap((r) => Object.values(r)).reduce((a, b) => a + b, 0);
    assert.ok(refused > 0);
    await openSection(page, serverUrl, second.ref, 'dashboard');
    assert.equal(await page.getByTestId('rejections-total').innerText(), `${refused} refused`);
    await openSection(page, serverUrl, await defaultProjectRef(page), 'dashboard');
    await page.getByTestId('rejections-total').filter({ hasText: 'No request refused yet.' }).waitFor();
  });

  step('passes the accessibility check on the pages it touches at 1280×800 and 390×844, light and dark', async () => {
    const page = ctx.page();
    const second = ctx.second();
    const serverUrl = ctx.server().url;
    const pages = [
      ['projects', consoleUrl(serverUrl, '#/')],
      ['overview', consoleUrl(serverUrl, `#/projects/${encodeURIComponent(second.ref)}`)],
      ['users', consoleUrl(serverUrl, `#/projects/${encodeURIComponent(second.ref)}/users`)],
      ['user', consoleUrl(serverUrl, `#/projects/${encodeURIComponent(second.ref)}/users/${stuckId}`)],
      ...(['dashboard', 'settings', 'captcha', 'hooks', 'sms', 'templates', 'cleanup', 'rls', 'mail', 'audit', 'providers', 'oauth-apps'] as const).map(
        (section) => [section, consoleUrl(serverUrl, `#/projects/${encodeURIComponent(second.ref)}/${section}`)] as const,
      ),
      ['admins', consoleUrl(serverUrl, '#/admins')],
    ] as const;
    const failures: string[] = [];
    for (const [width, height] of [[1280, 800], [390, 844]] as const) {
      await page.setViewportSize({ width, height });
      for (const colorScheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme });
        for (const [name, url] of pages) {
          await page.goto(url);
          await page.locator('main h1').first().waitFor();
          await page.waitForLoadState('networkidle');
          await page.locator('.loading').first().waitFor({ state: 'detached' }).catch(() => {});
          for (const problem of await accessibilityProblems(page)) failures.push(`${name} ${width}×${height} ${colorScheme}: ${problem.rule} ${problem.element} ${problem.detail ?? ''}`);
          const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
          if (overflow > 1) failures.push(`${name} ${width}×${height} ${colorScheme}: scrolls sideways by ${overflow}px`);
          if (width === 390 && colorScheme === 'dark') await screenshot(page, `22-phone-dark-${name}`);
        }
      }
    }
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 1280, height: 900 });
    assert.deepEqual(failures, []);
  });
}
