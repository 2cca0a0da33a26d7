/**
 * JWT keys: HS256 from GOTRUE_JWT_SECRET by default, or the JWKs of GOTRUE_JWT_KEYS (RS/ES/EdDSA/oct).
 * HMAC signing runs inline (microseconds, fast-jwt with its key cache); asymmetric signing goes through
 * WebCrypto, which runs on libuv's thread pool, never on the event loop. Verification pins the
 * algorithm per key: `alg: none`, unknown kids and HS/RS confusion are refused.
 */
import { createPrivateKey, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { createSigner, createVerifier, TokenError } from 'fast-jwt';
import { loadJose } from './jose-library.js';

export type JwtFailure = 'malformed' | 'expired' | 'bad_signature' | 'unknown_key';

export class JwtError extends Error {
  readonly failure: JwtFailure;
  constructor(failure: JwtFailure, message: string) {
    super(message);
    this.name = 'JwtError';
    this.failure = failure;
  }
}

export interface PublicJwk extends JsonWebKey {
  kid: string;
  alg: string;
  use: 'sig';
  key_ops: ['verify'];
}

export interface KeyringOptions {
  readonly secret?: string;
  readonly secretKeyId?: string;
  readonly jwks?: readonly Record<string, unknown>[];
  readonly validMethods?: readonly string[];
}

export type Claims = Record<string, unknown>;

interface VerifyKey {
  readonly kid: string | undefined;
  readonly alg: string;
  readonly verify: (token: string) => Claims;
}

const hmacAlgorithms = new Set(['HS256', 'HS384', 'HS512']);
const asymmetricAlgorithms = new Set(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA']);

export class KeyringError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyringError';
  }
}

export interface Keyring {
  /** Signs `payload` as given (claim order kept), with the signing key's `kid` when it has one. */
  sign(payload: Claims): Promise<string>;
  /** Verifies signature, algorithm and `exp`; returns the claims or throws JwtError. */
  verify(token: string): Claims;
  /** Public keys for /.well-known/jwks.json (HMAC keys are never listed). */
  readonly publicJwks: readonly PublicJwk[];
  readonly signingAlgorithm: string;
}

function verifierFor(key: string | Buffer, alg: string): (token: string) => Claims {
  // fast-jwt checks exp and nbf; clock tolerance none, as GoTrue.
  return createVerifier({ key, algorithms: [alg as 'HS256'], cache: false }) as (token: string) => Claims;
}

/**
 * Tokens a keyring has verified, by their exact text. Clients send the same access token and API key on
 * every request until it expires, and verifying one (base64url, JSON, an HMAC or a signature check) was a
 * tenth of a Data API request's CPU. Only the text that verified is remembered: a token differing in one
 * character misses. `exp` and `nbf` are checked again on every use, with the same clock rule as the
 * verifier. The claims are frozen because every request holding the token now shares them.
 */
const VERIFIED_TOKENS_KEPT = 1024;

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/** fast-jwt's rule without clock tolerance: valid while now <= exp and now >= nbf (seconds against a ms clock). */
function inTime(claims: Claims, nowMs: number): boolean {
  const { exp, nbf } = claims;
  if (typeof exp === 'number' && nowMs > exp * 1000) return false;
  if (typeof nbf === 'number' && nowMs < nbf * 1000) return false;
  return true;
}

