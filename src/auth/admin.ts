/** The admin users API (service_role callers): list, read, create, update, delete. */
import { parseDurationSeconds } from '../config/parse.js';
import { FoyerError } from '../errors.js';
import { listUsers, type UserListQuery } from '../store/admin-users.js';
import { auditSoftDelete, deleteUserAudited } from '../store/audit-log.js';
import { upsertIdentity } from '../store/identities.js';
import { deleteSessions, listUserSessions } from '../store/sessions.js';
import {
  emailTaken,
  findUserById,
  lockUser,
  mergeAppMetadata,
  mergeUserMetadata,
  phoneTaken,
  setPassword,
  recomputeProviders,
} from '../store/users.js';
import { isUuid } from './authenticate.js';
import { createUser } from './hooks/before-user-created.js';
import type { AuthDeps } from './deps.js';
import { uniqueToEmailExists } from './email-user.js';
import { storedPasswordHash } from './password-storage.js';
import { promoteToPermanent } from './promotion.js';
import { toPublicUser, type PublicUser } from './user-view.js';
import { checkPasswordStrength, normalizeEmail, normalizePhone } from './validate.js';
import { newUserId } from './ids.js';

export interface AdminUserInput {
  readonly email?: string;
  readonly phone?: string;
  readonly password?: string;
  readonly email_confirm?: boolean;
  readonly phone_confirm?: boolean;
  readonly user_metadata?: Record<string, unknown>;
  readonly app_metadata?: Record<string, unknown>;
  readonly role?: string;
  readonly ban_duration?: string;
}

const notFound = () => new FoyerError('user_not_found', 'User not found');

function userId(id: string): string {
  if (!isUuid(id)) throw notFound();
  return id;
}

export async function adminListUsers(
  deps: AuthDeps,
  query: Omit<UserListQuery, 'aud' | 'filter'> & { filter?: string },
): Promise<{ users: PublicUser[]; total: number }> {
  const result = await listUsers(deps.db, { ...query, aud: deps.config.jwtAud, filter: query.filter || undefined });
  return { users: result.users.map(toPublicUser), total: result.total };
}

export async function adminGetUser(deps: AuthDeps, id: string): Promise<PublicUser> {
  const user = await findUserById(deps.db, userId(id));
  if (!user) throw notFound();
  return toPublicUser(user);
}

/** `ban_duration`: "none" lifts a ban, a Go duration sets one; returns SQL-ready seconds or null. */
function banSeconds(raw: string | undefined): number | null | undefined {
  if (raw === undefined) return undefined;
  if (raw === 'none') return null;
  try {
    return parseDurationSeconds('ban_duration', raw);
  } catch {
    throw new FoyerError('validation_failed', 'invalid format for ban duration: use a duration such as 24h, or "none"');
  }
}

export async function adminCreateUser(deps: AuthDeps, input: AdminUserInput): Promise<PublicUser> {
  const { config } = deps;
  if (!input.email && !input.phone) {
    throw new FoyerError('validation_failed', 'Cannot create a user without either an email or phone');
  }
  const email = input.email ? normalizeEmail(input.email) : null;
  const phone = input.phone ? normalizePhone(input.phone) : null;
  if (input.password) checkPasswordStrength(input.password, config.passwordMinLength);
  const ban = banSeconds(input.ban_duration);
  const id = newUserId(config);
  const encryptedPassword = input.password ? await storedPasswordHash(config, id, input.password) : '';
  const provider = email ? 'email' : 'phone';
  await deps.db
    .transaction(async (tx) => {
      if (email && (await emailTaken(tx, email, config.jwtAud, null))) {
        throw new FoyerError('email_exists', 'A user with this email address has already been registered');
      }
      if (phone && (await phoneTaken(tx, phone, config.jwtAud, null))) {
        throw new FoyerError('phone_exists', 'A user with this phone number has already been registered');
      }
      const providers = [email ? 'email' : null, phone ? 'phone' : null].filter(Boolean);
      await createUser(deps, tx, {
        id,
        aud: config.jwtAud,
        role: input.role || config.jwtDefaultGroupName,
        email,
        phone,
        encryptedPassword,
        appMetadataJson: JSON.stringify({ ...(input.app_metadata ?? {}), provider, providers }),
        userMetadataJson: JSON.stringify(input.user_metadata ?? {}),
        emailConfirmed: Boolean(email && input.email_confirm),
        phoneConfirmed: Boolean(phone && input.phone_confirm),
        isAnonymous: false,
      }, null);
      if (email) {
        await upsertIdentity(tx, {
          userId: id,
          provider: 'email',
          providerId: id,
          identityDataJson: JSON.stringify({ sub: id, email, email_verified: Boolean(input.email_confirm), phone_verified: false }),
        });
      }
      if (phone) {
        await upsertIdentity(tx, {
          userId: id,
          provider: 'phone',
          providerId: id,
          identityDataJson: JSON.stringify({ sub: id, phone, email_verified: false, phone_verified: Boolean(input.phone_confirm) }),
        });
      }
      if (ban !== undefined) await setBan(tx, id, ban);
    })
    .catch(uniqueToEmailExists);
  return adminGetUser(deps, id);
}

