/**
 * GoTrue's database cleanup (GOTRUE_DB_CLEANUP_ENABLED): small `for update skip locked` batches that
 * drop what can no longer be used: refresh tokens revoked over 24h ago, refresh tokens of sessions
 * past not_after, sessions expired over 72h ago (10 at a time: their rows cascade), expired WebAuthn
 * challenges and OAuth flow states over 24h old; with GOTRUE_SESSIONS_TIMEBOX / _INACTIVITY_TIMEOUT,
 * sessions past them by 24h.
 * Users are never deleted here (that is the anonymous cleanup, src/jobs/cleanup.ts).
 */
import type { Queryable, SqlParam } from '../store/db.js';

interface Statement {
  readonly name: string;
  readonly limit: number;
  readonly sql: string;
  readonly params?: readonly SqlParam[];
}

const counted = (dml: string) => `with affected as (${dml} returning 1) select count(*)::int as n from affected`;

export function housekeepingStatements(settings: { sessionsTimeboxSeconds: number; sessionsInactivityTimeoutSeconds: number }): Statement[] {
  const statements: Statement[] = [
    {
      name: 'revoked refresh tokens',
      limit: 100,
      sql: counted(`delete from auth.refresh_tokens where id in (
        select id from auth.refresh_tokens where revoked is true and updated_at < now() - interval '24 hours' limit 100 for update skip locked)`),
    },
    {
      name: 'refresh tokens of expired sessions',
      limit: 100,
      sql: counted(`update auth.refresh_tokens set revoked = true, updated_at = now() where id in (
        select r.id from auth.refresh_tokens r join auth.sessions s on r.session_id = s.id
         where s.not_after < now() - interval '24 hours' and r.revoked is false limit 100 for update of r skip locked)`),
    },
    {
      name: 'expired sessions',
      limit: 10,
      sql: counted(`delete from auth.sessions where id in (
        select id from auth.sessions where not_after < now() - interval '72 hours' limit 10 for update skip locked)`),
    },
    {
      name: 'expired WebAuthn challenges',
      limit: 100,
      sql: counted(`delete from auth.webauthn_challenges where id in (
        select id from auth.webauthn_challenges where expires_at < now() limit 100 for update skip locked)`),
    },
    {
      name: 'old OAuth flow states',
      limit: 100,
      sql: counted(`delete from auth.flow_state where id in (
        select id from auth.flow_state where created_at < now() - interval '24 hours' limit 100 for update skip locked)`),
    },
  ];
  if (settings.sessionsTimeboxSeconds > 0) {
    statements.push({
      name: 'sessions past the timebox',
      limit: 100,
      sql: counted(`delete from auth.sessions where id in (
        select id from auth.sessions where created_at + make_interval(secs => $1::double precision) < now() - interval '24 hours'
         limit 100 for update skip locked)`),
      params: [settings.sessionsTimeboxSeconds],
    });
  }
  if (settings.sessionsInactivityTimeoutSeconds > 0) {
    statements.push({
      name: 'inactive sessions',
      limit: 100,
      sql: counted(`delete from auth.sessions where id in (
        select id from auth.sessions
         where coalesce(refreshed_at at time zone 'UTC', updated_at, created_at) + make_interval(secs => $1::double precision)
               < now() - interval '24 hours'
         limit 100 for update skip locked)`),
      params: [settings.sessionsInactivityTimeoutSeconds],
    });
  }
  return statements;
}

/** Runs every statement until it comes back short (at most `maxRounds` times each). Returns rows affected by name. */
export async function runHousekeeping(
  db: Queryable,
  settings: { sessionsTimeboxSeconds: number; sessionsInactivityTimeoutSeconds: number },
  maxRounds = 100,
): Promise<Record<string, number>> {
  const affected: Record<string, number> = {};
  for (const statement of housekeepingStatements(settings)) {
    let total = 0;
    for (let round = 0; round < maxRounds; round += 1) {
      const [{ n }] = await db.query<{ n: number }>(statement.sql, statement.params ?? []);
      total += n;
      if (n < statement.limit) break;
    }
    affected[statement.name] = total;
  }
  return affected;
}
