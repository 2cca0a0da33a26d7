/**
 * The anon and service_role API keys: long-lived JWTs signed with the project's key, as Supabase's.
 * Fixed iat/exp make them deterministic for HMAC keys, so they stay the same across restarts.
 */
import type { Keyring } from './jwt.js';

const ISSUED_AT_SECONDS = 1735689600; // 2025-01-01T00:00:00Z
const LIFETIME_SECONDS = 20 * 365 * 24 * 3600;

export interface ApiKeys {
  readonly anonKey: string;
  readonly serviceRoleKey: string;
}

export async function deriveApiKeys(keyring: Keyring): Promise<ApiKeys> {
  const claims = (role: string) => ({ iss: 'supabase', role, iat: ISSUED_AT_SECONDS, exp: ISSUED_AT_SECONDS + LIFETIME_SECONDS });
  const [anonKey, serviceRoleKey] = await Promise.all([keyring.sign(claims('anon')), keyring.sign(claims('service_role'))]);
  return { anonKey, serviceRoleKey };
}
