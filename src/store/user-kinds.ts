/**
 * The kinds of user support tells apart, as SQL over auth.users. They do not overlap, and together they
 * are every user:
 *  - anonymous: is_anonymous, nothing pending;
 *  - pending_conversion: still anonymous, with an address (email_change) or number (phone_change) awaiting
 *    its confirmation — the user called updateUser({ email }) and has not clicked the link yet;
 *  - invited: invited by an administrator, the invitation not accepted yet (no confirmed address);
 *  - permanent: every other user.
 */
export const userKinds = ['anonymous', 'pending_conversion', 'invited', 'permanent'] as const;
export type UserKind = (typeof userKinds)[number];

const pendingSql = (u: string) => `(coalesce(${u}.email_change, '') <> '' or coalesce(${u}.phone_change, '') <> '')`;
const invitedSql = (u: string) => `(${u}.invited_at is not null and ${u}.email_confirmed_at is null)`;

/** A condition on auth.users aliased `u` that holds for users of `kind`. */
export function userKindSql(kind: UserKind, u = 'u'): string {
  switch (kind) {
    case 'anonymous':
      return `(${u}.is_anonymous and not ${pendingSql(u)})`;
    case 'pending_conversion':
      return `(${u}.is_anonymous and ${pendingSql(u)})`;
    case 'invited':
      return `(not ${u}.is_anonymous and ${invitedSql(u)})`;
    case 'permanent':
      return `(not ${u}.is_anonymous and not ${invitedSql(u)})`;
  }
}

/** The kind of one user row (the same rules as userKindSql). */
export function userKindOf(row: {
  is_anonymous: boolean;
  email_change?: string | null;
  phone_change?: string | null;
  invited_at?: string | Date | null;
  email_confirmed_at?: string | Date | null;
}): UserKind {
  if (row.is_anonymous) return row.email_change || row.phone_change ? 'pending_conversion' : 'anonymous';
  return row.invited_at && !row.email_confirmed_at ? 'invited' : 'permanent';
}
