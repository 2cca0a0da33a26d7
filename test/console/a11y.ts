/**
 * An accessibility check run in the page, for the pages the support work touches. axe-core is not among
 * the installed packages, so this checks the rules those pages are most likely to break, with axe's
 * names: every control and link has an accessible name (button-name, link-name, label, select-name),
 * ids are unique (duplicate-id-aria), images have alt text (image-alt), the page has one h1
 * (page-has-heading-one), and the text of badges, buttons, links, hints and table cells has a contrast of
 * at least 4.5:1 against its background (color-contrast).
 */
import type { Page } from 'playwright-core';
import { CONTRAST_IN_PAGE } from './pages.js';

export interface A11yProblem {
  readonly rule: string;
  readonly element: string;
  readonly detail?: string;
}

// Travels as source (see pages.ts): the runner's transpiler would wrap inner functions in a helper.
const CHECK_IN_PAGE = `(contrastSource) => {
  const contrast = (0, eval)(contrastSource);
  const problems = [];
  const describe = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ').join('.') : '') + ' "' + (el.textContent || '').trim().slice(0, 40) + '"';
  const visible = (el) => { const r = el.getBoundingClientRect(); const s = getComputedStyle(el); return r.width > 1 && r.height > 1 && s.visibility !== 'hidden' && s.display !== 'none' && !el.closest('.visually-hidden'); };
  const byId = (id) => document.getElementById(id);
  const nameOf = (el) => {
    const labelledby = el.getAttribute('aria-labelledby');
    if (labelledby) return labelledby.split(/\\s+/).map((id) => (byId(id) ? byId(id).textContent : '')).join(' ').trim();
    const aria = el.getAttribute('aria-label');
    if (aria) return aria.trim();
    if (el.labels && el.labels.length) return Array.from(el.labels).map((l) => l.textContent).join(' ').trim();
    if (['BUTTON', 'A', 'SUMMARY'].includes(el.tagName)) return (el.textContent || '').trim() || (el.querySelector('img[alt]') ? el.querySelector('img[alt]').alt : '');
    return (el.getAttribute('title') || el.getAttribute('placeholder') || '').trim();
  };
  const rules = { BUTTON: 'button-name', A: 'link-name', SELECT: 'select-name', INPUT: 'label', TEXTAREA: 'label' };
  for (const el of document.querySelectorAll('button, a[href], select, input:not([type=hidden]), textarea, [role=switch]')) {
    if (!visible(el)) continue;
    if (!nameOf(el)) problems.push({ rule: rules[el.tagName] || 'aria-command-name', element: describe(el) });
  }
  const seen = new Map();
  for (const el of document.querySelectorAll('[id]')) seen.set(el.id, (seen.get(el.id) || 0) + 1);
  for (const [id, n] of seen) if (n > 1) problems.push({ rule: 'duplicate-id-aria', element: '#' + id, detail: n + ' elements' });
  for (const img of document.querySelectorAll('img:not([alt])')) problems.push({ rule: 'image-alt', element: describe(img) });
  if (document.querySelectorAll('h1').length !== 1) problems.push({ rule: 'page-has-heading-one', element: 'document', detail: document.querySelectorAll('h1').length + ' h1' });
  const texts = document.querySelectorAll('.badge, .button, a[href], .hint, .muted, td, th, dd, dt, label, .pending-address, .empty, p, h1, h2');
  for (const el of texts) {
    // Disabled controls are exempt from the contrast rule (WCAG 1.4.3, as in axe).
    if (el.closest('[disabled], [aria-disabled=true]')) continue;
    if (!visible(el) || !Array.from(el.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim())) continue;
    const ratio = contrast(el);
    if (ratio < 4.5) problems.push({ rule: 'color-contrast', element: describe(el), detail: ratio.toFixed(2) + ':1' });
  }
  return problems;
}`;

/** Serious problems on the page now (empty when it passes). */
export function accessibilityProblems(page: Page): Promise<A11yProblem[]> {
  return page.evaluate(([check, contrast]) => (0, eval)(check)(contrast) as A11yProblem[], [CHECK_IN_PAGE, CONTRAST_IN_PAGE] as const);
}
