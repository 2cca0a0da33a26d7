/**
 * Console administrators as a team in the browser test (issue 19), as a step of the one session
 * console.test.ts sets up: the owner invites a read-only administrator on the Administrators page, who follows
 * the one-time link, chooses a password and looks around — no service_role key, a change refused — and the
 * owner signs in again.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import type { Page } from 'playwright-core';
import type { RunningServer } from '../helpers/server.js';
import { accessibilityProblems } from './a11y.js';
import { screenshot, type ProjectKeys } from './browser.js';
import { consoleUrl, openSection, settingControl } from './pages.js';

type Step = (name: string, fn: (t: TestContext) => Promise<void>) => void;

export interface AdminContext {
  page(): Page;
  server(): RunningServer;
  second(): ProjectKeys;
  owner: { email: string; password: string };
}

const VIEWER = { email: 'viewer@example.com', password: 'a read-only password' };

export function adminSteps(step: Step, ctx: AdminContext): void {
  step('an owner invites a read-only administrator, who joins by the one-time link, sees no service_role key and cannot change a setting', async () => {
    const page = ctx.page();
    const serverUrl = ctx.server().url;
    await page.goto(consoleUrl(serverUrl, '#/admins'));
    await page.getByRole('heading', { name: 'Administrators', level: 1 }).waitFor();
    await page.getByTestId('admins-table').getByText(ctx.owner.email).waitFor();
    await page.getByLabel('Email', { exact: true }).fill(VIEWER.email);
    await page.getByLabel('Role', { exact: true }).selectOption('read_only');
    await page.getByRole('button', { name: 'Make an invitation link' }).click();
    const linkField = page.getByTestId('admin-link-url');
    await linkField.waitFor();
    const link = (await linkField.getAttribute('data-value')) as string;
    assert.match(link, /#\/accept\?token=[A-Za-z0-9_-]{43}$/);
    await page.getByTestId('invitations-table').getByText(VIEWER.email).waitFor();
    assert.deepEqual(await accessibilityProblems(page), [], 'the Administrators page passes the accessibility check');
    await screenshot(page, '26-administrators');

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    assert.deepEqual(await accessibilityProblems(page), [], 'the sign-in page passes the accessibility check');
    await page.goto(link);
    await page.getByRole('heading', { name: 'Choose your console password' }).waitFor();
    assert.deepEqual(await accessibilityProblems(page), [], 'the one-time link page passes the accessibility check');
    await page.getByLabel('New password').fill(VIEWER.password);
    await page.getByLabel('Repeat the password').fill(VIEWER.password);
    await page.getByRole('button', { name: 'Save password and sign in' }).click();
    await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
    await page.getByText('read-only').first().waitFor();

    await openSection(page, serverUrl, ctx.second().ref, 'overview');
    await page.getByTestId('service-role-key-hidden').waitFor();
    assert.equal(await page.getByTestId('service-role-key').count(), 0);

    await openSection(page, serverUrl, ctx.second().ref, 'settings');
    await settingControl(page, 'GOTRUE_EXTERNAL_ANONYMOUS_USERS_ENABLED').click();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('alert').filter({ hasText: /read-only/ }).waitFor();

    // The invitation link was used up; the owner comes back (leaving the unsaved change behind: confirmed).
    page.once('dialog', (dialog) => void dialog.accept());
    await page.goto(link);
    await page.getByLabel('New password').fill('another password');
    await page.getByLabel('Repeat the password').fill('another password');
    await page.getByRole('button', { name: 'Save password and sign in' }).click();
    await page.getByRole('alert').filter({ hasText: /not valid/ }).waitFor();
    await page.goto(consoleUrl(serverUrl, '#/'));
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByLabel('Email').fill(ctx.owner.email);
    await page.getByLabel('Password').fill(ctx.owner.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
  });
}
