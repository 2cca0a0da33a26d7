/**
 * Parsers for the abuse-protection settings (CAPTCHA, rate limits, client IP), and the checks that
 * span several of them. Blank values count as unset: `${SECURITY_CAPTCHA_ENABLED}` in a compose file
 * with nothing behind it arrives as "" and must mean "the default", not a start-up failure.
 */
import { isIP } from 'node:net';
import { captchaProblems } from './captcha-settings.js';
import { ConfigError, parseDurationSeconds } from './parse.js';

export const isBlank = (raw: string | undefined): raw is undefined => raw === undefined || raw.trim() === '';

/** A limit over a window: GoTrue's plain number (per its fixed window), or Foyer's `N/<duration>`. */
export interface RateSetting {
  readonly limit: number;
  readonly windowSeconds: number;
}

export function parseRate(variable: string, raw: string, defaultWindowSeconds: number): RateSetting {
  const value = raw.trim();
  const [countText, windowText, ...rest] = value.split('/');
  const count = Number(countText.trim());
  if (rest.length > 0 || countText.trim() === '' || !Number.isFinite(count) || count < 0) {
    throw new ConfigError(
      `${variable} must be a number of requests (e.g. 30) or requests per duration (e.g. 30/1h), at least 0, got ${JSON.stringify(raw)}`,
    );
  }
  let windowSeconds = defaultWindowSeconds;
  if (windowText !== undefined) {
    windowSeconds = parseDurationSeconds(variable, windowText);
    if (windowSeconds < 1) throw new ConfigError(`${variable}: the duration after "/" must be at least 1s, got ${JSON.stringify(raw)}`);
  }
  // A fixed window admits whole requests: 2.5 per hour admits 2, 0.5 admits none (as GoTrue's burst does).
  return { limit: Math.floor(count), windowSeconds: Math.round(windowSeconds) };
}

/** proxy-addr's named ranges, accepted as Fastify's trustProxy accepts them. */
export const namedProxyRanges: Readonly<Record<string, readonly string[]>> = {
  loopback: ['127.0.0.0/8', '::1/128'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

/** Comma-separated IPs, CIDRs, or the names loopback, linklocal, uniquelocal; normalised to CIDRs. */
export function parseTrustedProxies(variable: string, raw: string): string[] {
  const entries = raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  const cidrs: string[] = [];
  for (const entry of entries) {
    const named = namedProxyRanges[entry.toLowerCase()];
    if (named) {
      cidrs.push(...named);
      continue;
    }
    const [address, prefixText, ...rest] = entry.split('/');
    const family = isIP(address);
    const bits = family === 4 ? 32 : 128;
    const prefix = prefixText === undefined ? bits : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
    if (family === 0 || rest.length > 0 || !(prefix >= 0 && prefix <= bits)) {
      throw new ConfigError(
        `${variable} must be a comma-separated list of IP addresses, CIDR ranges (10.0.0.0/8, fd00::/8) or loopback, linklocal, uniquelocal; ${JSON.stringify(entry)} is none of these`,
      );
    }
    cidrs.push(`${address}/${prefix}`);
  }
  return cidrs;
}

/** An HTTP header name (RFC 9110 token), lower-cased as Node presents headers. */
export function parseHeaderName(variable: string, raw: string): string {
  const value = raw.trim();
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(value)) {
    throw new ConfigError(`${variable} must be an HTTP header name such as X-Real-IP, got ${JSON.stringify(raw)}`);
  }
  return value.toLowerCase();
}

export function parseRedisUrl(variable: string, raw: string): string {
  const value = raw.trim();
  let ok = false;
  try {
    const url = new URL(value);
    ok = url.protocol === 'redis:' || url.protocol === 'rediss:';
  } catch {
    ok = false;
  }
  if (!ok) throw new ConfigError(`${variable} must be a redis:// or rediss:// URL, got a value starting ${JSON.stringify(value.slice(0, 9))}`);
  return value;
}

export function parseKeyPrefix(variable: string, raw: string): string {
  const value = raw.trim();
  if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(value)) {
    throw new ConfigError(`${variable} must be 1 to 64 letters, digits or _ . : -, got ${JSON.stringify(raw)}`);
  }
  return value;
}

/** Checks that span several settings; each problem names the variable to set and what it accepts. */
export function protectionProblems(values: Readonly<Record<string, unknown>>): string[] {
  const problems: string[] = [];
  problems.push(...captchaProblems(values));
  if (values.rateLimitStore === 'redis' && values.redisUrl === undefined) {
    problems.push('REDIS_URL is required when FOYER_RATE_LIMIT_STORE=redis (e.g. redis://127.0.0.1:6379)');
  }
  return problems;
}
