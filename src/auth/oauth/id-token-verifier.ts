/**
 * Verifying a provider's ID token (GoTrue's ParseIDToken): signature against the issuer's keys (jose's
 * remote JWKS, fetched once and cached — refetched on an unknown `kid`), issuer, audience (one of the
 * client ids), expiry, and at_hash when an access token comes with it. The keys are found through the
 * issuer's discovery document; documents and key sets are cached per issuer for the process.
 */
import { createHash } from 'node:crypto';
import type { createRemoteJWKSet, JWTPayload } from 'jose';
import { FoyerError } from '../../errors.js';
import { loadJose } from '../../security/jose-library.js';

const DISCOVERY_TIMEOUT_MS = 10_000;

type KeySet = ReturnType<typeof createRemoteJWKSet>;
const keySets = new Map<string, Promise<KeySet>>();

/** The key set of `issuer`, from `<issuer>/.well-known/openid-configuration` (or a known jwks_uri). */
export function issuerKeys(issuer: string, jwksUri?: string): Promise<KeySet> {
  const cacheKey = `${issuer} ${jwksUri ?? ''}`;
  let keys = keySets.get(cacheKey);
  if (!keys) {
    keys = (async () => {
      const uri = jwksUri ?? (await discoverJwksUri(issuer));
      const { createRemoteJWKSet } = await loadJose();
      return createRemoteJWKSet(new URL(uri), { timeoutDuration: DISCOVERY_TIMEOUT_MS });
    })();
    // A failure is not kept: the next request tries again.
    keys.catch(() => keySets.delete(cacheKey));
    keySets.set(cacheKey, keys);
  }
  return keys;
}

async function discoverJwksUri(issuer: string): Promise<string> {
  const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  let document: { jwks_uri?: unknown };
  try {
    const response = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(DISCOVERY_TIMEOUT_MS) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    document = (await response.json()) as { jwks_uri?: unknown };
  } catch (error) {
    throw new FoyerError('unexpected_failure', `Could not read the OpenID configuration of ${issuer}: ${(error as Error).message}`);
  }
  if (typeof document.jwks_uri !== 'string') throw new FoyerError('unexpected_failure', `${issuer} publishes no jwks_uri`);
  return document.jwks_uri;
}

/** The issuer an unverified token claims: only to pick which keys to check it with. */
export async function claimedIssuer(idToken: string): Promise<string> {
  const { decodeJwt } = await loadJose();
  try {
    const iss = decodeJwt(idToken).iss;
    if (typeof iss === 'string' && iss !== '') return iss;
  } catch {
    // reported below
  }
  throw new FoyerError('validation_failed', 'Bad ID token: no issuer');
}

/** OpenID Connect's at_hash: the left half of the access token's hash, with the ID token's hash size. */
function accessTokenHash(accessToken: string, alg: string): string {
  const bits = /512$|^EdDSA$|^Ed25519$/.test(alg) ? 512 : /384$/.test(alg) ? 384 : 256;
  const digest = createHash(`sha${bits}`).update(accessToken).digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}

export interface IdTokenCheck {
  /** The issuer whose keys sign it (and, unless `issuers` says otherwise, the only accepted `iss`). */
  readonly issuer: string;
  readonly issuers?: readonly string[];
  readonly jwksUri?: string;
  readonly audiences: readonly string[];
  readonly accessToken?: string;
}

export async function verifyIdToken(idToken: string, check: IdTokenCheck): Promise<JWTPayload> {
  const keys = await issuerKeys(check.issuer, check.jwksUri);
  let payload: JWTPayload;
  let alg: string;
  const { jwtVerify } = await loadJose();
  try {
    const verified = await jwtVerify(idToken, keys, {
      issuer: [...(check.issuers ?? [check.issuer])],
      audience: check.audiences.filter((audience) => audience !== ''),
    });
    payload = verified.payload;
    alg = verified.protectedHeader.alg;
  } catch (error) {
    throw new FoyerError('validation_failed', `Bad ID token: ${(error as Error).message}`);
  }
  if (typeof payload.sub !== 'string' || payload.sub === '') throw new FoyerError('validation_failed', 'Missing sub claim in id_token');
  if (check.accessToken && typeof payload.at_hash === 'string' && payload.at_hash !== accessTokenHash(check.accessToken, alg)) {
    throw new FoyerError('validation_failed', 'Bad ID token: access_token does not match at_hash');
  }
  return payload;
}

export const tokenNonce = (payload: JWTPayload): string | undefined =>
  typeof payload.nonce === 'string' && payload.nonce !== '' ? payload.nonce : undefined;
