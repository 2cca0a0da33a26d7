/**
 * Console administrators (separate from every project's users): the one-time setup, logins,
 * sessions and their CSRF tokens. The session token lives only in the `foyer_console` cookie; the
 * database keeps its SHA-256. The CSRF token is an HMAC of the session token, so GET /session can hand
 * it out again, and the database keeps only its hash.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { constantTimeEqual, sha256Hex } from '../security/crypto.js';
import type { Db } from '../store/db.js';
import {
  consumeSetupToken,
  countAdmins,
  deleteSession,
  findAdminByEmail,
  findSession,
  insertAdmin,
  insertSession,
  insertSetupToken,
  updateAdminPassword,
  type ConsoleRole,
} from '../store/console-auth.js';
import { PlatformError, invalid } from './errors.js';
import { createLoginLimiter, type LoginLimiter } from './login-limiter.js';
import { decoyHash, hashAdminPassword, verifyAdminPassword } from './password-hash.js';

export const SESSION_TTL_SECONDS = 12 * 3600;
const SETUP_TOKEN_TTL_SECONDS = 24 * 3600;
export const MIN_ADMIN_PASSWORD_LENGTH = 8;
export const MAX_ADMIN_PASSWORD_LENGTH = 1024;
/** RFC 5321's bound for a forward path (the longest address mail can be sent to). */
export const MAX_ADMIN_EMAIL_LENGTH = 254;
/** Setup tokens are 32 characters; session tokens 43. */
const MAX_TOKEN_LENGTH = 200;

export interface ConsoleAdmin {
  readonly id: string;
  readonly email: string;
  /** owner: everything; admin: everything but administrators; read_only: reads only, no service_role key. */
  readonly role: ConsoleRole;
}

export interface ConsoleSession {
  readonly admin: ConsoleAdmin;
  readonly csrfToken: string;
}

export interface SessionGrant extends ConsoleSession {
  /** The cookie value. */
  readonly token: string;
  readonly maxAgeSeconds: number;
}

export interface ClientMeta {
  readonly ip: string;
  readonly userAgent: string | null;
}

const csrfOf = (sessionToken: string) => createHmac('sha256', sessionToken).update('foyer-console-csrf').digest('base64url');

export function normalizeEmail(raw: unknown): string {
  if (typeof raw !== 'string') throw invalid('email must be a string');
  const email = raw.trim().toLowerCase();
  if (email.length > MAX_ADMIN_EMAIL_LENGTH || !/^[^\s@]+@[^\s@]+$/.test(email)) throw invalid('email must be an email address');
  return email;
}

export function checkNewPassword(raw: unknown): string {
  if (typeof raw !== 'string') throw invalid('password must be a string');
  if (raw.length < MIN_ADMIN_PASSWORD_LENGTH) throw invalid(`password must be at least ${MIN_ADMIN_PASSWORD_LENGTH} characters long`);
  if (raw.length > MAX_ADMIN_PASSWORD_LENGTH) throw invalid(`password must be at most ${MAX_ADMIN_PASSWORD_LENGTH} characters long`);
  return raw;
}

export class ConsoleAuth {
  private readonly limiter: LoginLimiter;

  constructor(
    private readonly db: Db,
    options: { limiter?: LoginLimiter } = {},
  ) {
    this.limiter = options.limiter ?? createLoginLimiter();
  }

  async needsSetup(): Promise<boolean> {
    return (await countAdmins(this.db)) === 0;
  }

  /** A new one-time setup token while no administrator exists (printed as a URL by `foyer start`). */
  async issueSetupToken(): Promise<string | undefined> {
    if (!(await this.needsSetup())) return undefined;
    const token = randomBytes(24).toString('base64url');
    await insertSetupToken(this.db, sha256Hex(token), SETUP_TOKEN_TTL_SECONDS);
    return token;
  }

