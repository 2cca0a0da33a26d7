/**
 * GoTrue's before-user-created and password verification attempt hooks, each as a Postgres function
 * and as a signed HTTP receiver, through supabase-js: a refused sign-up (password, magic link, admin)
 * leaves no user; a rejected password attempt is 400 invalid_credentials with the hook's message and,
 * with should_logout_user, ends the user's sessions. Both engines.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { isAuthApiError } from '@supabase/supabase-js';
import { Webhook } from 'standardwebhooks';
import { engines } from '../helpers/engines.js';
import { createRestProject, type RestProject } from '../helpers/rest.js';

const SECRET = `v1,whsec_${Buffer.from('a hook secret of 32 bytes, test!').toString('base64')}`;
const PASSWORD = 'correct horse battery staple';

const functionsSql = `
  create table public.password_attempts (user_id uuid not null, valid boolean not null);
  create function public.before_user_created(event jsonb) returns jsonb language sql as $$
    select case when event->'user'->>'email' like '%@blocked.example'
      then '{"error": {"http_code": 403, "message": "Sign-ups from this domain are closed"}}'::jsonb
      else '{}'::jsonb end $$;
  create function public.password_attempt(event jsonb) returns jsonb language plpgsql as $$
  begin
    insert into public.password_attempts values ((event->>'user_id')::uuid, (event->>'valid')::boolean);
    if (select count(*) from public.password_attempts where user_id = (event->>'user_id')::uuid and not valid) >= 2 then
      return '{"decision": "reject", "message": "Too many attempts", "should_logout_user": true}'::jsonb;
    end if;
    return '{"decision": "continue"}'::jsonb;
  end $$;
`;

async function userCount(t: RestProject, email: string): Promise<number> {
  const [row] = await t.database.db.query<{ n: number }>('select count(*)::int as n from auth.users where email = $1', [email]);
  return row.n;
}

async function sessionCount(t: RestProject, userId: string): Promise<number> {
  const [row] = await t.database.db.query<{ n: number }>('select count(*)::int as n from auth.sessions where user_id = $1', [userId]);
  return row.n;
}

/** Signature-checking receiver for both hooks; failed password attempts counted per user. */
async function startReceiver(): Promise<{ url: string; close: () => Promise<void> }> {
  const verifier = new Webhook(SECRET.slice('v1,'.length));
  const failures = new Map<string, number>();
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      let body: Record<string, unknown>;
      try {
        body = verifier.verify(Buffer.concat(chunks).toString('utf8'), request.headers as Record<string, string>) as Record<string, unknown>;
      } catch {
        response.writeHead(401).end();
        return;
      }
      const json = (value: unknown) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(value));
      if (request.url === '/before-user-created') {
        const email = (body.user as { email: string }).email;
        return json(email.endsWith('@blocked.example') ? { error: { http_code: 403, message: 'Sign-ups from this domain are closed' } } : {});
      }
      const userId = body.user_id as string;
      if (!body.valid) failures.set(userId, (failures.get(userId) ?? 0) + 1);
      return json((failures.get(userId) ?? 0) >= 2 ? { decision: 'reject', message: 'Too many attempts', should_logout_user: true } : { decision: 'continue' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

for (const engine of engines) {
  for (const way of ['Postgres function', 'signed HTTP'] as const) {
    describe(`before-user-created and password verification attempt hooks, ${way} (${engine})`, () => {
      let t: RestProject;
      let receiver: { url: string; close: () => Promise<void> } | undefined;
      before(async () => {
        receiver = way === 'signed HTTP' ? await startReceiver() : undefined;
        const env: Record<string, string> =
          receiver === undefined
            ? {
                GOTRUE_HOOK_BEFORE_USER_CREATED_URI: 'pg-functions://postgres/public/before_user_created',
                GOTRUE_HOOK_PASSWORD_VERIFICATION_ATTEMPT_URI: 'pg-functions://postgres/public/password_attempt',
              }
            : {
                GOTRUE_HOOK_BEFORE_USER_CREATED_URI: `${receiver.url}/before-user-created`,
                GOTRUE_HOOK_PASSWORD_VERIFICATION_ATTEMPT_URI: `${receiver.url}/password-attempt`,
                GOTRUE_HOOK_BEFORE_USER_CREATED_SECRETS: SECRET,
                GOTRUE_HOOK_PASSWORD_VERIFICATION_ATTEMPT_SECRETS: SECRET,
              };
        t = await createRestProject(engine, {
          GOTRUE_MAILER_AUTOCONFIRM: 'true',
          GOTRUE_HOOK_BEFORE_USER_CREATED_ENABLED: 'true',
          GOTRUE_HOOK_PASSWORD_VERIFICATION_ATTEMPT_ENABLED: 'true',
          ...env,
        });
        await t.database.db.execScript(functionsSql);
      });
      after(async () => {
        await t.close();
        await receiver?.close();
      });

      it('refuses sign-ups the hook refuses, on every path, leaving no user; lets the others through', async () => {
        const blocked = 'mallory@blocked.example';
        const signUp = await t.anonClient().auth.signUp({ email: blocked, password: PASSWORD });
        assert.ok(isAuthApiError(signUp.error), JSON.stringify(signUp.error));
        assert.equal(signUp.error.status, 403);
        assert.equal(signUp.error.message, 'Sign-ups from this domain are closed');
        const otp = await t.anonClient().auth.signInWithOtp({ email: blocked });
        assert.equal(otp.error?.status, 403);
        const admin = await t.serviceClient().auth.admin.createUser({ email: blocked, password: PASSWORD, email_confirm: true });
        assert.equal(admin.error?.status, 403);
        const invite = await t.serviceClient().auth.admin.inviteUserByEmail(blocked);
        assert.equal(invite.error?.status, 403);
        assert.equal(await userCount(t, blocked), 0);

        const welcome = await t.anonClient().auth.signUp({ email: 'alice@example.com', password: PASSWORD });
        assert.equal(welcome.error, null);
        assert.ok(welcome.data.session, 'autoconfirmed: a session');
        const anonymous = await t.anonClient().auth.signInAnonymously();
        assert.equal(anonymous.error, null);
      });

      it('rejects a password attempt on the hook’s decision and signs the user out everywhere', async () => {
        const email = 'bob@example.com';
        const { id } = await t.permanentUser(email);
        assert.equal(await sessionCount(t, id), 1);
        for (let attempt = 0; attempt < 2; attempt++) {
          const wrong = await t.anonClient().auth.signInWithPassword({ email, password: 'wrong password' });
          assert.ok(isAuthApiError(wrong.error));
          assert.equal(wrong.error.code, 'invalid_credentials');
        }
        // The second failure already crossed the hook's line: the right password is rejected too.
        const right = await t.anonClient().auth.signInWithPassword({ email, password: PASSWORD });
        assert.ok(isAuthApiError(right.error));
        assert.equal(right.error.status, 400);
        assert.equal(right.error.code, 'invalid_credentials');
        assert.equal(right.error.message, 'Too many attempts');
        assert.equal(await sessionCount(t, id), 0, 'should_logout_user ended every session');
      });
    });
  }
}
