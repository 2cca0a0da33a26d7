/**
 * A user and session as GoTrue (GOTRUE_SECURITY_REFRESH_TOKEN_ALGORITHM_VERSION=2) leaves them in the
 * database, written directly in SQL, and GoTrue's v2 refresh tokens for it. The token codec here is
 * written apart from src/security/refresh-token-v2.ts on purpose, so the two check each other:
 *   base64url(0x00 | session uuid | uvarint counter | HMAC-SHA-256(key, preceding)[0..16] | SHA-256(preceding)[0..4])
 * The key is stored the way GoTrue stores it: unpadded base64url of 32 random bytes.
 */
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { hash } from '@node-rs/bcrypt';
import type { Queryable } from '../../src/store/db.js';

export interface GoTrueV2Session {
  readonly userId: string;
  readonly email: string;
  readonly password: string;
  readonly sessionId: string;
  readonly key: Buffer;
  /** A v2 refresh token of this session at `counter`. */
  token(counter: number | bigint): string;
}

/** Unsigned LEB128, least significant group first (Go's binary.AppendUvarint). */
function uvarint(counter: bigint): Buffer {
  const groups: number[] = [];
  let rest = counter;
  do {
    const low = Number(rest % 128n);
    rest /= 128n;
    groups.push(rest > 0n ? low + 128 : low);
  } while (rest > 0n);
  return Buffer.from(groups);
}

export interface TokenParts {
  readonly version?: number;
  readonly sessionId: string;
  readonly counter: number | bigint;
  readonly key: Buffer;
}

/** The raw bytes of a v2 token (before base64url), for tests that tamper with them. */
export function v2TokenBytes(parts: TokenParts): Buffer {
  const head = Buffer.concat([
    Buffer.from([parts.version ?? 0]),
    Buffer.from(parts.sessionId.split('-').join(''), 'hex'),
    uvarint(BigInt(parts.counter)),
  ]);
  const mac = createHmac('sha256', parts.key).update(head).digest().subarray(0, 16);
  return withChecksum(Buffer.concat([head, mac]));
}

/** Appends GoTrue's 4-byte checksum to `body`. */
export function withChecksum(body: Buffer): Buffer {
  return Buffer.concat([body, createHash('sha256').update(body).digest().subarray(0, 4)]);
}

export const base64url = (bytes: Buffer): string => bytes.toString('base64url');

export const v2Token = (parts: TokenParts): string => base64url(v2TokenBytes(parts));

/** The session id and counter of a v2 token (for asserting what Foyer issued). */
export function readV2Token(token: string): { sessionId: string; counter: bigint } {
  const bytes = Buffer.from(token, 'base64url');
  const hex = bytes.subarray(1, 17).toString('hex');
  const sessionId = [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join('-');
  let counter = 0n;
  for (let i = 17, shift = 0n; ; i += 1, shift += 7n) {
    counter += BigInt(bytes[i] & 0x7f) << shift;
    if (bytes[i] < 0x80) break;
  }
  return { sessionId, counter };
}

export interface GoTrueSessionOptions {
  readonly counter?: number;
  readonly sessionId?: string;
  readonly key?: Buffer;
  /** What is stored in refresh_token_hmac_key; GoTrue's encoding of `key` unless given. */
  readonly storedKey?: string;
  readonly authenticationMethod?: string;
}

/** Inserts what GoTrue writes for an email user signed in with a password (v2 refresh tokens). */
export async function insertGoTrueV2Session(db: Queryable, options: GoTrueSessionOptions = {}): Promise<GoTrueV2Session> {
  const userId = randomUUID();
  const sessionId = options.sessionId ?? randomUUID();
  const key = options.key ?? randomBytes(32);
  const email = `gotrue-${userId.slice(0, 8)}@example.com`;
  const password = 'gotrue-password-1';
  await db.query(
    `insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at, last_sign_in_at,
                             raw_app_meta_data, raw_user_meta_data, created_at, updated_at, is_anonymous)
     values ('00000000-0000-0000-0000-000000000000', $1, 'authenticated', 'authenticated', $2, $3, now(), now(),
             '{"provider":"email","providers":["email"]}', '{"from":"gotrue"}', now(), now(), false)`,
    [userId, email, await hash(password, 10)],
  );
  await db.query(
    `insert into auth.identities (provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at, id)
     values ($1::text, $2::uuid, jsonb_build_object('sub', $1::text, 'email', $3::text, 'email_verified', true),
             'email', now(), now(), now(), gen_random_uuid())`,
    [userId, userId, email],
  );
  await db.query(
    `insert into auth.sessions (id, user_id, created_at, updated_at, aal, user_agent, ip, refresh_token_hmac_key, refresh_token_counter)
     values ($1, $2, now(), now(), 'aal1', 'gotrue-client', '10.0.0.1', $3, $4)`,
    [sessionId, userId, options.storedKey ?? key.toString('base64url'), String(options.counter ?? 0)],
  );
  await db.query(
    `insert into auth.mfa_amr_claims (session_id, created_at, updated_at, authentication_method, id)
     values ($1, now() - interval '1 minute', now() - interval '1 minute', $2, gen_random_uuid())`,
    [sessionId, options.authenticationMethod ?? 'password'],
  );
  return { userId, email, password, sessionId, key, token: (counter) => v2Token({ sessionId, counter, key }) };
}

/** The session's counter as stored, or undefined when the session is gone. */
export async function storedCounter(db: Queryable, sessionId: string): Promise<number | undefined> {
  const rows = await db.query<{ counter: string }>('select refresh_token_counter::text as counter from auth.sessions where id = $1', [sessionId]);
  return rows[0] ? Number(rows[0].counter) : undefined;
}

/** An HS256 access token with GoTrue's claims for this session, as GoTrue would have issued it. */
export function goTrueAccessToken(secret: string, session: GoTrueV2Session, expiresInSeconds: number): string {
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    sub: session.userId,
    aud: 'authenticated',
    exp: now + expiresInSeconds,
    iat: now,
    email: session.email,
    phone: '',
    app_metadata: { provider: 'email', providers: ['email'] },
    user_metadata: { from: 'gotrue' },
    role: 'authenticated',
    aal: 'aal1',
    amr: [{ method: 'password', timestamp: now - 60 }],
    session_id: session.sessionId,
    is_anonymous: false,
  };
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}
