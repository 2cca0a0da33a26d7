/**
 * The console's OAuth apps page in the browser test (issue 20), as a step of the one session
 * console.test.ts sets up: the OAuth server turned on in the settings, an app registered (its secret shown
 * once), a user allowing it through supabase-js's auth.oauth calls counted on the page, a new secret, and
 * the app deleted — each checked against the project's admin API.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import type { Page } from 'playwright-core';
import { makeClient, type RunningServer } from '../helpers/server.js';
import { adminFetch, screenshot, type ProjectKeys } from './browser.js';
import { consoleUrl, openSection, saveSettings, settingControl } from './pages.js';

type Step = (name: string, fn: (t: TestContext) => Promise<void>) => void;

export interface OAuthAppContext {
  page(): Page;
  server(): RunningServer;
  second(): ProjectKeys;
  /** Counts an anonymous sign-in the test made on the second project. */
  countSignup(): void;
}

const REDIRECT = 'http://127.0.0.1:53682/callback';

/** A user of the project allows the app: an anonymous session consents, as GoTrue lets it. */
async function allowApp(project: ProjectKeys, clientId: string): Promise<void> {
  const user = makeClient(project.apiUrl, project.anonKey);
  assert.equal((await user.auth.signInAnonymously()).error, null);
  const challenge = createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url');
  const query = new URLSearchParams({ client_id: clientId, redirect_uri: REDIRECT, response_type: 'code', scope: 'email', state: 's', code_challenge: challenge, code_challenge_method: 'S256' });
  const authorize = await fetch(`${project.apiUrl}/auth/v1/oauth/authorize?${query}`, { redirect: 'manual' });
  assert.equal(authorize.status, 302, await authorize.text());
  const authorizationId = new URL(authorize.headers.get('location') as string).searchParams.get('authorization_id') as string;
  // The consent page reads the request first (that ties it to the signed-in user), then approves it.
  assert.equal((await user.auth.oauth.getAuthorizationDetails(authorizationId)).error, null);
  const approved = await user.auth.oauth.approveAuthorization(authorizationId, { skipBrowserRedirect: true });
  assert.equal(approved.error, null);
}

export function oauthAppSteps(step: Step, ctx: OAuthAppContext): void {
  step('turns the OAuth server on, registers an app (its secret shown once), counts the users who allowed it, and deletes it', async () => {
    const page = ctx.page();
    const second = ctx.second();
    const serverUrl = ctx.server().url;
    await openSection(page, serverUrl, second.ref, 'oauth-apps');
    await page.getByText('The OAuth server is off for this project').waitFor();

    await page.goto(consoleUrl(serverUrl, `#/projects/${encodeURIComponent(second.ref)}/settings/GOTRUE_OAUTH_SERVER_ENABLED`));
    const enabled = settingControl(page, 'GOTRUE_OAUTH_SERVER_ENABLED');
    await enabled.waitFor();
    if ((await enabled.getAttribute('aria-checked')) !== 'true') await enabled.click();
    await settingControl(page, 'GOTRUE_OAUTH_SERVER_AUTHORIZATION_PATH').fill('/oauth/consent');
    await saveSettings(page);

    await openSection(page, serverUrl, second.ref, 'oauth-apps');
    await page.getByText('No apps registered.').waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Acme Notes');
    await page.getByLabel('Redirect URIs (one per line)').fill(REDIRECT);
    await page.getByRole('button', { name: 'Register' }).click();
    const secretCard = page.getByTestId('oauth-secret');
    await secretCard.waitFor();
    const clientId = (await secretCard.locator('code').first().innerText()).trim();
    const secret = (await secretCard.locator('code').nth(1).innerText()).trim();
    assert.ok(secret.length >= 32, 'the secret is shown');
    const stored = await adminFetch(second.apiUrl, second.serviceRoleKey, `oauth/clients/${clientId}`);
    assert.equal(stored.status, 200);
    assert.equal(JSON.stringify(stored.body).includes(secret), false, 'the server keeps only its hash');
    await page.getByRole('button', { name: 'Done' }).click();
    assert.equal(await page.getByTestId('oauth-secret').count(), 0, 'shown once');
    const row = page.getByTestId('oauth-apps-table').getByRole('row').filter({ hasText: 'Acme Notes' });
    assert.equal(await row.getByTestId('oauth-app-grants').innerText(), '0');

    await allowApp(second, clientId);
    ctx.countSignup();
    await page.reload();
    await row.getByTestId('oauth-app-grants').filter({ hasText: '1' }).waitFor();
    await screenshot(page, '25-oauth-apps');

    await row.getByRole('button', { name: 'New secret' }).click();
    await page.getByTestId('oauth-secret').waitFor();
    const renewed = (await page.getByTestId('oauth-secret').locator('code').nth(1).innerText()).trim();
    assert.notEqual(renewed, secret);
    await page.getByRole('button', { name: 'Done' }).click();

    page.once('dialog', (dialog) => void dialog.accept());
    await row.getByRole('button', { name: 'Delete Acme Notes' }).click();
    await page.getByText('No apps registered.').waitFor();
    assert.equal((await adminFetch(second.apiUrl, second.serviceRoleKey, `oauth/clients/${clientId}`)).status, 404);
  });
}