  async setup(token: unknown, emailRaw: unknown, passwordRaw: unknown, meta: ClientMeta): Promise<SessionGrant> {
    const email = normalizeEmail(emailRaw);
    const password = checkNewPassword(passwordRaw);
    if (typeof token !== 'string' || token === '') throw invalid('token is required: use the setup link `foyer start` printed');
    if (token.length > MAX_TOKEN_LENGTH) throw invalid(`token must be at most ${MAX_TOKEN_LENGTH} characters long: use the setup link \`foyer start\` printed`);
    const passwordHash = await hashAdminPassword(password);
    const admin = await this.db.transaction(async (tx) => {
      if (!(await consumeSetupToken(tx, sha256Hex(token)))) {
        throw new PlatformError(403, 'setup_token_invalid', 'This setup link is not valid (used, expired or mistyped); restart Foyer for a new one or use `foyer admin create`');
      }
      if ((await countAdmins(tx)) > 0) throw new PlatformError(409, 'setup_done', 'An administrator exists already: log in instead');
      const row = await insertAdmin(tx, email, passwordHash);
      if (!row) throw new PlatformError(409, 'setup_done', 'An administrator exists already: log in instead');
      return row;
    });
    return this.openSession({ id: admin.id, email: admin.email, role: admin.role }, meta);
  }

  async login(emailRaw: unknown, passwordRaw: unknown, meta: ClientMeta): Promise<SessionGrant> {
    if (typeof emailRaw !== 'string' || typeof passwordRaw !== 'string') throw invalid('email and password are required');
    // No administrator has a longer address or password (setup and `foyer admin create` refuse them).
    if (emailRaw.length > MAX_ADMIN_EMAIL_LENGTH) throw invalid(`email must be at most ${MAX_ADMIN_EMAIL_LENGTH} characters long`);
    if (passwordRaw.length > MAX_ADMIN_PASSWORD_LENGTH) throw invalid(`password must be at most ${MAX_ADMIN_PASSWORD_LENGTH} characters long`);
    const email = emailRaw.trim().toLowerCase();
    const key = `${meta.ip}|${email}`;
    const wait = await this.limiter.retryAfter(key);
    if (wait > 0) {
      throw new PlatformError(429, 'over_request_rate_limit', `Too many failed logins; try again in ${wait} seconds`, {
        'retry-after': String(wait),
      });
    }
    const admin = await findAdminByEmail(this.db, email);
    const ok = await verifyAdminPassword(passwordRaw, admin?.password_hash ?? (await decoyHash()));
    if (!admin || !ok) {
      await this.limiter.fail(key);
      throw new PlatformError(400, 'invalid_credentials', 'Invalid login credentials');
    }
    await this.limiter.succeed(key);
    return this.openSession({ id: admin.id, email: admin.email, role: admin.role }, meta);
  }

  async session(token: string | undefined): Promise<ConsoleSession | undefined> {
    if (!token || token.length > MAX_TOKEN_LENGTH) return undefined;
    const row = await findSession(this.db, sha256Hex(token));
    if (!row) return undefined;
    const csrfToken = csrfOf(token);
    // The stored hash is the reference: a token whose derivation changed no longer validates.
    if (!constantTimeEqual(sha256Hex(csrfToken), row.csrf_hash)) return undefined;
    return { admin: { id: row.admin_id, email: row.email, role: row.role }, csrfToken };
  }

  async logout(token: string | undefined): Promise<void> {
    if (token) await deleteSession(this.db, sha256Hex(token));
  }

  /** `foyer admin create`: a new administrator, or (with `replace`) a new password for an existing one. */
  async createAdmin(emailRaw: unknown, passwordRaw: unknown, options: { replace?: boolean } = {}): Promise<'created' | 'updated'> {
    const email = normalizeEmail(emailRaw);
    const passwordHash = await hashAdminPassword(checkNewPassword(passwordRaw));
    if (await insertAdmin(this.db, email, passwordHash)) return 'created';
    if (options.replace && (await updateAdminPassword(this.db, email, passwordHash))) return 'updated';
    throw new PlatformError(409, 'admin_exists', `An administrator ${email} exists already (--replace sets a new password)`);
  }

  /** A session for an administrator who just proved who they are (login, setup, a one-time link). */
  async openSession(admin: ConsoleAdmin, meta: ClientMeta): Promise<SessionGrant> {
    const token = randomBytes(32).toString('base64url');
    const csrfToken = csrfOf(token);
    await insertSession(this.db, {
      tokenHash: sha256Hex(token),
      adminId: admin.id,
      csrfHash: sha256Hex(csrfToken),
      ttlSeconds: SESSION_TTL_SECONDS,
      ip: meta.ip,
      userAgent: meta.userAgent,
    });
    return { admin, token, csrfToken, maxAgeSeconds: SESSION_TTL_SECONDS };
  }
}
