/**
 * The one place a user stops being anonymous, whatever path converts it (email verification,
 * autoconfirm, OAuth or id_token link, admin update). Runs inside the caller's transaction.
 */
import type { Queryable } from '../store/db.js';

export type ConversionMethod = 'email' | 'phone' | 'oauth' | 'id_token' | 'admin';

/** Flips is_anonymous and records the conversion; true when the user was anonymous until now. */
export async function promoteToPermanent(tx: Queryable, userId: string, method: ConversionMethod, ip: string | null): Promise<boolean> {
  const rows = await tx.query<{ id: string }>(
    `with promoted as (
       update auth.users set is_anonymous = false, updated_at = now()
        where id = $1 and is_anonymous returning id
     ), audit as (
       insert into auth.audit_log_entries (instance_id, id, payload, created_at, ip_address)
       select '00000000-0000-0000-0000-000000000000', auth.foyer_uuid_v7(),
              json_build_object('actor_id', id, 'action', 'user_converted', 'log_type', 'user',
                                'traits', json_build_object('method', $2::text)),
              now(), coalesce($3, '')
         from promoted
     )
     select id from promoted`,
    [userId, method, ip],
  );
  return rows.length > 0;
}
