/**
 * A team of console administrators: owners invite others with a role, change roles, remove them and make
 * one-time links for a new password; the invited or the locked-out follow their link and choose a password.
 * Links are 32 random bytes shown once to the owner who made them (the database keeps their SHA-256), valid
 * for LINK_TTL_SECONDS and once. There is always an owner: the last one can neither leave nor be demoted.
 */
import { randomBytes } from 'node:crypto';
import { sha256Hex } from '../security/crypto.js';
import type { Db } from '../store/db.js';
import {
  consumeAdminLink,
  deleteAdmin,
  deleteInvitation,
  listPendingInvitations,
  deleteAdminSessions,
  findAdminByEmail,
  findAdminById,
  insertAdmin,
  insertAdminLink,
  listAdmins,
  lockOwners,
  setAdminRole,
  updateAdminPassword,
  type ConsoleRole,
} from '../store/console-auth.js';
import { checkNewPassword, normalizeEmail, type ConsoleAdmin } from './console-auth.js';
import { PlatformError, invalid } from './errors.js';
import { hashAdminPassword } from './password-hash.js';

export const CONSOLE_ROLES: readonly ConsoleRole[] = ['owner', 'admin', 'read_only'];
export const LINK_TTL_SECONDS = 24 * 3600;
const MAX_LINK_TOKEN_LENGTH = 200;

export interface AdminView {
  readonly id: string;
  readonly email: string;
  readonly role: ConsoleRole;
  readonly created_at: string;
}

export interface OneTimeLink {
  /** The token the link carries (`#/accept?token=…` on the console): shown this once. */
  readonly token: string;
  readonly expires_at: string;
}

export function parseRole(raw: unknown): ConsoleRole {
  if (typeof raw !== 'string' || !(CONSOLE_ROLES as readonly string[]).includes(raw)) {
    throw invalid(`role must be one of ${CONSOLE_ROLES.join(', ')}`);
  }
  return raw as ConsoleRole;
}

export function requireOwner(actor: ConsoleAdmin): void {
  if (actor.role !== 'owner') throw new PlatformError(403, 'console_owner_required', 'Only an owner manages console administrators');
}

const view = (row: AdminView): AdminView => ({ id: row.id, email: row.email, role: row.role, created_at: new Date(row.created_at).toISOString() });

export interface InvitationView {
  readonly email: string;
  readonly role: ConsoleRole;
  readonly invited_by: string;
  readonly created_at: string;
  readonly expires_at: string;
}

/** The administrators, and the invitations still waiting to be followed. */
export async function listTeam(db: Db): Promise<{ admins: AdminView[]; invitations: InvitationView[] }> {
  const [admins, invitations] = await Promise.all([listAdmins(db), listPendingInvitations(db)]);
  return {
    admins: admins.map(view),
    invitations: invitations.map((row) => ({
      email: row.email,
      role: row.role,
      invited_by: row.created_by,
      created_at: new Date(row.created_at).toISOString(),
      expires_at: new Date(row.expires_at).toISOString(),
    })),
  };
}

/** An owner takes an invitation back: its link stops working. */
export async function withdrawInvitation(db: Db, actor: ConsoleAdmin, emailRaw: unknown): Promise<string> {
  requireOwner(actor);
  const email = normalizeEmail(emailRaw);
  if (!(await deleteInvitation(db, email))) throw new PlatformError(404, 'invitation_not_found', `No pending invitation for ${email}`);
  return email;
}

async function newLink(db: Db, purpose: 'invite' | 'reset', email: string, role: ConsoleRole, actor: ConsoleAdmin): Promise<OneTimeLink> {
  const token = randomBytes(32).toString('base64url');
  await insertAdminLink(db, { tokenHash: sha256Hex(token), purpose, email, role, createdBy: actor.email, ttlSeconds: LINK_TTL_SECONDS });
  return { token, expires_at: new Date(Date.now() + LINK_TTL_SECONDS * 1000).toISOString() };
}

export async function inviteAdmin(db: Db, actor: ConsoleAdmin, emailRaw: unknown, roleRaw: unknown): Promise<OneTimeLink> {
  requireOwner(actor);
  const email = normalizeEmail(emailRaw);
  const role = parseRole(roleRaw);
  if (await findAdminByEmail(db, email)) throw new PlatformError(409, 'admin_exists', `${email} is a console administrator already`);
  return newLink(db, 'invite', email, role, actor);
}

export async function passwordResetLink(db: Db, actor: ConsoleAdmin, adminId: string): Promise<OneTimeLink & { email: string }> {
  requireOwner(actor);
  const admin = await findAdminById(db, adminId);
  if (!admin) throw adminNotFound();
  return { ...(await newLink(db, 'reset', admin.email, admin.role, actor)), email: admin.email };
}

const adminNotFound = () => new PlatformError(404, 'admin_not_found', 'No such console administrator');
const lastOwner = () => new PlatformError(409, 'last_owner', 'The console needs an owner: make another administrator an owner first');

export async function changeRole(db: Db, actor: ConsoleAdmin, adminId: string, roleRaw: unknown): Promise<AdminView> {
  requireOwner(actor);
  const role = parseRole(roleRaw);
  return db.transaction(async (tx) => {
    const owners = await lockOwners(tx);
    const admin = await findAdminById(tx, adminId);
    if (!admin) throw adminNotFound();
    if (admin.role === 'owner' && role !== 'owner' && owners.length === 1) throw lastOwner();
    return view((await setAdminRole(tx, adminId, role)) as AdminView);
  });
}

export async function removeAdmin(db: Db, actor: ConsoleAdmin, adminId: string): Promise<AdminView> {
  requireOwner(actor);
  return db.transaction(async (tx) => {
    const owners = await lockOwners(tx);
    const admin = await findAdminById(tx, adminId);
    if (!admin) throw adminNotFound();
    if (admin.role === 'owner' && owners.length === 1) throw lastOwner();
    await deleteAdmin(tx, adminId);
    return view(admin);
  });
}

/** Follows a link: the invited become administrators, the others get their new password; either way logged out everywhere else. */
export async function acceptLink(db: Db, tokenRaw: unknown, passwordRaw: unknown): Promise<{ admin: ConsoleAdmin; purpose: 'invite' | 'reset'; createdBy: string }> {
  if (typeof tokenRaw !== 'string' || tokenRaw === '' || tokenRaw.length > MAX_LINK_TOKEN_LENGTH) throw invalid('token is required: use the link you were given');
  const passwordHash = await hashAdminPassword(checkNewPassword(passwordRaw));
  return db.transaction(async (tx) => {
    const link = await consumeAdminLink(tx, sha256Hex(tokenRaw));
    if (!link) throw new PlatformError(403, 'link_invalid', 'This link is not valid (used, expired or mistyped): ask an owner for a new one');
    if (link.purpose === 'invite') {
      const row = await insertAdmin(tx, link.email, passwordHash, link.role);
      if (!row) throw new PlatformError(409, 'admin_exists', `${link.email} is a console administrator already: log in instead`);
      return { admin: { id: row.id, email: row.email, role: row.role }, purpose: link.purpose, createdBy: link.created_by };
    }
    const existing = await findAdminByEmail(tx, link.email);
    if (!existing || !(await updateAdminPassword(tx, link.email, passwordHash))) throw adminNotFound();
    await deleteAdminSessions(tx, existing.id);
    return { admin: { id: existing.id, email: existing.email, role: existing.role }, purpose: link.purpose, createdBy: link.created_by };
  });
}
