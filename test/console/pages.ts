/** Finding one's way around the console in the browser test. */
import assert from 'node:assert/strict';
import type { Locator, Page } from 'playwright-core';

/** The one-time setup link `foyer start` prints while no console administrator exists. */
export function setupUrlFrom(output: string): string {
  const url = /(https?:\/\/\S*\/console\S*(?:setup|token)\S*)/i.exec(output)?.[1];
  if (!url) throw new Error(`foyer start printed no console setup link:\n${output}`);
  return url;
}

export const consoleUrl = (serverUrl: string, hash: string) => `${serverUrl.replace(/\/$/, '')}/console/${hash}`;

/** Opens a project's page and waits for its data (no spinner left). */
export async function openSection(page: Page, serverUrl: string, ref: string, section: string): Promise<void> {
  await page.goto(consoleUrl(serverUrl, `#/projects/${encodeURIComponent(ref)}/${section}`));
  await page.locator('main h1').first().waitFor();
  await page.waitForLoadState('networkidle');
  await page.locator('.loading').first().waitFor({ state: 'detached' }).catch(() => {});
}

/** The control of a setting (switch, input or select), by its variable name. */
export const settingControl = (page: Page, env: string): Locator => page.locator(`[data-env="${env}"]`).first();

/** Saves the settings form and waits until the server answered with the next version. */
export async function saveSettings(page: Page): Promise<number> {
  const version = Number((await page.getByTestId('settings-version').innerText()).replace(/\D/g, ''));
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.getByRole('status').filter({ hasText: `Saved: version ${version + 1} ` }).waitFor();
  return version + 1;
}

/** Waits until `locator` matches exactly `count` elements (the page reloads its data after a filter). */
export async function waitForCount(locator: Locator, count: number, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  let seen = await locator.count();
  while (seen !== count && Date.now() < deadline) {
    await new Promise((done) => setTimeout(done, 100));
    seen = await locator.count();
  }
  assert.equal(seen, count, `${locator} matched ${seen}, not ${count}`);
}

/** The default project's ref, as the management API lists it (with the page's session). */
export function defaultProjectRef(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const { projects } = (await (await fetch('/platform/v1/projects')).json()) as { projects: { ref: string; is_default: boolean }[] };
    return projects.find((project) => project.is_default)?.ref ?? '';
  });
}
