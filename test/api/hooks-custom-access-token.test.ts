/**
 * GoTrue's custom access token hook, both ways: a Postgres function (pg-functions://) and an HTTP
 * receiver that checks the Standard Webhooks signature. The claim the hook adds is read by a row-level
 * security policy through the Data API with the real supabase-js; each way the hook can fail is a clear
 * GoTrue error and leaves no session (nor anonymous user) behind. Both engines.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { isAuthApiError } from '@supabase/supabase-js';
import { Webhook } from 'standardwebhooks';
import { engines } from '../helpers/engines.js';
import { decodeJwt } from '../helpers/project.js';
import { createRestProject, type RestProject } from '../helpers/rest.js';

const SECRET = `v1,whsec_${Buffer.from('a hook secret of 32 bytes, test!').toString('base64')}`;
const OTHER_SECRET = `v1,whsec_${Buffer.from('another secret of 32 bytes, test').toString('base64')}`;

/** A notes table only the hook's tenant may read: the policy reads the claim the hook put in the JWT. */
const fixtureSql = `
  create table public.notes (id int primary key, tenant text not null, body text not null);
  alter table public.notes enable row level security;
  create policy "tenant reads its notes" on public.notes for select to authenticated
    using (tenant = (select auth.jwt()->>'tenant_id'));
  grant select on public.notes to anon, authenticated;
  insert into public.notes values (1, 'acme', 'acme plans'), (2, 'globex', 'globex plans');
`;

/** The hook as Supabase's guide writes it: claims in, claims (plus tenant_id) out. */
const addTenantSql = `
  create or replace function public.custom_access_token(event jsonb) returns jsonb language plpgsql as $$
  begin
    return jsonb_build_object('claims', (event->'claims') || jsonb_build_object(
      'tenant_id', 'acme',
      'seen_method', event->>'authentication_method',
      'seen_user', event->>'user_id'));
  end $$;
`;

const faultSql: Record<string, string> = {
  timeout: `create or replace function public.custom_access_token(event jsonb) returns jsonb language sql as $$ select pg_sleep(2.5); select event $$;`,
  notJson: `drop function public.custom_access_token(jsonb); create function public.custom_access_token(event jsonb) returns text language sql as $$ select 'not json'::text $$;`,
  dropsEmail: `create or replace function public.custom_access_token(event jsonb) returns jsonb language sql as $$ select jsonb_build_object('claims', (event->'claims') - 'email') $$;`,
  errorObject: `create or replace function public.custom_access_token(event jsonb) returns jsonb language sql as $$ select '{"error": {"http_code": 403, "message": "Tenant suspended"}}'::jsonb $$;`,
  missing: `drop function if exists public.custom_access_token(jsonb);`,
  notAFunction: `drop function if exists public.custom_access_token(jsonb); create table if not exists public.custom_access_token (event jsonb);`,
};

/** What a sign-in leaves: sessions, users and GoTrue's `login` audit entries. */
async function counts(t: RestProject): Promise<{ sessions: number; users: number; logins: number }> {
  const [row] = await t.database.db.query<{ sessions: number; users: number; logins: number }>(
    `select (select count(*)::int from auth.sessions) as sessions, (select count(*)::int from auth.users) as users,
            (select count(*)::int from auth.audit_log_entries where payload->>'action' = 'login') as logins`,
  );
  return row;
}

async function readNotes(t: RestProject, accessToken: string): Promise<string[]> {
  const response = await t.app.inject({
    method: 'GET',
    url: '/rest/v1/notes?select=body&order=id',
    headers: { apikey: t.anonKey, authorization: `Bearer ${accessToken}` },
  });
  assert.equal(response.statusCode, 200, response.body);
  return (response.json() as { body: string }[]).map((row) => row.body);
}

/** A Standard Webhooks receiver; `answer` decides each reply. */
interface Receiver {
  readonly url: string;
  answer: (body: Record<string, unknown>, response: ServerResponse) => void;
  calls: number;
  close(): Promise<void>;
}

