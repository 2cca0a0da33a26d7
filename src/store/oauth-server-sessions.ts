/** auth.sessions of the OAuth server: sessions begun for a client (GoTrue's oauth_client_id and scopes). */
import type { Queryable } from './db.js';

export interface SessionOAuthClient {
  oauth_client_id: string | null;
  scopes: string | null;
}

export async function findSessionOAuthClient(db: Queryable, sessionId: string): Promise<SessionOAuthClient | undefined> {
  const rows = await db.query<SessionOAuthClient>('select oauth_client_id, scopes from auth.sessions where id = $1', [sessionId]);
  return rows[0];
}
