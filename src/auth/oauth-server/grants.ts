/**
 * GET and DELETE /user/oauth/grants: the apps a user consented to, and taking a consent back. Revoking
 * ends every session that client holds for the user in the same statement, so its refresh tokens stop
 * working at once and its access tokens no longer pass authentication (GoTrue deletes them too).
 */
import { FoyerError } from '../../errors.js';
import { insertAuditEntry } from '../../store/audit.js';
import { countActiveGrantsByClient, listActiveGrants, revokeGrant } from '../../store/oauth-server-authorizations.js';
import type { UserRow } from '../../store/users.js';
import { isUuid } from '../authenticate.js';
import type { AuthDeps, RequestMeta } from '../deps.js';
import { parseScopes } from './scopes.js';

export interface GrantView {
  client: { id: string; name?: string; uri?: string; logo_uri?: string };
  scopes: string[];
  granted_at: string;
}

export async function listGrants(deps: AuthDeps, user: UserRow): Promise<GrantView[]> {
  return (await listActiveGrants(deps.db, user.id)).map((row) => ({
    client: {
      id: row.client_id,
      ...(row.client_name ? { name: row.client_name } : {}),
      ...(row.client_uri ? { uri: row.client_uri } : {}),
      ...(row.logo_uri ? { logo_uri: row.logo_uri } : {}),
    },
    scopes: parseScopes(row.scopes),
    granted_at: row.granted_at,
  }));
}

export async function revokeUserGrant(deps: AuthDeps, user: UserRow, clientId: string | undefined, meta: RequestMeta): Promise<void> {
  if (!clientId) throw new FoyerError('validation_failed', 'client_id query parameter is required');
  if (!isUuid(clientId)) throw new FoyerError('validation_failed', 'invalid client_id format');
  await deps.db.transaction(async (tx) => {
    if (!(await revokeGrant(tx, user.id, clientId))) {
      throw new FoyerError('oauth_consent_not_found', 'No active grant found for this client');
    }
    await insertAuditEntry(tx, {
      actorId: user.id,
      action: 'token_revoked',
      logType: 'token',
      traits: { oauth_client_id: clientId, action: 'revoke_oauth_grant' },
      ip: meta.ip,
    });
  });
}

/** Foyer's admin view for the console: per client id, how many users have an active grant (absent: none). */
export async function grantCounts(deps: AuthDeps): Promise<{ clients: Record<string, number> }> {
  const rows = await countActiveGrantsByClient(deps.db);
  return { clients: Object.fromEntries(rows.map((row) => [row.client_id, row.users])) };
}
