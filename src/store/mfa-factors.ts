/**
 * SQL for GoTrue's auth.mfa_factors and auth.mfa_challenges, and Foyer's auth.foyer_mfa_totp_steps
 * (migration foyer/0010_mfa_totp_steps.sql). Rows are written as GoTrue writes them. A factor's
 * secret is read only by `findOwnedFactor`; no other query returns it.
 */
import type { Queryable } from './db.js';

/** (users.ts imports this file for USER_COLUMNS, so this one does not import users.ts.) */
const NIL_UUID = '00000000-0000-0000-0000-000000000000';

export type FactorType = 'totp' | 'phone' | 'webauthn';
export type FactorStatus = 'unverified' | 'verified';

/** A factor as the user object shows it (GoTrue's models.Factor JSON); timestamps in JSON form. */
export interface FactorJson {
  id: string;
  created_at: string;
  updated_at: string;
  status: FactorStatus;
  friendly_name: string | null;
  factor_type: FactorType;
  phone: string | null;
  last_challenged_at: string | null;
  web_authn_aaguid: string | null;
  last_webauthn_challenge_data: Record<string, unknown> | null;
}

/** The json object of the factor aliased `f`, with GoTrue's keys in GoTrue's order. */
const factorJsonSql = (f: string): string =>
  `json_build_object('id', ${f}.id, 'created_at', ${f}.created_at, 'updated_at', ${f}.updated_at, 'status', ${f}.status,
     'friendly_name', ${f}.friendly_name, 'factor_type', ${f}.factor_type, 'phone', ${f}.phone,
     'last_challenged_at', ${f}.last_challenged_at, 'web_authn_aaguid', ${f}.web_authn_aaguid,
     'last_webauthn_challenge_data', ${f}.last_webauthn_challenge_data)`;

/**
 * The factors of the user aliased `u` (json array, null when none): what USER_COLUMNS adds to every
 * user it reads. One probe of the index mfa_factors_user_id_idx; oldest first.
 */
export const userFactorsSql = (u: string): string =>
  `(select json_agg(${factorJsonSql('f')} order by f.created_at, f.id) from auth.mfa_factors f where f.user_id = ${u}.id)`;

export interface OwnedFactor extends FactorJson {
  user_id: string;
  /** As stored: plain base32, or GoTrue's encrypted envelope. */
  secret: string | null;
}

const OWNED_COLUMNS = `${factorJsonSql('f')} as factor, f.user_id, f.secret`;

type OwnedRow = { factor: FactorJson; user_id: string; secret: string | null };
const owned = (row: OwnedRow | undefined): OwnedFactor | undefined => (row ? { ...row.factor, user_id: row.user_id, secret: row.secret } : undefined);

/** The factor `factorId` if it belongs to `userId` (GoTrue's FindOwnedFactorByID). */
export async function findOwnedFactor(db: Queryable, userId: string, factorId: string): Promise<OwnedFactor | undefined> {
  const rows = await db.query<OwnedRow>(`select ${OWNED_COLUMNS} from auth.mfa_factors f where f.id = $1 and f.user_id = $2`, [factorId, userId]);
  return owned(rows[0]);
}

export async function listUserFactors(db: Queryable, userId: string): Promise<FactorJson[]> {
  const rows = await db.query<{ factor: FactorJson }>(
    `select ${factorJsonSql('f')} as factor from auth.mfa_factors f where f.user_id = $1 order by f.created_at, f.id`,
    [userId],
  );
  return rows.map((row) => row.factor);
}

/**
 * GoTrue's DeleteExpiredFactors, run before every enrolment: unverified factors, of every user, that
 * were never challenged and are older than the expiry.
 */
export async function deleteExpiredFactors(db: Queryable, expirySeconds: number): Promise<void> {
  await db.query(
    `delete from auth.mfa_factors f
      where f.status <> 'verified'
        and not exists (select 1 from auth.mfa_challenges c where c.factor_id = f.id)
        and f.created_at + make_interval(secs => $1) < now()`,
    [expirySeconds],
  );
}

