/** Finding one's way around the console in the browser test. */
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
