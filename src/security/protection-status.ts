/**
 * The honest state of abuse protection: what GET /settings shows the public, what the admin API and
 * the start banner show the operator, and the warnings for a configuration that protects less than
 * it seems to.
 */
import type { RateSetting } from '../config/parse-protection.js';
import type { CaptchaVerifier } from './captcha/verifier.js';
import type { ClientIpResolver } from './client-ip.js';
import { limiterNames, limiterSettings, limitOf, type LimiterName, type RateLimitSettings, type RateLimitStore } from './rate-limit.js';

export interface ProtectionSettings extends RateLimitSettings {
  readonly embedded: boolean;
  readonly anonymousUsersEnabled: boolean;
  readonly rateLimitHeader: string | undefined;
  readonly trustedProxies: readonly string[];
  readonly captchaTimeoutSeconds: number;
}

export interface ProtectionParts {
  readonly config: ProtectionSettings;
  readonly captcha: CaptchaVerifier;
  readonly clientIp: ClientIpResolver;
}

/** Which endpoints CAPTCHA covers, given its scope. */
export function captchaEndpoints(scope: 'all' | 'anonymous'): string[] {
  return scope === 'anonymous'
    ? ['POST /signup (anonymous)']
    : ['POST /signup', 'POST /token?grant_type=password', 'POST /otp', 'POST /recover', 'POST /resend', 'POST /magiclink', 'POST /passkeys/authentication/options'];
}

const limitView = (rate: RateSetting) => ({ limit: rate.limit, window_seconds: rate.windowSeconds });

function limitsView(config: RateLimitSettings): Record<LimiterName, { limit: number; window_seconds: number }> {
  return Object.fromEntries(limiterNames.map((name) => [name, limitView(limitOf(config, name))])) as Record<
    LimiterName,
    { limit: number; window_seconds: number }
  >;
}

/** The Foyer-specific field of GET /settings: what a client must expect, nothing about the deployment. */
export function publicProtectionStatus({ config, captcha }: Pick<ProtectionParts, 'config' | 'captcha'>) {
  return {
    captcha: captcha.enabled
      ? { enabled: true, provider: captcha.provider ?? null, scope: captcha.scope }
      : { enabled: false, provider: null, scope: captcha.scope },
    rate_limits: { enabled: true, per: 'client_ip', ...limitsView(config) },
  };
}

/** The operator's view (admin API): the public view plus where counters live and how clients are told apart. */
export function adminProtectionStatus(parts: ProtectionParts & { readonly store: RateLimitStore }) {
  const { config, captcha, clientIp } = parts;
  return {
    captcha: {
      enabled: captcha.enabled,
      provider: captcha.provider ?? null,
      scope: captcha.scope,
      endpoints: captcha.enabled ? captchaEndpoints(captcha.scope) : [],
      verify_url: captcha.verifyUrl ?? null,
      timeout_seconds: config.captchaTimeoutSeconds,
      test_secret: captcha.testSecretBehaviour ?? null,
      on_provider_failure: 'fail closed (500 unexpected_failure)',
    },
    rate_limits: {
      enabled: true,
      store: parts.store,
      shared_across_processes: parts.store !== 'memory',
      client_ip: {
        source: clientIp.source,
        trusted_proxies: config.trustedProxies,
        rate_limit_header: config.rateLimitHeader ?? null,
        rate_limit_header_used: clientIp.source.startsWith('header:'),
        ipv6_bucket: '/64',
      },
      limits: limitsView(config),
    },
    warnings: protectionWarnings(parts, parts.store),
  };
}

/** Everything that makes protection weaker than it looks, one sentence each, with the fix. */
export function protectionWarnings(parts: ProtectionParts, store: RateLimitStore): string[] {
  const { config, captcha } = parts;
  const warnings: string[] = [];
  if (config.anonymousUsersEnabled && !captcha.enabled) {
    warnings.push(
      `CAPTCHA is off while anonymous sign-ins are on: a bot can create ${config.rateLimitAnonymousUsers.limit} anonymous users per IP per window. Set GOTRUE_SECURITY_CAPTCHA_ENABLED=true, _PROVIDER and _SECRET.`,
    );
  }
  if (captcha.enabled && captcha.testSecretBehaviour) {
    warnings.push(
      `GOTRUE_SECURITY_CAPTCHA_SECRET is the ${captcha.provider} test secret (${captcha.testSecretBehaviour}): it protects nothing. Use your real secret key outside tests.`,
    );
  }
  if (config.rateLimitHeader && config.trustedProxies.length === 0) {
    warnings.push(
      `GOTRUE_RATE_LIMIT_HEADER=${config.rateLimitHeader} is ignored because FOYER_TRUSTED_PROXIES is empty (any client could send that header). Limits are keyed on the socket address; behind a proxy that is the proxy's, so all clients share one bucket. Set FOYER_TRUSTED_PROXIES to your proxy's addresses.`,
    );
  }
  if (store === 'memory' && !config.embedded) {
    warnings.push(
      'FOYER_RATE_LIMIT_STORE=memory on PostgreSQL: every Foyer process counts on its own, so N processes admit N times each limit. Use postgres (the default) or redis.',
    );
  }
  if (config.anonymousUsersEnabled && config.rateLimitAnonymousUsers.limit === 0) {
    warnings.push(`${limiterSettings.anonymous_users} is 0: every anonymous sign-in is refused with 429.`);
  }
  return warnings;
}

/** The start banner's lines about abuse protection, warnings last (aligned with the banner's labels). */
export function protectionBannerLines(parts: ProtectionParts, store: RateLimitStore): string[] {
  const { config, captcha, clientIp } = parts;
  const anon = config.rateLimitAnonymousUsers;
  const clientSource =
    clientIp.source === 'socket'
      ? 'socket address'
      : clientIp.source === 'x-forwarded-for'
        ? `X-Forwarded-For via ${config.trustedProxies.length} trusted proxy range(s)`
        : `${clientIp.source.slice('header:'.length)} header from trusted proxies`;
  const lines = [
    `  CAPTCHA:                  ${captcha.enabled ? `${captcha.provider}, ${captcha.scope === 'all' ? 'GoTrue endpoints' : 'anonymous sign-ins only'}` : 'off'}`,
    `  Rate limits:              anonymous ${anon.limit}/${anon.windowSeconds}s per IP, counters in ${store}${store === 'memory' ? ' (this process)' : ' (shared)'}, client IP = ${clientSource}`,
  ];
  for (const warning of protectionWarnings(parts, store)) lines.push(`  WARNING: ${warning}`);
  return lines;
}