/** What enrolment checks: the user's factors' names and states, after the expired ones went. */
export async function factorCensus(db: Queryable, userId: string): Promise<{ friendly_name: string | null; status: FactorStatus }[]> {
  return db.query(`select friendly_name, status::text as status from auth.mfa_factors where user_id = $1`, [userId]);
}

export async function insertTotpFactor(
  db: Queryable,
  factor: { id: string; userId: string; friendlyName: string; secret: string },
): Promise<void> {
  // GoTrue stores an empty friendly name as ''; the phone of a TOTP factor is NULL.
  await db.query(
    `insert into auth.mfa_factors (id, user_id, friendly_name, factor_type, status, created_at, updated_at, secret)
     values ($1, $2, $3, 'totp', 'unverified', now(), now(), $4)`,
    [factor.id, factor.userId, factor.friendlyName, factor.secret],
  );
}

/**
 * The key ids GoTrue's encrypted TOTP secrets name (read without parsing the JSON, so no stored value
 * can make the query fail). auth.mfa_factors is small: a scan at start is cheap.
 */
export async function encryptedSecretKeyIds(db: Queryable): Promise<string[]> {
  const [{ present }] = await db.query<{ present: boolean }>(`select to_regclass('auth.mfa_factors') is not null as present`);
  if (!present) return [];
  const rows = await db.query<{ key_id: string }>(
    `select distinct substring(secret from '"key_id":"([^"]*)"') as key_id
       from auth.mfa_factors where secret like '{%' and secret like '%"alg":"aes-gcm-hkdf"%'`,
  );
  return rows.map((row) => row.key_id).filter((keyId): keyId is string => typeof keyId === 'string' && keyId !== '');
}

export async function updateFactorSecret(db: Queryable, factorId: string, secret: string): Promise<void> {
  await db.query('update auth.mfa_factors set secret = $2 where id = $1', [factorId, secret]);
}

export interface ChallengeRow {
  id: string;
  /** Unix seconds. */
  created_at_epoch: number;
  verified: boolean;
  /** Whether it was made from the address asking now. */
  same_ip: boolean;
  /** Past its lifetime, by the database's clock (the one that stamped created_at). */
  expired: boolean;
}

/** A challenge and the factor's last_challenged_at, written together (GoTrue's WriteChallengeToDatabase). */
export async function insertChallenge(db: Queryable, factorId: string, challengeId: string, ip: string): Promise<{ created_at_epoch: number }> {
  const rows = await db.query<{ created_at_epoch: number }>(
    `with c as (
       insert into auth.mfa_challenges (id, factor_id, created_at, ip_address) values ($1, $2, now(), $3::inet)
       returning created_at
     ), f as (
       -- GoTrue's schema makes last_challenged_at unique across all factors: the statement's own clock,
       -- not the transaction's start, keeps two challenges of different factors apart.
       update auth.mfa_factors set last_challenged_at = clock_timestamp() where id = $2
     )
     select extract(epoch from created_at)::float8 as created_at_epoch from c`,
    [challengeId, factorId, ip],
  );
  return rows[0];
}

export async function findChallenge(
  db: Queryable,
  factorId: string,
  challengeId: string,
  ip: string,
  lifetimeSeconds: number,
): Promise<ChallengeRow | undefined> {
  const rows = await db.query<ChallengeRow>(
    `select id, extract(epoch from created_at)::float8 as created_at_epoch, verified_at is not null as verified,
            ip_address = $3::inet as same_ip, now() > created_at + make_interval(secs => $4) as expired
       from auth.mfa_challenges where id = $1 and factor_id = $2`,
    [challengeId, factorId, ip, lifetimeSeconds],
  );
  return rows[0];
}

