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
  // Idle network is a hint only (a busy machine can keep requests in flight past its timeout); what the
  // steps wait for next is the page's own content.
  await page.waitForLoadState('networkidle').catch(() => {});
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

/**
 * WCAG contrast ratio of an element's text against its background as the browser computed them (the
 * first opaque background up the tree), in its current state — hovered, focused — and theme.
 */
export function contrastRatio(locator: Locator): Promise<number> {
  // The measuring function travels as source: the test runner's transpiler would wrap its inner
  // functions in a naming helper the page does not have.
  return locator.evaluate((element, source) => (0, eval)(source)(element) as number, CONTRAST_IN_PAGE);
}

export const CONTRAST_IN_PAGE = `(element) => {
  // rgb(r g b / a) in 0–255, or color(srgb r g b / a) in 0–1.
  const channels = (css) => {
    const numbers = (css.match(/[\\d.]+/g) || []).map(Number);
    const scale = css.startsWith('color(') ? 255 : 1;
    return [numbers[0] * scale, numbers[1] * scale, numbers[2] * scale, numbers[3] ?? 1];
  };
  let background = [255, 255, 255, 1];
  for (let node = element; node; node = node.parentElement) {
    const candidate = channels(getComputedStyle(node).backgroundColor);
    if (candidate[3] > 0.99) { background = candidate; break; }
  }
  const luminance = ([r, g, b]) => [r, g, b]
    .map((value) => value / 255)
    .map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4))
    .reduce((sum, c, index) => sum + c * [0.2126, 0.7152, 0.0722][index], 0);
  const text = luminance(channels(getComputedStyle(element).color));
  const back = luminance(background);
  return (Math.max(text, back) + 0.05) / (Math.min(text, back) + 0.05);
}`;
