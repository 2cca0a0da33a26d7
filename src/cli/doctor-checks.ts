/**
 * `foyer doctor`'s configuration checks: the seed guide's troubleshooting list (anonymous flag read as
 * a string, manual linking, CAPTCHA secret, limits keyed on a trusted IP, JWT keys consistent) plus
 * Foyer's own settings. Each finding names the problem and its fix. No I/O here (see doctor.ts).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { unknownGotrueVariables, unknownVariablesWarning } from '../config/gotrue-variables.js';
import { ConfigError, loadConfig, type Config, type Env } from '../config/load.js';
import { createCaptchaVerifier } from '../security/captcha/verifier.js';
import { createClientIpResolver } from '../security/client-ip.js';
import { createKeyring, type Keyring } from '../security/jwt.js';
import { protectionWarnings } from '../security/protection-status.js';
import { providerRegistry } from '../auth/oauth/providers.js';

export type Status = 'ok' | 'warn' | 'problem';

export interface Finding {
  readonly check: string;
  readonly status: Status;
  readonly message: string;
  readonly fix?: string;
}

const ANONYMOUS = 'GOTRUE_EXTERNAL_ANONYMOUS_USERS_ENABLED';
const LINKING = 'GOTRUE_SECURITY_MANUAL_LINKING_ENABLED';
const CAPTCHA_SECRET = 'GOTRUE_SECURITY_CAPTCHA_SECRET';
/** Variables whose load errors a dedicated check below explains better. */
const explainedElsewhere = [ANONYMOUS, LINKING, CAPTCHA_SECRET];

export interface LoadedForDoctor {
  /** The configuration, loaded without the variables that fail (so the other checks still run). */
  readonly config: Config | undefined;
  readonly configErrors: readonly string[];
}

/** A variable that is only required because of others: dropping those lets the rest load. */
const requiredBy: Readonly<Record<string, readonly string[]>> = {
  GOTRUE_SECURITY_CAPTCHA_SECRET: ['GOTRUE_SECURITY_CAPTCHA_ENABLED', 'SECURITY_CAPTCHA_ENABLED'],
  GOTRUE_SECURITY_CAPTCHA_PROVIDER: ['GOTRUE_SECURITY_CAPTCHA_ENABLED', 'SECURITY_CAPTCHA_ENABLED'],
  REDIS_URL: ['FOYER_RATE_LIMIT_STORE'],
};

export function loadForDoctor(env: Env): LoadedForDoctor {
  const errors: string[] = [];
  let attempt: Record<string, string | undefined> = { ...env };
  for (let round = 0; round < 5; round += 1) {
    try {
      return { config: loadConfig(attempt), configErrors: errors };
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      const lines = error.message
        .split('\n')
        .filter((line) => line.startsWith('  - '))
        .map((line) => line.replace(/^\s*-\s*/, ''));
      const fresh = lines.filter((line) => !errors.includes(line));
      errors.push(...fresh);
      const named = fresh.map((line) => /^([A-Z][A-Z0-9_]*)/.exec(line)?.[1]).filter((name): name is string => Boolean(name));
      if (named.length === 0) break;
      attempt = { ...attempt };
      for (const name of named) for (const dropped of [name, ...(requiredBy[name] ?? [])]) delete attempt[dropped];
    }
  }
  return { config: undefined, configErrors: errors };
}

