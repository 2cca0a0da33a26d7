/**
 * Where a flow may send the browser, decided as GoTrue decides it:
 * 1. back to SITE_URL's site: same scheme and host, and the same port, or any port when the host is a
 *    loopback name (RFC 8252 §7.3 lets native apps pick a port; only loopback hosts, never others);
 * 2. never to a host written as one decimal number (`http://2130706433/`); a host that is an IP address
 *    is allowed exactly when it is a loopback address; an http(s) host with unusual characters is refused;
 * 3. otherwise only when the URL, without its fragment, matches a GOTRUE_URI_ALLOW_LIST glob
 *    (src/config/uri-glob.ts: `*` stops at `.` and `/`, `**` crosses them).
 * Anything else falls back to SITE_URL, so a crafted link cannot carry tokens to a foreign site.
 * The host is read from the URL as written: WHATWG parsing would turn `2130706433` into `127.0.0.1`.
 */
import { isIP } from 'node:net';
import type { Config } from '../config/load.js';
import { compileUriGlob } from '../config/uri-glob.js';

/** The hosts whose port may differ from SITE_URL's (GoTrue's list). */
const loopbackNames = new Set(['localhost', '127.0.0.1', '::1', '0.0.0.0', '::']);
const decimalNumberHost = /^[0-9]+$/;
const regularHostname = /^[a-zA-Z0-9]([a-zA-Z0-9.-]*[a-zA-Z0-9])?$/;

interface WrittenUrl {
  readonly scheme: string;
  /** Without brackets for IPv6, as written otherwise (not lowercased, not normalised). */
  readonly hostname: string;
  /** As written; '' when absent. */
  readonly port: string;
}

/** Scheme, host and port as the URL spells them; undefined when it is not an absolute URL. */
function readWrittenUrl(candidate: string): WrittenUrl | undefined {
  try {
    new URL(candidate);
  } catch {
    return undefined;
  }
  const match = /^([a-zA-Z][a-zA-Z0-9+.-]*):(?:\/\/([^/?#]*))?/.exec(candidate);
  if (!match) return undefined;
  const authority = match[2] ?? '';
  const hostAndPort = authority.slice(authority.lastIndexOf('@') + 1);
  const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(hostAndPort);
  if (bracketed) return { scheme: match[1].toLowerCase(), hostname: bracketed[1], port: bracketed[2] ?? '' };
  const colon = hostAndPort.lastIndexOf(':');
  return colon === -1
    ? { scheme: match[1].toLowerCase(), hostname: hostAndPort, port: '' }
    : { scheme: match[1].toLowerCase(), hostname: hostAndPort.slice(0, colon), port: hostAndPort.slice(colon + 1) };
}

function isLoopbackAddress(address: string): boolean {
  const version = isIP(address);
  if (version === 4) return address.startsWith('127.');
  if (version !== 6) return false;
  const lower = address.toLowerCase();
  if (lower === '::1' || /^0{0,4}(:0{0,4}){6}:0{0,3}1$/.test(lower)) return true;
  const mapped = /^(?:0{0,4}:){0,5}:?ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  return mapped !== null && mapped[1].startsWith('127.');
}

const patternsCache = new WeakMap<readonly string[], RegExp[]>();

function allowListPatterns(globs: readonly string[]): RegExp[] {
  let patterns = patternsCache.get(globs);
  if (!patterns) {
    patterns = globs.map(compileUriGlob);
    patternsCache.set(globs, patterns);
  }
  return patterns;
}

export function isAllowedRedirect(config: Pick<Config, 'siteUrl' | 'uriAllowList'>, candidate: string): boolean {
  const target = readWrittenUrl(candidate);
  const site = readWrittenUrl(config.siteUrl);
  if (!target || !site) return false;
  const targetHost = target.hostname.toLowerCase();
  if (targetHost === site.hostname.toLowerCase() && target.scheme === site.scheme) {
    if (target.port === site.port || loopbackNames.has(targetHost)) return true;
  }
  if (decimalNumberHost.test(target.hostname)) return false;
  if (isIP(target.hostname)) return isLoopbackAddress(target.hostname);
  const isHttp = target.scheme === 'http' || target.scheme === 'https';
  if (isHttp && !regularHostname.test(target.hostname)) return false;
  const withoutFragment = candidate.split('#', 1)[0];
  return allowListPatterns(config.uriAllowList).some((pattern) => pattern.test(withoutFragment));
}

/** The redirect to use: `candidate` when allowed, else SITE_URL. */
export function resolveRedirect(config: Pick<Config, 'siteUrl' | 'uriAllowList'>, candidate: string | undefined | null): string {
  return candidate && isAllowedRedirect(config, candidate) ? candidate : config.siteUrl;
}
