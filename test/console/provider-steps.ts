/**
 * The console's Sign-in providers page in the browser test (issue 18), as steps of the one session
 * console.test.ts sets up: a custom OpenID Connect provider added from the form (its issuer, a real
 * oidc-provider over HTTPS, is discovered when it is saved), turned off, deleted; a SAML identity provider
 * added from its metadata XML with its domains, the domains changed, deleted — each checked against the
 * project's admin API.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import type { Page } from 'playwright-core';
import type { RunningServer } from '../helpers/server.js';
import type { TestOidcProvider } from '../helpers/oidc-provider.js';
import { TestIdp } from '../helpers/saml-idp.js';
import { accessibilityProblems } from './a11y.js';
import { adminFetch, screenshot, type ProjectKeys } from './browser.js';
import { openSection } from './pages.js';

type Step = (name: string, fn: (t: TestContext) => Promise<void>) => void;

export interface ProviderContext {
  page(): Page;
  server(): RunningServer;
  second(): ProjectKeys;
  /** An OpenID Connect provider over HTTPS that the server may reach (FOYER_CUSTOM_OAUTH_ALLOW_PRIVATE_NETWORK). */
  idp(): TestOidcProvider;
}

/** Accepts the confirmation the next click asks for. */
function confirmNext(page: Page): void {
  page.once('dialog', (dialog) => void dialog.accept());
}

export function providerSteps(step: Step, ctx: ProviderContext): void {
  step('adds a custom OpenID Connect provider from its issuer, turns it off and deletes it', async () => {
    const page = ctx.page();
    const second = ctx.second();
    const idp = ctx.idp();
    await openSection(page, ctx.server().url, second.ref, 'providers');
    await page.getByRole('heading', { name: 'Sign-in providers', level: 1 }).waitFor();
    await page.getByText('No custom providers.').waitFor();

    await page.getByLabel('Identifier').fill('corp');
    await page.getByLabel('Display name').fill('Corp SSO');
    await page.getByLabel('Client id').fill(idp.clientId);
    await page.getByLabel('Client secret').fill(idp.clientSecret);
    await page.getByLabel('Issuer URL').fill(idp.issuer);
    await page.getByLabel('Scopes').fill('email profile');
    await page.getByRole('button', { name: 'Add provider' }).click();
    await page.getByRole('status').filter({ hasText: 'custom:corp added.' }).waitFor();
    await page.getByTestId('custom-providers-table').getByText('custom:corp').waitFor();

    const added = await adminFetch(second.apiUrl, second.serviceRoleKey, 'custom-providers/custom:corp');
    assert.equal(added.status, 200);
    const provider = added.body as { discovery_document: { issuer: string }; scopes: string[]; enabled: boolean };
    assert.equal(provider.discovery_document.issuer, idp.issuer, 'discovered when it was saved');
    assert.deepEqual(provider.scopes, ['openid', 'email', 'profile']);
    assert.equal(JSON.stringify(added.body).includes(idp.clientSecret), false, 'the secret is never shown');
    assert.equal(await page.getByLabel('Client secret').inputValue(), '', 'nor left in the form');
    await screenshot(page, '24-sign-in-providers');

    // An issuer that is not one: the server's words, nothing added.
    await page.getByLabel('Identifier').fill('broken');
    await page.getByLabel('Display name').fill('Broken');
    await page.getByLabel('Client secret').fill('secret');
    await page.getByLabel('Issuer URL').fill(`${idp.issuer}/nothing-here`);
    await page.getByRole('button', { name: 'Add provider' }).click();
    await page.getByRole('alert').filter({ hasText: /OIDC discovery from .* failed/ }).waitFor();
    assert.equal((await adminFetch(second.apiUrl, second.serviceRoleKey, 'custom-providers/custom:broken')).status, 404);

    await page.getByRole('button', { name: 'Turn off custom:corp' }).click();
    await page.getByRole('status').filter({ hasText: 'custom:corp is off' }).waitFor();
    const off = await adminFetch(second.apiUrl, second.serviceRoleKey, 'custom-providers/custom:corp');
    assert.equal((off.body as { enabled: boolean }).enabled, false);
    const refused = await fetch(`${second.apiUrl}/auth/v1/authorize?provider=custom:corp`, { redirect: 'manual' });
    assert.equal(refused.status, 400, 'a provider turned off is refused at once');

    confirmNext(page);
    await page.getByRole('button', { name: 'Delete custom:corp' }).click();
    await page.getByText('No custom providers.').waitFor();
    assert.equal((await adminFetch(second.apiUrl, second.serviceRoleKey, 'custom-providers/custom:corp')).status, 404);
  });

  step('adds a SAML identity provider from its metadata XML with its domains, changes them, and deletes it', async () => {
    const page = ctx.page();
    const second = ctx.second();
    const samlIdp = new TestIdp();
    await openSection(page, ctx.server().url, second.ref, 'providers');
    await page.getByText('No SAML identity providers.').waitFor();
    await page.getByLabel('Metadata URL or XML').fill(samlIdp.metadataXml());
    await page.getByLabel('Email domains').fill('corp.example, Corp.Example.org');
    await page.getByRole('button', { name: 'Add identity provider' }).click();
    const table = page.getByTestId('sso-providers-table');
    await table.getByText(samlIdp.entityId, { exact: true }).waitFor();
    const listed = await adminFetch(second.apiUrl, second.serviceRoleKey, 'sso/providers');
    const [item] = (listed.body as { items: { id: string; domains: { domain: string }[] }[] }).items;
    assert.deepEqual(item.domains.map((entry) => entry.domain), ['corp.example', 'corp.example.org']);

    const domains = page.getByLabel(`Domains of ${samlIdp.entityId}`);
    await domains.fill('corp.example');
    await page.getByRole('button', { name: 'Save domains' }).click();
    await page.getByRole('status').filter({ hasText: 'Domains of' }).waitFor();
    const changed = await adminFetch(second.apiUrl, second.serviceRoleKey, `sso/providers/${item.id}`);
    assert.deepEqual((changed.body as { domains: { domain: string }[] }).domains.map((entry) => entry.domain), ['corp.example']);

    assert.deepEqual(await accessibilityProblems(page), [], 'the page passes the accessibility check');

    confirmNext(page);
    await page.getByRole('button', { name: `Delete ${samlIdp.entityId}` }).click();
    await page.getByText('No SAML identity providers.').waitFor();
    assert.equal((await adminFetch(second.apiUrl, second.serviceRoleKey, `sso/providers/${item.id}`)).status, 404);
  });
}
