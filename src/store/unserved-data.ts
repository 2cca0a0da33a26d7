/**
 * Rows GoTrue may have left that Foyer cannot serve yet. Serving the database anyway would drop their
 * meaning without a word: a user with a verified second factor would sign in with one. So the start
 * stops and names them, with what to do. (GoTrue's v2 refresh tokens, MFA factors of every type, passkeys, SAML
 * SSO providers and the OAuth server's clients are served: not listed here; SSO providers with GOTRUE_SAML_ENABLED off
 * answer as on such a GoTrue. Passkeys need no refusal even with GOTRUE_PASSKEY_ENABLED off: their users sign
 * in another way, as on a GoTrue with passkeys off; factors whose type's verify switch is off leave their users
 * at aal1, as on such a GoTrue.)
 */
import type { Queryable } from './db.js';

interface UnservedKind {
  readonly table: string;
  /** Counts the rows that matter; the table may not exist yet on an older schema. */
  readonly countSql: string;
  readonly describe: (count: number) => string;
}

const KINDS: readonly UnservedKind[] = [
  {
    table: 'custom_oauth_providers',
    countSql: 'select count(*)::int as count from auth.custom_oauth_providers where enabled',
    describe: (count) =>
      `auth.custom_oauth_providers holds ${count} enabled custom OAuth/OIDC provider(s), which Foyer does not serve yet. ` +
      `Keep GoTrue for this database for now, or disable them (update auth.custom_oauth_providers set enabled = false;).`,
  },
];

/** One line per kind of row present that Foyer cannot serve; empty when there is none. */
export async function findUnservedData(db: Queryable): Promise<string[]> {
  const present = new Set(
    (
      await db.query<{ relname: string }>(
        `select relname from pg_class where relnamespace = to_regnamespace('auth') and relname = any($1)`,
        [KINDS.map((kind) => kind.table)],
      )
    ).map((row) => row.relname),
  );
  const findings: string[] = [];
  for (const kind of KINDS) {
    if (!present.has(kind.table)) continue;
    const [row] = await db.query<{ count: number }>(kind.countSql);
    if (row.count > 0) findings.push(kind.describe(row.count));
  }
  return findings;
}