export async function adminUpdateUser(deps: AuthDeps, id: string, input: AdminUserInput): Promise<PublicUser> {
  const { config } = deps;
  userId(id);
  const email = input.email ? normalizeEmail(input.email) : undefined;
  const phone = input.phone ? normalizePhone(input.phone) : undefined;
  if (input.password) checkPasswordStrength(input.password, config.passwordMinLength);
  const ban = banSeconds(input.ban_duration);
  const encryptedPassword = input.password ? await storedPasswordHash(config, id, input.password) : undefined;
  await deps.db
    .transaction(async (tx) => {
      const user = await lockUser(tx, id);
      if (!user) throw notFound();
      const aud = user.aud ?? config.jwtAud;
      if (input.role) await tx.query('update auth.users set role = $2, updated_at = now() where id = $1', [id, input.role]);
      if (input.user_metadata !== undefined) await mergeUserMetadata(tx, id, JSON.stringify(input.user_metadata));
      if (input.app_metadata !== undefined) await mergeAppMetadata(tx, id, JSON.stringify(input.app_metadata));
      if (encryptedPassword !== undefined) await setPassword(tx, id, encryptedPassword);
      if (email !== undefined && email !== user.email) {
        if (await emailTaken(tx, email, aud, id)) {
          throw new FoyerError('email_exists', 'A user with this email address has already been registered');
        }
        await tx.query('update auth.users set email = $2, updated_at = now() where id = $1', [id, email]);
        await upsertIdentity(tx, {
          userId: id,
          provider: 'email',
          providerId: id,
          identityDataJson: JSON.stringify({ sub: id, email, email_verified: Boolean(input.email_confirm), phone_verified: false }),
        });
      }
      if (phone !== undefined && phone !== user.phone) {
        if (await phoneTaken(tx, phone, aud, id)) {
          throw new FoyerError('phone_exists', 'A user with this phone number has already been registered');
        }
        await tx.query('update auth.users set phone = $2, updated_at = now() where id = $1', [id, phone]);
        await upsertIdentity(tx, {
          userId: id,
          provider: 'phone',
          providerId: id,
          identityDataJson: JSON.stringify({ sub: id, phone, email_verified: false, phone_verified: Boolean(input.phone_confirm) }),
        });
      }
      if (input.email_confirm === true) {
        await tx.query('update auth.users set email_confirmed_at = coalesce(email_confirmed_at, now()) where id = $1 and email is not null', [id]);
        // GoTrue flips is_anonymous only when the admin confirms the address.
        if (email !== undefined || user.email) await promoteToPermanent(tx, id, 'admin', null);
      }
      if (input.phone_confirm === true) {
        await tx.query('update auth.users set phone_confirmed_at = coalesce(phone_confirmed_at, now()) where id = $1 and phone is not null', [id]);
        if (phone !== undefined || user.phone) await promoteToPermanent(tx, id, 'admin', null);
      }
      if (ban !== undefined) {
        await setBan(tx, id, ban);
        if (ban !== null) await deleteSessions(tx, id, null, 'global');
      }
      // An identity added here (an anonymous user's first) shows in app_metadata.providers, as GoTrue does.
      if (email !== undefined || phone !== undefined) await recomputeProviders(tx, id);
    })
    .catch(uniqueToEmailExists);
  return adminGetUser(deps, id);
}

export interface AdminSession {
  id: string;
  created_at: string | null;
  updated_at: string | null;
  refreshed_at: string | null;
  user_agent: string | null;
  ip: string | null;
  aal: string | null;
  not_after: string | null;
}

/** Foyer: a user's sessions, newest first (the console's user detail). */
export async function adminListSessions(deps: AuthDeps, id: string): Promise<AdminSession[]> {
  userId(id);
  if (!(await findUserById(deps.db, id))) throw notFound();
  return listUserSessions(deps.db, id);
}

/** Foyer: ends every session of a user (refresh tokens cascade); returns how many ended. */
export async function adminRevokeSessions(deps: AuthDeps, id: string): Promise<number> {
  userId(id);
  if (!(await findUserById(deps.db, id))) throw notFound();
  return deleteSessions(deps.db, id, null, 'global');
}

export async function adminDeleteUser(deps: AuthDeps, id: string, softDelete: boolean): Promise<void> {
  userId(id);
  if (!softDelete) {
    // GoTrue's user_deleted entry, with whether the user was anonymous (the stats count sign-ups from it).
    if (!(await deleteUserAudited(deps.db, id, { id: null, username: 'service_role', ip: null }))) throw notFound();
    return;
  }
  await deps.db.transaction(async (tx) => {
    const rows = await tx.query<{ id: string; is_anonymous: boolean; created_at: string | null }>(
      `update auth.users set deleted_at = now(), updated_at = now(), email = null, phone = null, encrypted_password = '',
              raw_app_meta_data = '{}'::jsonb, raw_user_meta_data = '{}'::jsonb
        where id = $1 and deleted_at is null returning id, is_anonymous, created_at`,
      [id],
    );
    if (rows.length === 0) throw notFound();
    await auditSoftDelete(tx, id, rows[0].is_anonymous, rows[0].created_at);
    await tx.query('delete from auth.identities where user_id = $1', [id]);
    await deleteSessions(tx, id, null, 'global');
  });
}

async function setBan(tx: { query: AuthDeps['db']['query'] }, id: string, seconds: number | null): Promise<void> {
  await tx.query(
    `update auth.users set banned_until = case when $2::double precision is null then null
                                              else now() + make_interval(secs => $2::double precision) end,
            updated_at = now() where id = $1`,
    [id, seconds],
  );
}

