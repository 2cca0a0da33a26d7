/**
 * The console's "Call this hook with a sample payload": builds GoTrue's input for the named hook from
 * made-up data (a sample user, code 123456), calls the hook's saved URI with its saved secrets through
 * the one invoker (whether or not the hook is switched on yet, so it can be tried first), and reports
 * what came back (the answer as Foyer reads it) or the error a request would have got. A Postgres
 * function runs in a transaction that is rolled back: the sample leaves no rows behind.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { AuthDeps } from '../auth/deps.js';
import { hookMetadata, invokeHook } from '../auth/hooks/invoke.js';
import type { HookName, HookPayloads } from '../auth/hooks/types.js';
import type { PublicUser } from '../auth/user-view.js';
import { withOverrides, type Config } from '../config/load.js';
import { HOOK_NAMES, envPrefix, hookSettingKeys, type HookTarget } from '../config/hook-settings.js';
import { FoyerError } from '../errors.js';
import { invalid } from './errors.js';

export interface HookTestResult {
  readonly ok: boolean;
  readonly hook: HookName;
  readonly target: 'postgres' | 'http';
  readonly enabled: boolean;
  readonly duration_ms: number;
  /** What was sent. */
  readonly payload: unknown;
  /** The answer as Foyer reads it (on success). */
  readonly response?: unknown;
  /** What a request would have been answered (on failure). */
  readonly error?: { readonly status: number; readonly code: string; readonly message: string };
}

const SAMPLE_OTP = '123456';
const SAMPLE_EMAIL = 'sample.user@example.com';
const SAMPLE_PHONE = '15555550100';

function sampleUser(now: string): PublicUser {
  const id = randomUUID();
  return {
    id,
    aud: 'authenticated',
    role: 'authenticated',
    email: SAMPLE_EMAIL,
    phone: SAMPLE_PHONE,
    confirmation_sent_at: now,
    app_metadata: { provider: 'email', providers: ['email'] },
    user_metadata: {},
    identities: [],
    created_at: now,
    updated_at: now,
    is_anonymous: false,
  };
}

function samplePayload<N extends HookName>(name: N, config: Config, ip: string | null): HookPayloads[N] {
  const now = new Date().toISOString();
  const user = sampleUser(now);
  const metadata = hookMetadata(name, ip);
  const iat = Math.floor(Date.now() / 1000);
  const payloads: { [K in HookName]: HookPayloads[K] } = {
    custom_access_token: {
      metadata,
      user_id: user.id,
      claims: {
        aud: 'authenticated',
        exp: iat + 3600,
        iat,
        sub: user.id,
        email: user.email,
        phone: user.phone,
        app_metadata: user.app_metadata,
        user_metadata: user.user_metadata,
        role: 'authenticated',
        aal: 'aal1',
        amr: [{ method: 'password', timestamp: iat }],
        session_id: randomUUID(),
        is_anonymous: false,
      },
      authentication_method: 'password',
    },
    send_email: {
      metadata,
      user,
      email_data: {
        token: SAMPLE_OTP,
        token_hash: createHash('sha224').update(SAMPLE_EMAIL + SAMPLE_OTP).digest('hex'),
        redirect_to: config.siteUrl,
        email_action_type: 'signup',
        site_url: config.apiExternalUrl,
        token_new: '',
        token_hash_new: '',
        old_email: '',
        old_phone: '',
        provider: '',
        factor_type: '',
      },
    },
    send_sms: { metadata, user, sms: { otp: SAMPLE_OTP, phone: SAMPLE_PHONE } },
    mfa_verification_attempt: { metadata, user_id: user.id, factor_id: randomUUID(), factor_type: 'totp', valid: true },
    password_verification_attempt: { metadata, user_id: user.id, valid: true },
    before_user_created: { metadata, user },
  };
  return payloads[name];
}

/** Thrown to roll the sample's transaction back with the answer in hand. */
class Answered {
  constructor(readonly value: unknown) {}
}

export function parseHookName(raw: string): HookName {
  const name = raw.replace(/-/g, '_').toLowerCase();
  if (!(HOOK_NAMES as readonly string[]).includes(name) || !hookSettingKeys[name as HookName]) {
    throw invalid(`hook must be one of ${HOOK_NAMES.join(', ')}`);
  }
  return name as HookName;
}

export async function callHookWithSample(deps: AuthDeps, name: HookName, ip: string | null): Promise<HookTestResult> {
  const keys = hookSettingKeys[name];
  if (!keys) throw invalid(`hook must be one of ${HOOK_NAMES.join(', ')}`);
  const target = deps.config[keys.uri] as HookTarget | undefined;
  if (!target) throw invalid(`${envPrefix(name)}_URI is not set: save the hook's URI first`);
  const enabled = deps.config[keys.enabled] === true;
  // Switched on for this one call only, so a hook can be tried before it is turned on.
  const config = withOverrides(deps.config, { [keys.enabled]: true } as Partial<Config>);
  const hookDeps = { db: deps.db, config };
  const payload = samplePayload(name, config, ip);
  const startedAt = performance.now();
  const base = { hook: name, target: target.kind, enabled, payload };
  try {
    let response: unknown;
    if (target.kind === 'postgres') {
      response = await deps.db
        .transaction(async (tx) => {
          throw new Answered(await invokeHook(hookDeps, name, payload, { tx }));
        })
        .catch((error: unknown) => {
          if (error instanceof Answered) return error.value;
          throw error;
        });
    } else {
      response = await invokeHook(hookDeps, name, payload);
    }
    return { ...base, ok: true, duration_ms: Math.round(performance.now() - startedAt), response };
  } catch (error) {
    if (!(error instanceof FoyerError)) throw error;
    return {
      ...base,
      ok: false,
      duration_ms: Math.round(performance.now() - startedAt),
      error: { status: error.status, code: error.code, message: error.message },
    };
  }
}
