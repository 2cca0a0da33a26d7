/**
 * GoTrue's MFA verification attempt hook with the real supabase-js, both ways, on both engines: the
 * hook is told of every TOTP code checked (valid or not, with the factor) before Foyer acts on it; an
 * answer other than "reject" lets the normal outcome stand; "reject" turns a correct code into GoTrue's
 * 403 mfa_verification_rejected (its message, or GoTrue's default) and signs the user out everywhere;
 * a hook that fails is a clear error and the code stays unused.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { SupabaseClient } from '@supabase/supabase-js';
import { engines } from '../helpers/engines.js';
import { hookSecret, startHookReceiver, type HookReceiver } from '../helpers/hook-receiver.js';
import { totpCode } from '../helpers/mfa.js';
import { createTestProject, type TestProject } from '../helpers/project.js';
import { makeClient } from '../helpers/server.js';

const SECRET = hookSecret('mfa verification hook secret');
const PASSWORD = 'a long enough password';

interface Attempt {
  metadata: { name: string; ip_address?: string };
  user_id: string;
  factor_id: string;
  factor_type: string;
  valid: boolean;
}

interface Enrolled {
  client: SupabaseClient;
  userId: string;
  factorId: string;
  secret: string;
}

async function listen(t: TestProject): Promise<string> {
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
}

/** A user signed in with a password and a TOTP factor enrolled (not yet verified). */
async function enrolledUser(url: string, t: TestProject): Promise<Enrolled> {
  const email = `mfa-hook-${randomBytes(4).toString('hex')}@example.com`;
  const created = await makeClient(url, t.serviceRoleKey).auth.admin.createUser({ email, password: PASSWORD, email_confirm: true });
  assert.equal(created.error, null);
  const client = makeClient(url, t.anonKey);
  assert.equal((await client.auth.signInWithPassword({ email, password: PASSWORD })).error, null);
  const enrolled = await client.auth.mfa.enroll({ factorType: 'totp' });
  assert.equal(enrolled.error, null, enrolled.error?.message);
  return { client, userId: created.data.user!.id, factorId: enrolled.data!.id, secret: enrolled.data!.totp.secret };
}

const sessionsOf = async (t: TestProject, userId: string) =>
  (await t.database.db.query<{ n: number }>('select count(*)::int as n from auth.sessions where user_id = $1', [userId]))[0].n;

const wrongCode = (secret: string) => {
  const near = new Set([-2, -1, 0, 1, 2].map((offset) => totpCode(secret, offset)));
  for (let n = 0; ; n += 1) {
    const code = String(n).padStart(6, '0');
    if (!near.has(code)) return code;
  }
};