/** How a boolean variable is written: quoted, padded or in a form only Go's ParseBool accepts. */
function booleanSpelling(env: Env, name: string): Finding | undefined {
  const raw = env[name];
  if (raw === undefined || raw === 'true' || raw === 'false') return undefined;
  const check = `${name} spelling`;
  if (/^\s*(["']).*\1\s*$/.test(raw)) {
    return {
      check,
      status: 'problem',
      message: `${name} is ${JSON.stringify(raw)}: the quotes are part of the value, so it is not the string true`,
      fix: `In docker-compose.yml write \`${name}: "true"\` (YAML quotes) or \`- ${name}=true\` in a list; in .env write ${name}=true.`,
    };
  }
  if (raw.trim() !== raw) {
    return { check, status: 'problem', message: `${name} is ${JSON.stringify(raw)}: it has spaces around the value`, fix: `Set ${name}=true (or false) without spaces.` };
  }
  if (['1', 't', 'T', 'TRUE', 'True', '0', 'f', 'F', 'FALSE', 'False'].includes(raw)) {
    return {
      check,
      status: 'warn',
      message: `${name}=${raw} is accepted (Go's ParseBool), but other tools reading the same file may not`,
      fix: `Write ${name}: "${/^(1|t|T|TRUE|True)$/.test(raw) ? 'true' : 'false'}" (a string, as the guide says).`,
    };
  }
  return {
    check,
    status: 'problem',
    message: `${name} is ${JSON.stringify(raw)}, which is neither true nor false: Foyer (like GoTrue) refuses to start`,
    fix: `Set ${name}: "true" or "false" — a quoted string in docker-compose.yml, since YAML's bare true is a boolean compose rejects.`,
  };
}

function anonymousChecks(env: Env, config: Config | undefined): Finding[] {
  const findings: Finding[] = [];
  const spelling = booleanSpelling(env, ANONYMOUS);
  if (spelling) findings.push(spelling);
  if (env[ANONYMOUS] === undefined && env.ENABLE_ANONYMOUS_USERS !== undefined) {
    findings.push({
      check: 'anonymous sign-ins',
      status: 'problem',
      message: `ENABLE_ANONYMOUS_USERS=${env.ENABLE_ANONYMOUS_USERS} is set, but that is only the .env name: the auth service reads ${ANONYMOUS}, which is unset`,
      fix: `Map it in docker-compose.yml: \`${ANONYMOUS}: \${ENABLE_ANONYMOUS_USERS}\` (or set ${ANONYMOUS}=true directly).`,
    });
  } else if (config && !spelling) {
    findings.push(
      config.anonymousUsersEnabled
        ? { check: 'anonymous sign-ins', status: 'ok', message: `on (${env[ANONYMOUS] === undefined ? 'the embedded default' : `${ANONYMOUS}=${env[ANONYMOUS]}`})` }
        : {
            check: 'anonymous sign-ins',
            status: 'warn',
            message: 'off: signInAnonymously() answers anonymous_provider_disabled',
            fix: `Set ${ANONYMOUS}: "true" if your app signs users in anonymously.`,
          },
    );
  }
  return findings;
}

function linkingChecks(env: Env, config: Config | undefined): Finding[] {
  const spelling = booleanSpelling(env, LINKING);
  if (spelling) return [spelling];
  if (!config) return [];
  if (config.anonymousUsersEnabled && !config.manualLinkingEnabled) {
    let providers: readonly string[] = [];
    try {
      providers = providerRegistry(config).names;
    } catch {
      // An incomplete provider is reported by the configuration check.
    }
    // Email and phone conversion (updateUser) work without it; linking an OAuth identity does not.
    return [{
      check: 'manual linking',
      status: providers.length ? 'problem' : 'warn',
      message:
        `off: anonymous users cannot link an identity (linkIdentity answers manual_linking_disabled)` +
        (providers.length ? `, so they cannot convert with ${providers.join(', ')}` : '; they can still convert by email or phone (updateUser)'),
      fix: `Set ${LINKING}: "true".`,
    }];
  }
  return [{ check: 'manual linking', status: 'ok', message: config.manualLinkingEnabled ? 'on' : 'off (anonymous sign-ins are off too)' }];
}

function captchaChecks(config: Config | undefined, problems: readonly string[]): Finding[] {
  const findings: Finding[] = [];
  if (problems.some((line) => line.startsWith(CAPTCHA_SECRET))) {
    findings.push({
      check: 'CAPTCHA',
      status: 'problem',
      message: 'CAPTCHA is enabled without a secret key: every protected request would fail (Foyer refuses to start)',
      fix: `Set ${CAPTCHA_SECRET} (or SECURITY_CAPTCHA_SECRET in .env) to the secret key from your hCaptcha/Turnstile dashboard; the site key belongs in your frontend.`,
    });
  }
  if (!config) return findings;
  if (!config.captchaEnabled && config.captchaSecret) {
    findings.push({
      check: 'CAPTCHA',
      status: 'warn',
      message: `${CAPTCHA_SECRET} is set but CAPTCHA is off, so tokens are never checked`,
      fix: 'Set GOTRUE_SECURITY_CAPTCHA_ENABLED=true and GOTRUE_SECURITY_CAPTCHA_PROVIDER (hcaptcha, turnstile, or altcha: built in).',
    });
  }
  if (config.captchaEnabled && config.captchaSecret && findings.length === 0) {
    findings.push({ check: 'CAPTCHA', status: 'ok', message: `${config.captchaProvider} with a secret key, scope ${config.captchaScope}` });
  }
  return findings;
}

function protectionChecks(config: Config): Finding[] {
  const captcha = createCaptchaVerifier(config);
  const clientIp = createClientIpResolver(config);
  const warnings = protectionWarnings({ config, captcha, clientIp }, config.rateLimitStore);
  const findings: Finding[] = warnings.map((warning) => {
    const [message, ...fix] = warning.split(/(?<=\.) (?=(?:Set|Use) )/);
    const keyedOnIp = /RATE_LIMIT_HEADER|RATE_LIMIT_STORE=memory/.test(warning);
    const testSecret = /test secret/.test(warning);
    return {
      check: keyedOnIp ? 'rate limits keyed on a trusted IP' : 'CAPTCHA',
      status: keyedOnIp || testSecret ? 'problem' : 'warn',
      message,
      fix: fix.join(' ') || undefined,
    };
  });
  const everything = config.trustedProxies.find((entry) => /^(0\.0\.0\.0\/0|::\/0)$/.test(entry.trim()));
  if (everything) {
    findings.push({
      check: 'rate limits keyed on a trusted IP',
      status: 'problem',
      message: `FOYER_TRUSTED_PROXIES contains ${everything}: every client is a trusted proxy, so anyone can pick their IP with X-Forwarded-For and escape the limits`,
      fix: 'List only your proxies’ addresses or CIDRs (e.g. 10.0.0.0/8, loopback).',
    });
  }
  if (!findings.some((finding) => finding.check === 'rate limits keyed on a trusted IP')) {
    findings.push({
      check: 'rate limits keyed on a trusted IP',
      status: 'ok',
      message: `keyed on ${clientIp.source}${config.trustedProxies.length ? ` (trusted proxies: ${config.trustedProxies.join(', ')})` : ''}, counters in ${config.rateLimitStore}`,
    });
  }
  return findings;
}

function jwtChecks(env: Env, config: Config): Finding[] {
  const findings: Finding[] = [];
  const check = 'JWT keys';
  for (const name of ['JWT_SECRET', 'PGRST_JWT_SECRET']) {
    const other = env[name];
    if (other && config.jwtSecret && other !== config.jwtSecret) {
      findings.push({
        check,
        status: 'problem',
        message: `${name} differs from GOTRUE_JWT_SECRET: tokens Foyer signs will be refused by the services that use ${name}`,
        fix: `Use one secret for every service (GOTRUE_JWT_SECRET: \${JWT_SECRET} in docker-compose.yml).`,
      });
    }
  }
  if (config.embedded && config.jwtSecret && existsSync(join(resolve(config.dataDir), 'jwt-secret'))) {
    findings.push({
      check,
      status: 'warn',
      message: `GOTRUE_JWT_SECRET is set, so the secret Foyer generated in ${join(resolve(config.dataDir), 'jwt-secret')} is ignored (keys printed earlier no longer match)`,
      fix: 'Keep one of them: unset GOTRUE_JWT_SECRET, or delete the file; then `foyer keys` prints the keys in use.',
    });
  }
  if (!config.jwtSecret && !config.jwtKeys) {
    findings.push({ check, status: 'ok', message: 'embedded mode: a generated HS256 secret in FOYER_DATA_DIR (`foyer keys` prints the API keys)' });
    return findings;
  }
  let keyring: Keyring;
  try {
    keyring = createKeyring({ secret: config.jwtSecret, secretKeyId: config.jwtKeyId, jwks: config.jwtKeys, validMethods: config.jwtValidMethods });
  } catch (error) {
    return [...findings, { check, status: 'problem', message: (error as Error).message, fix: 'Correct GOTRUE_JWT_KEYS / GOTRUE_JWT_SECRET.' }];
  }
  for (const [name, role] of [['ANON_KEY', 'anon'], ['SERVICE_ROLE_KEY', 'service_role'], ['SUPABASE_ANON_KEY', 'anon'], ['SUPABASE_SERVICE_KEY', 'service_role']] as const) {
    const key = env[name]?.trim();
    if (!key) continue;
    try {
      const claims = keyring.verify(key);
      if (claims.role !== role) {
        findings.push({ check, status: 'problem', message: `${name} has role ${JSON.stringify(claims.role)}, not ${role}`, fix: `Put the ${role} key printed by \`foyer keys\` in ${name}.` });
      } else {
        findings.push({ check, status: 'ok', message: `${name} is signed with Foyer's key and has role ${role}` });
      }
    } catch (error) {
      findings.push({
        check,
        status: 'problem',
        message: `${name} does not verify with Foyer's key (${(error as Error).message}): clients using it are refused`,
        fix: `Regenerate it from the same secret: \`foyer keys\` prints matching anon and service_role keys.`,
      });
    }
  }
  if (!findings.some((finding) => finding.status !== 'ok')) {
    findings.push({ check, status: 'ok', message: config.jwtKeys ? 'GOTRUE_JWT_KEYS load; one key signs' : 'GOTRUE_JWT_SECRET is long enough' });
  }
  return findings;
}

function cleanupChecks(config: Config): Finding[] {
  const check = 'anonymous cleanup';
  if (config.cleanupEnabled) {
    return [{
      check,
      status: config.cleanupKeepDataOwners ? 'ok' : 'warn',
      message: `every ${config.cleanupIntervalSeconds}s, after ${config.cleanupInactiveDays} days without sign-in or refresh; data owners ${config.cleanupKeepDataOwners ? 'kept' : 'DELETED with their cascading rows'}`,
      fix: config.cleanupKeepDataOwners ? undefined : 'Check `foyer cleanup --dry-run` before each change; FOYER_ANONYMOUS_CLEANUP_KEEP_DATA_OWNERS=true keeps them.',
    }];
  }
  if (!config.anonymousUsersEnabled) return [{ check, status: 'ok', message: 'off (anonymous sign-ins are off)' }];
  return [{
    check,
    status: 'warn',
    message: `off: stale anonymous users accumulate${config.dbCleanupEnabled ? ' (GOTRUE_DB_CLEANUP_ENABLED only removes expired tokens and sessions, never users)' : ''}`,
    fix: 'Preview with `foyer cleanup --dry-run`, then set FOYER_ANONYMOUS_CLEANUP_ENABLED=true (data owners are kept).',
  }];
}

/** Every check that needs no network or database. */
export function configChecks(env: Env, loaded: LoadedForDoctor): Finding[] {
  const { config, configErrors } = loaded;
  const findings: Finding[] = configErrors
    .filter((line) => !explainedElsewhere.some((name) => line.startsWith(name)))
    .map((line) => ({
      check: 'settings',
      status: 'problem' as const,
      message: line,
      fix: line.includes('which Foyer does not have')
        ? "docs/configuration.md (GoTrue's variables) says what Foyer does instead."
        : 'Correct the value (`foyer config` lists what each variable accepts).',
    }));
  const unknown = unknownGotrueVariables(env);
  if (unknown.length > 0) {
    findings.push({
      check: 'GoTrue variables',
      status: 'warn',
      message: unknownVariablesWarning(unknown),
      fix: 'Correct the name if it is a typo, or remove it (`foyer config --gotrue` lists the names GoTrue reads).',
    });
  }
  findings.push(...anonymousChecks(env, config), ...linkingChecks(env, config), ...captchaChecks(config, configErrors));
  if (config) findings.push(...protectionChecks(config), ...jwtChecks(env, config), ...cleanupChecks(config));
  return findings;
}
