/**
 * Ids of what a sign-in adds. Sessions, their authentication-method claims, identities and audit entries get
 * time-ordered ids (UUID version 7), so that at a million users each sign-in adds to the right-most
 * pages of those indexes instead of a random page each. Users get random ids (version 4) as in GoTrue,
 * or time-ordered ones with FOYER_USER_ID_FORMAT=uuidv7, and then the answer to a sign-up of a taken
 * address carries such an id too (it must not look different from a real new user's).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { engines } from '../helpers/engines.js';
import { configError } from '../helpers/config-error.js';
import { createTestProject, decodeJwt, signUpAnonymously, versionHeaders, type TestProject } from '../helpers/project.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The version nibble of a uuid, after checking its shape and RFC 9562's variant (10xx). */
function versionOf(id: unknown): number {
  assert.equal(typeof id, 'string');
  assert.match(id as string, UUID);
  assert.match((id as string)[19], /[89ab]/, `variant of ${String(id)}`);
  return Number.parseInt((id as string)[14], 16);
}

/** The Unix milliseconds a version 7 uuid carries. */
const millisecondsOf = (id: string): number => Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16);

function assertTimeOrdered(id: unknown, fromMs: number, toMs: number): void {
  assert.equal(versionOf(id), 7, `${String(id)} is not time-ordered`);
  const ms = millisecondsOf(id as string);
  // The database's clock and this process's are the same machine's; a few ms of slack for rounding.
  assert.ok(ms >= fromMs - 5 && ms <= toMs + 5, `${String(id)} carries ${new Date(ms).toISOString()}, outside the request`);
}

for (const engine of engines) {
  describe(`ids of new users and sessions (${engine})`, () => {
    let t: TestProject;
    let timeOrdered: TestProject;
    before(async () => {
      t = await createTestProject(engine);
      timeOrdered = await createTestProject(engine, { FOYER_USER_ID_FORMAT: 'uuidv7' });
    });
    after(async () => {
      await t?.close();
      await timeOrdered?.close();
    });

    it('gives a session, its method claim and the audit entries time-ordered ids, and the user a random one', async () => {
      const fromMs = Date.now();
      const first = await signUpAnonymously(t.app);
      const second = await signUpAnonymously(t.app);
      const toMs = Date.now();
      assert.equal(versionOf(first.user.id), 4);
      assert.equal(versionOf(second.user.id), 4);
      const firstSession = decodeJwt(first.access_token).session_id as string;
      const secondSession = decodeJwt(second.access_token).session_id as string;
      assertTimeOrdered(firstSession, fromMs, toMs);
      assertTimeOrdered(secondSession, fromMs, toMs);
      assert.ok(millisecondsOf(secondSession) >= millisecondsOf(firstSession));
      const sessions = await t.database.db.query<{ id: string }>('select id::text as id from auth.sessions where user_id = $1', [first.user.id]);
      assert.deepEqual(sessions.map((row) => row.id), [firstSession]);
      const claims = await t.database.db.query<{ id: string }>('select id::text as id from auth.mfa_amr_claims where session_id = $1', [firstSession]);
      assert.equal(claims.length, 1);
      assertTimeOrdered(claims[0].id, fromMs, toMs);

      // A sign-out writes an audit entry (in SQL, not in this process).
      const logoutFromMs = Date.now();
      const logout = await t.app.inject({ method: 'POST', url: '/auth/v1/logout', headers: { ...versionHeaders, authorization: `Bearer ${first.access_token}` } });
      assert.equal(logout.statusCode, 204, logout.body);
      const entries = await t.database.db.query<{ id: string }>(
        `select id::text as id from auth.audit_log_entries where payload ->> 'action' = 'logout' and payload ->> 'actor_id' = $1`,
        [first.user.id],
      );
      assert.equal(entries.length, 1);
      assertTimeOrdered(entries[0].id, logoutFromMs, Date.now());
    });

    it('gives a new user’s identity and the sessions of a password sign-in time-ordered ids too', async () => {
      const createdFromMs = Date.now();
      const created = await t.app.inject({
        method: 'POST',
        url: '/auth/v1/admin/users',
        headers: { ...versionHeaders, apikey: t.serviceRoleKey, authorization: `Bearer ${t.serviceRoleKey}` },
        payload: JSON.stringify({ email: 'ids@example.com', password: 'ids-password-1', email_confirm: true }),
      });
      assert.equal(created.statusCode, 200, created.body);
      const user = created.json<{ id: string; identities: { identity_id: string }[] }>();
      assert.equal(versionOf(user.id), 4);
      assert.equal(user.identities.length, 1);
      assertTimeOrdered(user.identities[0].identity_id, createdFromMs, Date.now());
      const fromMs = Date.now();
      const signedIn = await t.app.inject({
        method: 'POST',
        url: '/auth/v1/token?grant_type=password',
        headers: versionHeaders,
        payload: JSON.stringify({ email: 'ids@example.com', password: 'ids-password-1' }),
      });
      assert.equal(signedIn.statusCode, 200, signedIn.body);
      const sessionId = decodeJwt(signedIn.json<{ access_token: string }>().access_token).session_id as string;
      assertTimeOrdered(sessionId, fromMs, Date.now());
      const claims = await t.database.db.query<{ id: string }>('select id::text as id from auth.mfa_amr_claims where session_id = $1', [sessionId]);
      assertTimeOrdered(claims[0]?.id, fromMs, Date.now());
    });

    it('with FOYER_USER_ID_FORMAT=uuidv7 gives users time-ordered ids, the disguised answer for a taken address included', async () => {
      const fromMs = Date.now();
      const anonymous = await signUpAnonymously(timeOrdered.app);
      assertTimeOrdered(anonymous.user.id, fromMs, Date.now());
      assert.equal(decodeJwt(anonymous.access_token).sub, anonymous.user.id);

      const signup = (password: string) =>
        timeOrdered.app.inject({ method: 'POST', url: '/auth/v1/signup', headers: versionHeaders, payload: JSON.stringify({ email: 'taken-v7@example.com', password }) });
      const signupFromMs = Date.now();
      const first = await signup('first-password-1');
      assert.equal(first.statusCode, 200, first.body);
      assertTimeOrdered(first.json<{ id: string }>().id, signupFromMs, Date.now());
      const againFromMs = Date.now();
      const again = await signup('other-password-1');
      assert.equal(again.statusCode, 200, again.body);
      const disguised = again.json<{ id: string }>().id;
      assert.notEqual(disguised, first.json<{ id: string }>().id);
      assertTimeOrdered(disguised, againFromMs, Date.now());
    });
  });
}

describe('FOYER_USER_ID_FORMAT', () => {
  it('takes uuidv4 (the default) and uuidv7, and stops the start on anything else, naming it', () => {
    assert.match(configError({ FOYER_USER_ID_FORMAT: 'uuidv1' }), /FOYER_USER_ID_FORMAT must be one of uuidv4, uuidv7, got "uuidv1"/);
  });
});
