/**
 * The honest state of abuse protection: what GET /settings shows the public, what the admin API and
 * the start banner show the operator, and the warnings for a configuration that protects less than
 * it seems to.
 */
import type { RateSetting } from '../config/parse-protection.js';
import type { Config } from '../config/load.js';
import type { CaptchaVerifier } from './captcha/verifier.js';
import type { EscalationView } from './escalation.js';
import type { ClientIpResolver } from './client-ip.js';
import { limiterNames, limiterSettings, limitOf, type LimiterName, type RateLimitSettings, type RateLimitStore } from './rate-limit.js';

export interface ProtectionSettings extends RateLimitSettings, Pick<Config, 'anonymousBudgetAction' | 'captchaAnonymous'> {
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
    : ['POST /signup', 'POST /token?grant_type=password', 'POST /token?grant_type=web3', 'POST /otp', 'POST /recover', 'POST /resend', 'POST /magiclink', 'POST /passkeys/authentication/options'];
}

const limitView = (rate: RateSetting) => ({ limit: rate.limit, window_seconds: rate.windowSeconds });

function limitsView(config: RateLimitSettings): Record<LimiterName, { limit: number; window_seconds: number }> {
  return Object.fromEntries(limiterNames.map((name) => [name, limitView(limitOf(config, name))])) as Record<
    LimiterName,
    { limit: number; window_seconds: number }
  >;
}

const budgetView = (config: ProtectionSettings) =>
  config.anonymousBudget
    ? { enabled: true, limit: config.anonymousBudget.limit, window_seconds: config.anonymousBudget.windowSeconds, over_budget: config.anonymousBudgetAction }
    : { enabled: false };

/**
 * When anonymous sign-ins need a CAPTCHA, and whether they do now: a client reads `required` to know
 * whether to show the widget (the budget can ask for one too, per request: `anonymous_budget`).
 */
const anonymousView = (escalation: EscalationView) => ({
  challenge: escalation.mode,
  required: escalation.required,
  escalated: escalation.escalated,
  difficulty: escalation.difficulty,
});

/** The Foyer-specific field of GET /settings: what a client must expect, nothing about the deployment. */
export function publicProtectionStatus({ config, captcha, escalation }: Pick<ProtectionParts, 'config' | 'captcha'> & { escalation: EscalationView }) {
  return {
    captcha: captcha.enabled
      ? { enabled: true, provider: captcha.provider ?? null, scope: captcha.scope, ...(captcha.issueChallenge ? { challenge_url: 'captcha/challenge' } : {}) }
      : { enabled: false, provider: null, scope: captcha.scope },
    anonymous_sign_ins: anonymousView(escalation),
    anonymous_budget: budgetView(config),
    rate_limits: { enabled: true, per: 'client_ip', ...limitsView(config) },
  };
}

/** The operator's view (admin API): the public view plus where counters live and how clients are told apart. */
export function adminProtectionStatus(parts: ProtectionParts & { readonly store: RateLimitStore; readonly escalation: EscalationView }) {
  const { config, captcha, clientIp } = parts;
  return {
    anonymous_sign_ins: { ...anonymousView(parts.escalation), factor: parts.escalation.factor, checked_at: parts.escalation.checked_at },
    anonymous_budget: budgetView(config),
    captcha: {
      enabled: captcha.enabled,
      provider: captcha.provider ?? null,
      scope: captcha.scope,
      endpoints: captcha.enabled ? captchaEndpoints(captcha.scope) : [],
      verify_url: captcha.verifyUrl ?? null,
      timeout_seconds: config.captchaTimeoutSeconds,
      test_secret: captcha.testSecretBehaviour ?? null,
      on_provider_failure: captcha.provider === 'altcha' ? 'verified locally (no provider to fail)' : 'fail closed (500 unexpected_failure)',
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
  if (config.anonymousUsersEnabled && (!captcha.enabled || config.captchaAnonymous === 'never') && !config.anonymousBudget) {
    warnings.push(
      `CAPTCHA is off for anonymous sign-ins and there is no project budget: a bot can create ${config.rateLimitAnonymousUsers.limit} anonymous users per IP per window, from as many IPs as it has. Set GOTRUE_SECURITY_CAPTCHA_ENABLED=true with GOTRUE_SECURITY_CAPTCHA_PROVIDER=altcha (built in) and FOYER_SECURITY_CAPTCHA_ANONYMOUS=spike, or FOYER_ANONYMOUS_BUDGET.`,
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

const anonymousModeText = (mode: ProtectionSettings['captchaAnonymous']): string =>
  mode === 'always' ? 'always challenged' : mode === 'spike' ? 'challenged only during a sign-up spike (escalation)' : 'never challenged';

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
    `  CAPTCHA:                  ${captcha.enabled ? `${captcha.provider}, ${captcha.scope === 'all' ? 'GoTrue endpoints' : 'anonymous sign-ins only'}; anonymous sign-ins: ${anonymousModeText(config.captchaAnonymous)}` : 'off'}`,
    `  Rate limits:              anonymous ${anon.limit}/${anon.windowSeconds}s per IP, counters in ${store}${store === 'memory' ? ' (this process)' : ' (shared)'}, client IP = ${clientSource}`,
  ];
  if (config.anonymousBudget) {
    lines.push(
      `  Anonymous budget:         ${config.anonymousBudget.limit}/${config.anonymousBudget.windowSeconds}s for the whole project, then ${config.anonymousBudgetAction === 'refuse' ? 'refused (429)' : 'a CAPTCHA is required'}`,
    );
  }
  for (const warning of protectionWarnings(parts, store)) lines.push(`  WARNING: ${warning}`);
  return lines;
}
