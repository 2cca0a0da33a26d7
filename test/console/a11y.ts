/**
 * The accessibility check of the console's pages: axe-core, the engine most audits use, run in the page
 * on the whole document with its default rules (WCAG 2 A and AA and best practices). A violation of
 * serious or critical impact fails the test; moderate and minor ones are left to review.
 */
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

export interface A11yProblem {
  readonly rule: string;
  readonly element: string;
  readonly detail?: string;
}

const require = createRequire(import.meta.url);
/** axe's browser bundle, injected as a script (its `source` export is that bundle as text). */
const AXE_SOURCE: string = (require('axe-core') as { source: string }).source;

// Travels as source (see pages.ts): the runner's transpiler would wrap inner functions in a helper.
const RUN_IN_PAGE = `async () => {
  const results = await window.axe.run(document, { resultTypes: ['violations'] });
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .flatMap((violation) => violation.nodes.map((node) => ({
      rule: violation.id,
      element: node.target.join(' '),
      detail: (node.failureSummary || violation.help).replace(/\\s+/g, ' ').slice(0, 240),
    })));
}`;

/** Serious and critical problems on the page now (empty when it passes). */
export async function accessibilityProblems(page: Page): Promise<A11yProblem[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: AXE_SOURCE });
  return page.evaluate((run) => (0, eval)(run)() as Promise<A11yProblem[]>, RUN_IN_PAGE);
}