export async function deleteChallenge(db: Queryable, challengeId: string): Promise<void> {
  await db.query('delete from auth.mfa_challenges where id = $1', [challengeId]);
}

/** Marks the challenge verified; false when another request verified it first. */
export async function consumeChallenge(db: Queryable, challengeId: string): Promise<boolean> {
  const rows = await db.query('update auth.mfa_challenges set verified_at = now() where id = $1 and verified_at is null returning id', [challengeId]);
  return rows.length === 1;
}

/** Records `timeStep` as the factor's last verified step; false when it is not later than the last one. */
export async function recordTotpStep(db: Queryable, factorId: string, timeStep: number): Promise<boolean> {
  const rows = await db.query(
    `insert into auth.foyer_mfa_totp_steps (factor_id, time_step, verified_at) values ($1, $2, now())
     on conflict (factor_id) do update set time_step = excluded.time_step, verified_at = excluded.verified_at
       where auth.foyer_mfa_totp_steps.time_step < excluded.time_step
     returning factor_id`,
    [factorId, timeStep],
  );
  return rows.length === 1;
}

export async function markFactorVerified(db: Queryable, factorId: string): Promise<void> {
  await db.query(`update auth.mfa_factors set status = 'verified', updated_at = now() where id = $1`, [factorId]);
}

/** GoTrue's DeleteUnverifiedFactors: the user's other enrolments of this type, once one is verified. */
export async function deleteUnverifiedFactors(db: Queryable, userId: string, factorType: FactorType): Promise<void> {
  await db.query(`delete from auth.mfa_factors where user_id = $1 and status = 'unverified' and factor_type = $2::auth.factor_type`, [userId, factorType]);
}

/** Deletes the factor (its challenges cascade); returns it as it was. */
export async function deleteFactor(db: Queryable, factorId: string): Promise<FactorJson | undefined> {
  const rows = await db.query<{ factor: FactorJson }>(`delete from auth.mfa_factors f where f.id = $1 returning ${factorJsonSql('f')} as factor`, [factorId]);
  return rows[0]?.factor;
}

export async function renameFactor(db: Queryable, factorId: string, friendlyName: string): Promise<FactorJson | undefined> {
  const rows = await db.query<{ factor: FactorJson }>(
    `update auth.mfa_factors f set friendly_name = $2, updated_at = now() where f.id = $1 returning ${factorJsonSql('f')} as factor`,
    [factorId, friendlyName],
  );
  return rows[0]?.factor;
}

/**
 * An audit entry of log type `factor`, in GoTrue's payload shape. The actor is a user (actor_username:
 * its phone, else its email), or an admin: the nil id and its role as the name.
 */
export async function insertFactorAudit(
  db: Queryable,
  entry: { actorId: string | null; adminRole?: string; action: string; logType?: string; traits: Record<string, unknown> | null; ip: string | null },
): Promise<void> {
  await db.query(
    `insert into auth.audit_log_entries (instance_id, id, payload, created_at, ip_address)
     select '${NIL_UUID}', auth.foyer_uuid_v7(),
            (jsonb_build_object('actor_id', coalesce($1::text, '${NIL_UUID}'), 'actor_via_sso', coalesce(u.is_sso_user, false),
                                'actor_username', coalesce($2::text, nullif(u.phone, ''), u.email, ''),
                                'action', $3::text, 'log_type', $4::text)
             || case when u.raw_user_meta_data ? 'full_name' then jsonb_build_object('actor_name', u.raw_user_meta_data -> 'full_name') else '{}'::jsonb end
             || case when $5::jsonb is null then '{}'::jsonb else jsonb_build_object('traits', $5::jsonb) end)::json,
            now(), coalesce($6::text, '')
       from (select 1) as one left join auth.users u on u.id = $1::uuid`,
    [entry.actorId, entry.adminRole ?? null, entry.action, entry.logType ?? 'factor', entry.traits === null ? null : JSON.stringify(entry.traits), entry.ip],
  );
}