async function startReceiver(secret: string): Promise<Receiver> {
  const verifier = new Webhook(secret.slice('v1,'.length));
  const receiver: Receiver = {
    url: '',
    calls: 0,
    answer: () => undefined,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      receiver.calls++;
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: Record<string, unknown>;
      try {
        body = verifier.verify(raw, request.headers as Record<string, string>) as Record<string, unknown>;
      } catch {
        response.writeHead(401, { 'content-type': 'application/json' }).end('{"message":"bad signature"}');
        return;
      }
      receiver.answer(body, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  Object.assign(receiver, { url: `http://127.0.0.1:${address.port}/hooks/token` });
  return receiver;
}

const addTenant = (body: Record<string, unknown>, response: ServerResponse) => {
  const claims = { ...(body.claims as Record<string, unknown>), tenant_id: 'acme', seen_method: body.authentication_method };
  response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify({ claims }));
};

for (const engine of engines) {
  describe(`custom access token hook, Postgres function (${engine})`, () => {
    let t: RestProject;
    before(async () => {
      t = await createRestProject(engine, {
        GOTRUE_HOOK_CUSTOM_ACCESS_TOKEN_ENABLED: 'true',
        GOTRUE_HOOK_CUSTOM_ACCESS_TOKEN_URI: 'pg-functions://postgres/public/custom_access_token',
      });
      await t.database.db.execScript(fixtureSql + addTenantSql);
    });
    after(() => t.close());

    it('puts the tenant into every token, and the RLS policy reads it through the Data API', async () => {
      const { client, id } = await t.permanentUser('ada@example.com');
      const { data } = await client.auth.getSession();
      const token = data.session?.access_token as string;
      const claims = decodeJwt(token);
      assert.equal(claims.tenant_id, 'acme');
      assert.equal(claims.seen_method, 'password');
      assert.equal(claims.seen_user, id);
      assert.equal(claims.role, 'authenticated', 'the claims Foyer made are kept');
      assert.deepEqual(await readNotes(t, token), ['acme plans']);
      const { data: notes, error } = await client.from('notes').select('body');
      assert.equal(error, null);
      assert.deepEqual(notes, [{ body: 'acme plans' }]);

      const refreshed = await client.auth.refreshSession();
      assert.equal(refreshed.error, null);
      const refreshedClaims = decodeJwt(refreshed.data.session?.access_token as string);
      assert.equal(refreshedClaims.tenant_id, 'acme');
      assert.equal(refreshedClaims.seen_method, 'token_refresh');

      const anonymous = await t.anonymousUser();
      const anonymousToken = (await anonymous.client.auth.getSession()).data.session?.access_token as string;
      assert.equal(decodeJwt(anonymousToken).seen_method, 'anonymous');
      assert.deepEqual((await anonymous.client.from('notes').select('body')).data, [{ body: 'acme plans' }]);

      // Without the hook's claim, the same policy shows nothing.
      await t.database.db.execScript(
        `create or replace function public.custom_access_token(event jsonb) returns jsonb language sql as $$ select jsonb_build_object('claims', event->'claims') $$;`,
      );
      const plain = await client.auth.refreshSession();
      assert.equal(plain.error, null);
      assert.deepEqual(await readNotes(t, plain.data.session?.access_token as string), []);
      await t.database.db.execScript(addTenantSql);
    });

    const faults: [string, (error: { status?: number; code?: string; message: string }) => void][] = [
      ['timeout', (error) => (assert.equal(error.status, 422), assert.equal(error.code, 'hook_timeout'), assert.match(error.message, /maximum time of 2\.000000 seconds/))],
      ['notJson', (error) => (assert.equal(error.status, 422), assert.equal(error.message, 'Error unmarshaling JSON output.'))],
      ['dropsEmail', (error) => (assert.equal(error.status, 422), assert.match(error.message, /output claims do not conform to the expected schema: \n- \(root\): email is required/))],
      ['errorObject', (error) => (assert.equal(error.status, 403), assert.equal(error.message, 'Tenant suspended'))],
      ['missing', (error) => (assert.equal(error.status, 422), assert.equal(error.code, 'unexpected_failure'), assert.match(error.message, /Error running hook URI: pg-functions:\/\/postgres\/public\/custom_access_token/))],
      ['notAFunction', (error) => (assert.equal(error.status, 422), assert.match(error.message, /Error running hook URI/))],
    ];
    for (const [fault, check] of faults) {
      it(`${fault}: a GoTrue error, no session or anonymous user left behind, and the refresh token still works`, async () => {
        const { client } = await t.permanentUser(`${fault.toLowerCase()}@example.com`);
        const refreshToken = (await client.auth.getSession()).data.session?.refresh_token as string;
        await t.database.db.execScript(faultSql[fault]);
        try {
          const before = await counts(t);
          const signIn = await t.anonClient().auth.signInWithPassword({ email: `${fault.toLowerCase()}@example.com`, password: 'correct horse battery staple' });
          assert.ok(isAuthApiError(signIn.error), `password sign-in refused: ${JSON.stringify(signIn.error)}`);
          check(signIn.error);
          const anonymous = await t.anonClient().auth.signInAnonymously();
          assert.ok(isAuthApiError(anonymous.error));
          check(anonymous.error);
          const refresh = await t.anonClient().auth.refreshSession({ refresh_token: refreshToken });
          assert.ok(refresh.error);
          assert.deepEqual(await counts(t), before, 'nothing half-made');
        } finally {
          await t.database.db.execScript(`drop table if exists public.custom_access_token; drop function if exists public.custom_access_token(jsonb); ${addTenantSql}`);
        }
        // The hook mended, the refresh token the failed refresh was given is still good.
        const retried = await t.anonClient().auth.refreshSession({ refresh_token: refreshToken });
        assert.equal(retried.error, null);
        assert.equal(decodeJwt(retried.data.session?.access_token as string).tenant_id, 'acme');
      });
    }
  });

  describe(`custom access token hook, signed HTTP (${engine})`, () => {
    let t: RestProject;
    let receiver: Receiver;
    before(async () => {
      receiver = await startReceiver(SECRET);
      t = await createRestProject(engine, {
        GOTRUE_HOOK_CUSTOM_ACCESS_TOKEN_ENABLED: 'true',
        GOTRUE_HOOK_CUSTOM_ACCESS_TOKEN_URI: receiver.url,
        GOTRUE_HOOK_CUSTOM_ACCESS_TOKEN_SECRETS: `${SECRET}|${OTHER_SECRET}`,
      });
      await t.database.db.execScript(fixtureSql);
    });
    after(async () => {
      await t.close();
      await receiver.close();
    });

    it('puts the tenant into the token through a receiver that checks the signature; RLS reads it', async () => {
      receiver.answer = addTenant;
      const { client } = await t.permanentUser('grace@example.com');
      const token = (await client.auth.getSession()).data.session?.access_token as string;
      assert.equal(decodeJwt(token).tenant_id, 'acme');
      assert.deepEqual((await client.from('notes').select('body')).data, [{ body: 'acme plans' }]);
      const anonymous = await t.anonymousUser();
      assert.deepEqual((await anonymous.client.from('notes').select('body')).data, [{ body: 'acme plans' }]);
    });

    const answers: [string, (body: Record<string, unknown>, response: ServerResponse) => void, (error: { status?: number; code?: string; message: string }) => void][] = [
      ['a 500', (_body, response) => response.writeHead(500).end(), (error) => (assert.equal(error.status, 422), assert.equal(error.message, 'Unexpected status code returned from hook: 500'))],
      ['a 400', (_body, response) => response.writeHead(400).end(), (error) => (assert.equal(error.status, 422), assert.equal(error.message, 'Invalid payload sent to hook'))],
      ['a 503 without Retry-After', (_body, response) => response.writeHead(503).end(), (error) => (assert.equal(error.status, 422), assert.equal(error.message, 'Service currently unavailable due to hook'))],
      ['text/plain', (_body, response) => response.writeHead(200, { 'content-type': 'text/plain' }).end('ok'), (error) => (assert.equal(error.status, 400), assert.equal(error.code, 'hook_payload_invalid_content_type'))],
      ['garbage JSON', (_body, response) => response.writeHead(200, { 'content-type': 'application/json' }).end('{"claims": '), (error) => (assert.equal(error.status, 422), assert.equal(error.message, 'Error unmarshaling JSON output.'))],
      ['no claims', (_body, response) => response.writeHead(200, { 'content-type': 'application/json' }).end('{}'), (error) => (assert.equal(error.status, 422), assert.equal(error.message, 'output claims field is missing'))],
      ['an error object', (_body, response) => response.writeHead(200, { 'content-type': 'application/json' }).end('{"error":{"http_code":429,"message":"Slow down"}}'), (error) => (assert.equal(error.status, 429), assert.equal(error.message, 'Slow down'))],
      ['too much', (_body, response) => response.writeHead(200, { 'content-type': 'application/json' }).end(`{"pad":"${'x'.repeat(210 * 1024)}"}`), (error) => (assert.equal(error.status, 422), assert.equal(error.code, 'hook_payload_over_size_limit'))],
    ];
    for (const [what, answer, check] of answers) {
      it(`the receiver answers ${what}: a GoTrue error and no session left behind`, async () => {
        receiver.answer = answer;
        const before = await counts(t);
        const { error } = await t.anonClient().auth.signInAnonymously();
        assert.ok(isAuthApiError(error), JSON.stringify(error));
        check(error);
        assert.deepEqual(await counts(t), before);
      });
    }

    it('retries a 429 with Retry-After, and gives up on a receiver that does not answer in 5 seconds', async () => {
      let calls = 0;
      receiver.answer = (body, response) => {
        calls++;
        if (calls === 1) response.writeHead(429, { 'retry-after': '1' }).end();
        else addTenant(body, response);
      };
      const retried = await t.anonClient().auth.signInAnonymously();
      assert.equal(retried.error, null);
      assert.equal(calls, 2);

      receiver.answer = () => undefined; // never answers
      const before = await counts(t);
      const startedAt = Date.now();
      const { error } = await t.anonClient().auth.signInAnonymously();
      assert.ok(isAuthApiError(error));
      assert.equal(error.status, 422);
      assert.equal(error.code, 'hook_timeout');
      assert.ok(Date.now() - startedAt < 9000);
      assert.deepEqual(await counts(t), before);
    });
  });

  describe(`custom access token hook, signed with a secret the receiver does not know (${engine})`, () => {
    let t: RestProject;
    let receiver: Receiver;
    before(async () => {
      receiver = await startReceiver(SECRET);
      receiver.answer = addTenant;
      t = await createRestProject(engine, {
        GOTRUE_HOOK_CUSTOM_ACCESS_TOKEN_ENABLED: 'true',
        GOTRUE_HOOK_CUSTOM_ACCESS_TOKEN_URI: receiver.url,
        GOTRUE_HOOK_CUSTOM_ACCESS_TOKEN_SECRETS: OTHER_SECRET,
      });
    });
    after(async () => {
      await t.close();
      await receiver.close();
    });

    it('is refused by the receiver: no token, no session', async () => {
      const before = await counts(t);
      const { error } = await t.anonClient().auth.signInAnonymously();
      assert.ok(isAuthApiError(error));
      assert.equal(error.status, 422);
      assert.equal(error.message, 'Hook requires authorization token');
      assert.equal(receiver.calls, 1);
      assert.deepEqual(await counts(t), before);
    });
  });
}
