/** SQL for auth.oauth_clients, in GoTrue's shape (lists stored comma-joined; deletion is soft). */
import type { Queryable } from './db.js';

export interface OAuthClientRow {
  id: string;
  client_secret_hash: string | null;
  registration_type: 'dynamic' | 'manual';
  client_type: 'public' | 'confidential';
  token_endpoint_auth_method: string;
  redirect_uris: string;
  grant_types: string;
  client_name: string | null;
  client_uri: string | null;
  logo_uri: string | null;
  created_at: string;
  updated_at: string;
}

const COLUMNS = `id, client_secret_hash, registration_type::text as registration_type, client_type::text as client_type,
  token_endpoint_auth_method, redirect_uris, grant_types, client_name, client_uri, logo_uri, created_at, updated_at`;

export interface NewOAuthClient {
  readonly registrationType: 'dynamic' | 'manual';
  readonly clientType: 'public' | 'confidential';
  readonly tokenEndpointAuthMethod: string;
  readonly secretHash: string | null;
  readonly redirectUris: readonly string[];
  readonly grantTypes: readonly string[];
  readonly clientName: string;
  readonly clientUri: string;
  readonly logoUri: string;
}

export async function insertOAuthClient(db: Queryable, client: NewOAuthClient): Promise<OAuthClientRow> {
  const [row] = await db.query<OAuthClientRow>(
    `insert into auth.oauth_clients (id, client_secret_hash, registration_type, client_type, token_endpoint_auth_method,
                                     redirect_uris, grant_types, client_name, client_uri, logo_uri, created_at, updated_at)
     values (gen_random_uuid(), $1, $2::auth.oauth_registration_type, $3::auth.oauth_client_type, $4, $5, $6, $7, $8, $9, now(), now())
     returning ${COLUMNS}`,
    [
      client.secretHash, client.registrationType, client.clientType, client.tokenEndpointAuthMethod,
      client.redirectUris.join(','), client.grantTypes.join(','), client.clientName, client.clientUri, client.logoUri,
    ],
  );
  return row;
}

/** A client that is not deleted. */
export async function findOAuthClient(db: Queryable, id: string): Promise<OAuthClientRow | undefined> {
  const rows = await db.query<OAuthClientRow>(`select ${COLUMNS} from auth.oauth_clients where id = $1 and deleted_at is null`, [id]);
  return rows[0];
}

export async function listOAuthClients(db: Queryable): Promise<OAuthClientRow[]> {
  return db.query<OAuthClientRow>(`select ${COLUMNS} from auth.oauth_clients where deleted_at is null order by created_at desc limit 1000`);
}

export interface OAuthClientChanges {
  readonly redirectUris?: readonly string[];
  readonly grantTypes?: readonly string[];
  readonly clientName?: string;
  readonly clientUri?: string;
  readonly logoUri?: string;
  readonly tokenEndpointAuthMethod?: string;
  readonly secretHash?: string;
}

/** Changes the given fields (others keep their value); undefined when the client is gone. */
export async function updateOAuthClient(db: Queryable, id: string, changes: OAuthClientChanges): Promise<OAuthClientRow | undefined> {
  const rows = await db.query<OAuthClientRow>(
    `update auth.oauth_clients set
        redirect_uris = coalesce($2, redirect_uris), grant_types = coalesce($3, grant_types),
        client_name = coalesce($4, client_name), client_uri = coalesce($5, client_uri), logo_uri = coalesce($6, logo_uri),
        token_endpoint_auth_method = coalesce($7, token_endpoint_auth_method),
        client_secret_hash = coalesce($8, client_secret_hash), updated_at = now()
      where id = $1 and deleted_at is null
      returning ${COLUMNS}`,
    [
      id, changes.redirectUris?.join(',') ?? null, changes.grantTypes?.join(',') ?? null, changes.clientName ?? null,
      changes.clientUri ?? null, changes.logoUri ?? null, changes.tokenEndpointAuthMethod ?? null, changes.secretHash ?? null,
    ],
  );
  return rows[0];
}

/**
 * Soft-deletes a client (GoTrue's deleted_at) and ends the sessions it holds, so its tokens stop working
 * at once (GoTrue leaves them until they expire). False when there was no such client.
 */
export async function deleteOAuthClient(db: Queryable, id: string): Promise<boolean> {
  const rows = await db.query<{ id: string }>(
    `with gone as (update auth.oauth_clients set deleted_at = now(), updated_at = now() where id = $1 and deleted_at is null returning id),
          ended as (delete from auth.sessions s using gone where s.oauth_client_id = gone.id)
     select id from gone`,
    [id],
  );
  return rows.length > 0;
}
