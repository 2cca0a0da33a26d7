/** The kind of a user as the list and the user page show it (the server's src/store/user-kinds.ts). */
import type { AuthUser } from '../types';

export const userKinds = ['anonymous', 'pending_conversion', 'invited', 'permanent'] as const;
export type UserKind = (typeof userKinds)[number];

export const kindLabels: Record<UserKind, string> = {
  anonymous: 'anonymous',
  pending_conversion: 'pending conversion',
  invited: 'invited, not accepted',
  permanent: 'permanent',
};

export function kindOf(user: AuthUser): UserKind {
  if (user.is_anonymous) return user.new_email || user.new_phone ? 'pending_conversion' : 'anonymous';
  return user.invited_at && !user.email_confirmed_at ? 'invited' : 'permanent';
}

const badgeClass: Record<UserKind, string> = {
  anonymous: 'badge badge-muted',
  pending_conversion: 'badge badge-warn',
  invited: 'badge badge-accent',
  permanent: 'badge',
};

export function KindBadge({ user }: { user: AuthUser }) {
  const kind = kindOf(user);
  return <span className={badgeClass[kind]} data-kind={kind}>{kindLabels[kind]}</span>;
}

export function userLabel(user: AuthUser): string {
  return user.email || user.phone || (user.is_anonymous ? 'Anonymous user' : 'User without email');
}