for (const engine of engines) {
  describe(`MFA verification attempt hook over signed HTTP, supabase-js (${engine})`, () => {
    let t: TestProject;
    let url: string;
    let receiver: HookReceiver;
    const last = () => receiver.accepted.at(-1)?.payload as unknown as Attempt;

    before(async () => {
      receiver = await startHookReceiver(SECRET);
      t = await createTestProject(engine, {
        GOTRUE_MFA_RATE_LIMIT_CHALLENGE_AND_VERIFY: '100000',
        GOTRUE_HOOK_MFA_VERIFICATION_ATTEMPT_ENABLED: 'true',
        GOTRUE_HOOK_MFA_VERIFICATION_ATTEMPT_URI: receiver.url,
        GOTRUE_HOOK_MFA_VERIFICATION_ATTEMPT_SECRETS: SECRET,
      });
      url = await listen(t);
    });
    after(async () => {
      await t.close();
      await receiver.close();
    });

    it('tells the hook of a wrong code (valid: false) and of a right one; "continue" lets each outcome stand', async () => {
      const user = await enrolledUser(url, t);
      receiver.answer = { kind: 'json', body: { decision: 'continue' } };
      const wrong = await user.client.auth.mfa.challengeAndVerify({ factorId: user.factorId, code: wrongCode(user.secret) });
      assert.equal(wrong.error?.code, 'mfa_verification_failed');
      assert.equal(wrong.error?.status, 422);
      assert.deepEqual({ ...last(), metadata: undefined }, { metadata: undefined, user_id: user.userId, factor_id: user.factorId, factor_type: 'totp', valid: false });
      assert.equal(last().metadata.name, 'mfa-verification');
      assert.equal(last().metadata.ip_address, '127.0.0.1');

      const right = await user.client.auth.mfa.challengeAndVerify({ factorId: user.factorId, code: totpCode(user.secret) });
      assert.equal(right.error, null, right.error?.message);
      assert.equal(last().valid, true);
      const { data } = await user.client.auth.mfa.getAuthenticatorAssuranceLevel();
      assert.equal(data?.currentLevel, 'aal2');
    });

    it('"reject" turns a correct code into 403 mfa_verification_rejected with the hook\'s message and signs the user out everywhere', async () => {
      const user = await enrolledUser(url, t);
      const elsewhere = makeClient(url, t.anonKey);
      const email = (await user.client.auth.getUser()).data.user!.email!;
      assert.equal((await elsewhere.auth.signInWithPassword({ email, password: PASSWORD })).error, null);
      assert.equal(await sessionsOf(t, user.userId), 2);

      receiver.answer = { kind: 'json', body: { decision: 'reject', message: 'Too many failed codes today' } };
      const rejected = await user.client.auth.mfa.challengeAndVerify({ factorId: user.factorId, code: totpCode(user.secret) });
      receiver.answer = { kind: 'json', body: {} };
      assert.equal(rejected.error?.code, 'mfa_verification_rejected');
      assert.equal(rejected.error?.status, 403);
      assert.equal(rejected.error?.message, 'Too many failed codes today');
      assert.equal(last().valid, true, 'the code was right');
      assert.equal(await sessionsOf(t, user.userId), 0, 'every session ended');
      const [factor] = await t.database.db.query<{ status: string }>('select status::text as status from auth.mfa_factors where id = $1', [user.factorId]);
      assert.equal(factor.status, 'unverified', 'the factor was not verified');
      const refreshed = await elsewhere.auth.refreshSession();
      assert.ok(refreshed.error, 'the other session cannot refresh');
    });

    it('"reject" without a message answers GoTrue\'s default', async () => {
      const user = await enrolledUser(url, t);
      receiver.answer = { kind: 'json', body: { decision: 'reject' } };
      const rejected = await user.client.auth.mfa.challengeAndVerify({ factorId: user.factorId, code: wrongCode(user.secret) });
      receiver.answer = { kind: 'json', body: {} };
      assert.equal(rejected.error?.code, 'mfa_verification_rejected');
      assert.equal(rejected.error?.message, 'Further MFA verification attempts will be rejected.');
    });

    for (const fault of [
      { name: 'an error object', answer: { kind: 'json', body: { error: { http_code: 429, message: 'Slow down' } } }, status: 429, message: /^Slow down$/ },
      { name: 'HTTP 500', answer: { kind: 'raw', status: 500, contentType: 'text/plain', body: 'oops' }, status: 422, message: /Unexpected status code returned from hook: 500/ },
      { name: 'a decision that is not a string', answer: { kind: 'json', body: { decision: 1 } }, status: 422, message: /Error unmarshaling JSON output/ },
    ] as const) {
      it(`answers ${fault.name} with a clear error; the code stays unused and works once the hook does`, async () => {
        const user = await enrolledUser(url, t);
        receiver.answer = fault.answer;
        const challenge = await user.client.auth.mfa.challenge({ factorId: user.factorId });
        assert.equal(challenge.error, null);
        const code = totpCode(user.secret);
        const failed = await user.client.auth.mfa.verify({ factorId: user.factorId, challengeId: challenge.data!.id, code });
        receiver.answer = { kind: 'json', body: {} };
        assert.equal(failed.error?.status, fault.status, failed.error?.message);
        assert.match(failed.error?.message ?? '', fault.message);
        const retried = await user.client.auth.mfa.verify({ factorId: user.factorId, challengeId: challenge.data!.id, code });
        assert.equal(retried.error, null, retried.error?.message);
      });
    }
  });

  describe(`MFA verification attempt hook as a Postgres function, supabase-js (${engine})`, () => {
    let t: TestProject;
    let url: string;

    before(async () => {
      t = await createTestProject(engine, {
        GOTRUE_MFA_RATE_LIMIT_CHALLENGE_AND_VERIFY: '100000',
        GOTRUE_HOOK_MFA_VERIFICATION_ATTEMPT_ENABLED: 'true',
        GOTRUE_HOOK_MFA_VERIFICATION_ATTEMPT_URI: 'pg-functions://postgres/public/mfa_attempt',
      });
      // Supabase's example: reject once a user has failed twice.
      await t.database.db.execScript(`
        create table public.mfa_failures (user_id uuid not null, at timestamptz not null default now());
        create function public.mfa_attempt(event jsonb) returns jsonb language plpgsql as $$
        begin
          if (select count(*) from public.mfa_failures where user_id = (event->>'user_id')::uuid) >= 2 then
            return jsonb_build_object('decision', 'reject', 'message', 'You have exceeded maximum number of MFA attempts.');
          end if;
          if not (event->>'valid')::boolean then
            insert into public.mfa_failures (user_id) values ((event->>'user_id')::uuid);
          end if;
          return jsonb_build_object('decision', 'continue');
        end $$;`);
      url = await listen(t);
    });
    after(() => t.close());

    it('counts failures in the database and rejects the third attempt, even with the right code', async () => {
      const user = await enrolledUser(url, t);
      for (let i = 0; i < 2; i += 1) {
        const wrong = await user.client.auth.mfa.challengeAndVerify({ factorId: user.factorId, code: wrongCode(user.secret) });
        assert.equal(wrong.error?.code, 'mfa_verification_failed');
      }
      const rejected = await user.client.auth.mfa.challengeAndVerify({ factorId: user.factorId, code: totpCode(user.secret) });
      assert.equal(rejected.error?.code, 'mfa_verification_rejected');
      assert.equal(rejected.error?.status, 403);
      assert.equal(rejected.error?.message, 'You have exceeded maximum number of MFA attempts.');
      assert.equal(await sessionsOf(t, user.userId), 0);
    });

    it('lets a user without failures verify', async () => {
      const user = await enrolledUser(url, t);
      const verified = await user.client.auth.mfa.challengeAndVerify({ factorId: user.factorId, code: totpCode(user.secret) });
      assert.equal(verified.error, null, verified.error?.message);
    });
  });
}