export function createKeyring(options: KeyringOptions): Keyring {
  const verifyKeys: VerifyKey[] = [];
  const publicJwks: PublicJwk[] = [];
  let sign: ((payload: Claims) => Promise<string>) | undefined;
  let signingAlgorithm = 'HS256';

  if (options.secret) {
    const hsSign = createSigner({ key: options.secret, algorithm: 'HS256', noTimestamp: false, kid: options.secretKeyId });
    verifyKeys.push({ kid: options.secretKeyId, alg: 'HS256', verify: verifierFor(options.secret, 'HS256') });
    sign = async (payload) => hsSign(payload);
  }

  const jwkSigners: { kid: string | undefined; alg: string; sign: (payload: Claims) => Promise<string> }[] = [];
  for (const [index, jwk] of (options.jwks ?? []).entries()) {
    const where = `GOTRUE_JWT_KEYS[${index}]`;
    const alg = typeof jwk.alg === 'string' ? jwk.alg : undefined;
    const kid = typeof jwk.kid === 'string' ? jwk.kid : undefined;
    const keyOps = Array.isArray(jwk.key_ops) ? (jwk.key_ops as unknown[]) : [];
    if (!alg || !(hmacAlgorithms.has(alg) || asymmetricAlgorithms.has(alg))) {
      throw new KeyringError(`${where} needs "alg" (one of HS256, RS256, ES256, EdDSA, …), got ${JSON.stringify(jwk.alg)}`);
    }
    if (!kid) throw new KeyringError(`${where} needs a "kid"`);
    let signer: (payload: Claims) => Promise<string>;
    if (jwk.kty === 'oct') {
      if (!hmacAlgorithms.has(alg)) throw new KeyringError(`${where}: an oct key must use an HS algorithm, not ${alg}`);
      const secret = Buffer.from(String(jwk.k ?? ''), 'base64url');
      if (secret.length < 32) throw new KeyringError(`${where}: an oct key needs at least 32 bytes in "k"`);
      verifyKeys.push({ kid, alg, verify: verifierFor(secret, alg) });
      const hsSign = createSigner({ key: secret, algorithm: alg as 'HS256', noTimestamp: false, kid });
      signer = async (payload) => hsSign(payload);
    } else {
      if (!asymmetricAlgorithms.has(alg)) throw new KeyringError(`${where}: a ${String(jwk.kty)} key cannot use ${alg}`);
      let privateKey: KeyObject | undefined;
      let publicKey: KeyObject;
      try {
        if (jwk.d !== undefined) {
          privateKey = createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' });
          publicKey = createPublicKey(privateKey);
        } else {
          publicKey = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
        }
      } catch (error) {
        throw new KeyringError(`${where} is not a valid ${String(jwk.kty)} JWK: ${(error as Error).message}`);
      }
      const pem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
      verifyKeys.push({ kid, alg, verify: verifierFor(pem, alg) });
      publicJwks.push({ ...(publicKey.export({ format: 'jwk' }) as JsonWebKey), kid, alg, use: 'sig', key_ops: ['verify'] });
      const signingKey = privateKey;
      signer = async (payload) => {
        if (!signingKey) throw new KeyringError(`${where} has no private part and cannot sign`);
        const { SignJWT } = await loadJose();
        return new SignJWT(payload).setProtectedHeader({ alg, kid, typ: 'JWT' }).sign(signingKey);
      };
    }
    if (keyOps.includes('sign')) jwkSigners.push({ kid, alg, sign: signer });
  }

  if (options.jwks?.length) {
    if (jwkSigners.length !== 1) {
      throw new KeyringError(`GOTRUE_JWT_KEYS must have exactly one key whose key_ops contains "sign", found ${jwkSigners.length}`);
    }
    sign = jwkSigners[0].sign;
    signingAlgorithm = jwkSigners[0].alg;
  }
  if (!sign) throw new KeyringError('No signing key: set GOTRUE_JWT_SECRET or GOTRUE_JWT_KEYS');

  const validMethods = new Set(options.validMethods?.length ? options.validMethods : verifyKeys.map((key) => key.alg));
  const byKid = new Map(verifyKeys.filter((key) => key.kid).map((key) => [key.kid as string, key]));
  const secretKey = verifyKeys.find((key) => key.alg === 'HS256' && key.kid === options.secretKeyId && options.secret);
  const verified = new Map<string, Claims>();

  const verifyUncached = (token: string): Claims => {
    const header = readHeader(token);
    if (!validMethods.has(header.alg)) throw new JwtError('bad_signature', `signing method ${header.alg} is invalid`);
    let key = header.kid === undefined ? undefined : byKid.get(header.kid);
    // GoTrue falls back to the shared secret for HS256 tokens whose kid it does not know.
    if (!key && header.alg === 'HS256') key = secretKey ?? verifyKeys.find((candidate) => candidate.alg === 'HS256' && !candidate.kid);
    if (!key) throw new JwtError('unknown_key', 'no key matches the token');
    if (key.alg !== header.alg) throw new JwtError('bad_signature', `signing method ${header.alg} is invalid`);
    try {
      return key.verify(token);
    } catch (error) {
      if (error instanceof TokenError && error.code === TokenError.codes.expired) throw new JwtError('expired', 'token is expired');
      throw new JwtError('bad_signature', 'signature is invalid');
    }
  };

  return {
    sign,
    signingAlgorithm,
    publicJwks,
    verify(token) {
      const known = verified.get(token);
      if (known !== undefined) {
        if (inTime(known, Date.now())) return known;
        verified.delete(token);
        throw new JwtError('expired', 'token is expired');
      }
      const claims = verifyUncached(token);
      if (claims && typeof claims === 'object' && !Array.isArray(claims)) {
        if (verified.size >= VERIFIED_TOKENS_KEPT) verified.delete(verified.keys().next().value as string);
        verified.set(token, deepFreeze(claims));
      }
      return claims;
    },
  };
}

function readHeader(token: string): { alg: string; kid: string | undefined } {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((part) => part === '' || !/^[A-Za-z0-9_-]+$/.test(part))) {
    throw new JwtError('malformed', 'token is malformed');
  }
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
  } catch {
    throw new JwtError('malformed', 'token is malformed');
  }
  if (!header || typeof header !== 'object') throw new JwtError('malformed', 'token is malformed');
  const { alg, kid } = header as { alg?: unknown; kid?: unknown };
  if (typeof alg !== 'string') throw new JwtError('malformed', 'token is malformed');
  return { alg, kid: typeof kid === 'string' ? kid : undefined };
}

