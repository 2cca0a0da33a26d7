/**
 * Where a flow may send the browser: SITE_URL's origin (any port when both are loopback) or a glob of
 * GOTRUE_URI_ALLOW_LIST (`*` stops at `.` and `/`, `**` crosses them). Anything else falls back to
 * SITE_URL, so a crafted link cannot carry tokens to a foreign site.
 */
import type { Config } from '../config/load.js';

const loopbackHosts = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

function globToRegExp(glob: string): RegExp {
  let pattern = '';
  for (let i = 0; i < glob.length; i += 1) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      pattern += '.*';
      i += 1;
    } else if (c === '*') pattern += '[^./]*';
    else if (c === '?') pattern += '[^./]';
    else pattern += c.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  return new RegExp(`^${pattern}$`);
}

const patternsCache = new WeakMap<readonly string[], RegExp[]>();

export function isAllowedRedirect(config: Pick<Config, 'siteUrl' | 'uriAllowList'>, candidate: string): boolean {
  let target: URL;
  try {
    target = new URL(candidate);
  } catch {
    return false;
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:' && !config.uriAllowList.length) return false;
  const site = new URL(config.siteUrl);
  if (target.protocol === site.protocol && target.hostname === site.hostname) {
    if (target.port === site.port) return true;
    if (loopbackHosts.has(target.hostname)) return true;
  }
  let patterns = patternsCache.get(config.uriAllowList);
  if (!patterns) {
    patterns = config.uriAllowList.map(globToRegExp);
    patternsCache.set(config.uriAllowList, patterns);
  }
  return patterns.some((pattern) => pattern.test(candidate));
}

/** The redirect to use: `candidate` when allowed, else SITE_URL. */
export function resolveRedirect(config: Pick<Config, 'siteUrl' | 'uriAllowList'>, candidate: string | undefined | null): string {
  return candidate && isAllowedRedirect(config, candidate) ? candidate : config.siteUrl;
}
