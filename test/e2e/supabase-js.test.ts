/**
 * End to end: the real `foyer start` process driven by the real @supabase/supabase-js, on the embedded
 * database (zero config: only FOYER_DATA_DIR) and on PostgreSQL (DATABASE_URL + GOTRUE_JWT_SECRET).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { isAuthApiError, isAuthSessionMissingError, type SupabaseClient } from '@supabase/supabase-js';
import type { Db } from '../../src/store/db.js';
import { embeddedDbDir } from '../../src/store/open.js';
import { openPglite } from '../../src/store/pglite.js';
import { openPostgres } from '../../src/store/postgres.js';
import { createPostgresDatabase, engines, type EngineName } from '../helpers/engines.js';
import { decodeJwt } from '../helpers/project.js';
import { killAllServers, makeClient, startServer, type RunningServer } from '../helpers/server.js';

/** Where one server keeps its data: a data directory, or its own PostgreSQL database. */
interface Store {
  readonly env: Record<string, string>;
  /** Opens the store directly (for the embedded one, only while no server holds it). */
  open(): Promise<Db>;
  remove(): Promise<void>;
}

async function newStore(engine: EngineName): Promise<Store> {
  if (engine === 'pglite') {
    const dir = mkdtempSync(join(tmpdir(), 'foyer-e2e-'));
    const dataDir = join(dir, 'data');
    return {
      env: { FOYER_DATA_DIR: dataDir },
      open: () => openPglite({ dataDir: embeddedDbDir(dataDir) }),
      remove: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const { url, drop } = await createPostgresDatabase();
  return {
    env: {
      DATABASE_URL: url,
      GOTRUE_JWT_SECRET: randomBytes(36).toString('base64url'),
      GOTRUE_EXTERNAL_ANONYMOUS_USERS_ENABLED: 'true',
    },
    open: () => openPostgres({ url, poolSize: 1 }),
    remove: drop,
  };
}

/** A raw GET on a fresh connection (no pooled keep-alive socket): its status, or the socket error code. */
function probe(url: string, path: string, headers: Record<string, string> = {}): Promise<{ status?: number; body?: string; error?: string }> {
  return new Promise((done) => {
    const req = request(new URL(path, url), { agent: false, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => done({ status: res.statusCode, body }));
    });
    req.on('error', (error: NodeJS.ErrnoException) => done({ error: error.code ?? error.message }));
    req.end();
  });
}

async function signIn(client: SupabaseClient, data: Record<string, unknown> = {}) {
  const { data: result, error } = await client.auth.signInAnonymously({ options: { data } });
  assert.equal(error, null, `signInAnonymously failed: ${error?.message}`);
  assert.ok(result.session && result.user, 'signInAnonymously returned a session and a user');
  return { session: result.session, user: result.user };
}

interface Outcome {
  status?: number;
  error?: string;
}

/** A fetch that records each answer's status, or the socket error code behind a failed fetch. */
function recordingFetch(outcomes: Outcome[], onAnswer: () => void): typeof fetch {
  return async (input, init) => {
    try {
      const response = await fetch(input, init);
      outcomes.push({ status: response.status });
      onAnswer();
      return response;
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      outcomes.push({ error: cause?.code ?? cause?.message ?? String(error) });
      throw error;
    }
  };
}

/** A fetch that sends headers and half of each body at once, and the rest only after release(). */
function stallingFetch() {
  let release!: () => void;
  const released = new Promise<void>((done) => (release = done));
  let started = 0;
  let onStart = () => {};
  const stalling: typeof fetch = (input, init) => {
    const bytes = new TextEncoder().encode(String(init?.body ?? ''));
    const half = Math.floor(bytes.length / 2);
    let step = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (step++ === 0) {
          controller.enqueue(bytes.slice(0, half));
          started += 1;
          onStart();
          return;
        }
        await released;
        controller.enqueue(bytes.slice(half));
        controller.close();
      },
    });
    return fetch(input, { ...init, body, duplex: 'half' } as RequestInit);
  };
  return {
    fetch: stalling,
    release,
    allStarted: (count: number) =>
      new Promise<void>((done) => {
        onStart = () => started >= count && done();
        onStart();
      }),
  };
}

async function countTagged(store: Store, tag: string): Promise<number> {
  const db = await store.open();
  try {
    const rows = await db.query<{ n: number }>(`select count(*)::int as n from auth.users where raw_user_meta_data->>'tag' = $1`, [tag]);
    return rows[0].n;
  } finally {
    await db.close();
  }
}

for (const engine of engines) {
  describe(`supabase-js against a running Foyer (${engine})`, () => {
    // The tests share one store and run in order: the last three stop and restart its server. They take
    // at most 24 anonymous sign-ins from 127.0.0.1 (for PostgreSQL the rate-limit counter lives in the
    // database and outlives restarts): under the default limit of 30 per hour, which stays in force.
    let store: Store;
    let server: RunningServer;
    let client: SupabaseClient;

    let firstStart = '';

    before(async () => {
      store = await newStore(engine);
      server = await startServer(store.env);
      firstStart = server.output();
      client = makeClient(server.url, server.anonKey);
    });
    after(async () => {
      await killAllServers();
      await store?.remove();
    });

    it('signInAnonymously({options:{data}}) gives an anonymous user and a GoTrue JWT; getUser returns it', async () => {
      const { session, user } = await signIn(client, { plan: 'trial', prefs: { lang: 'fr' } });
      assert.equal(user.is_anonymous, true);
      assert.deepEqual(user.user_metadata, { plan: 'trial', prefs: { lang: 'fr' } });
      assert.equal(user.email, '');
      assert.equal(user.role, 'authenticated');
      assert.ok(session.expires_at && session.expires_in > 0);

      const claims = decodeJwt(session.access_token);
      assert.equal(claims.is_anonymous, true);
      assert.equal(claims.role, 'authenticated');
      assert.equal(claims.sub, user.id);
      assert.match(String(claims.session_id), /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      assert.deepEqual(claims.user_metadata, { plan: 'trial', prefs: { lang: 'fr' } });

      const fetched = await client.auth.getUser();
      assert.equal(fetched.error, null);
      assert.equal(fetched.data.user?.id, user.id);
      assert.equal(fetched.data.user?.is_anonymous, true);
      assert.deepEqual(fetched.data.user?.user_metadata, { plan: 'trial', prefs: { lang: 'fr' } });
    });

    it('refreshSession() rotates the refresh token and returns a new JWT for the same session', async () => {
      const { session, user } = await signIn(client);
      const refreshed = await client.auth.refreshSession();
      assert.equal(refreshed.error, null);
      const next = refreshed.data.session;
      assert.ok(next, 'refreshSession returned a session');
      assert.notEqual(next.refresh_token, session.refresh_token);
      const claims = decodeJwt(next.access_token);
      assert.equal(claims.sub, user.id);
      assert.equal(claims.is_anonymous, true);
      assert.equal(claims.session_id, decodeJwt(session.access_token).session_id);
      const fetched = await client.auth.getUser(next.access_token);
      assert.equal(fetched.data.user?.id, user.id);
    });

    it('updateUser({data}) merges into user_metadata', async () => {
      const { user } = await signIn(client, { plan: 'trial', theme: 'light' });
      const updated = await client.auth.updateUser({ data: { theme: 'dark', cart: 3 } });
      assert.equal(updated.error, null);
      assert.equal(updated.data.user?.id, user.id);
      assert.deepEqual(updated.data.user?.user_metadata, { plan: 'trial', theme: 'dark', cart: 3 });
      assert.equal(updated.data.user?.is_anonymous, true);
      const fetched = await client.auth.getUser();
      assert.deepEqual(fetched.data.user?.user_metadata, { plan: 'trial', theme: 'dark', cart: 3 });
    });

    it('signOut() ends the session: the old access token and refresh token stop working', async () => {
      const { session } = await signIn(client);
      const { error } = await client.auth.signOut();
      assert.equal(error, null);

      // With the token passed explicitly the client does send GET /user (no local shortcut).
      const afterSignOut = await client.auth.getUser(session.access_token);
      assert.equal(afterSignOut.data.user, null);
      assert.ok(isAuthSessionMissingError(afterSignOut.error), `expected AuthSessionMissingError, got ${afterSignOut.error?.name}: ${afterSignOut.error?.message}`);
      const raw = await probe(server.url, '/auth/v1/user', {
        apikey: server.anonKey,
        authorization: `Bearer ${session.access_token}`,
        'x-supabase-api-version': '2024-01-01',
      });
      assert.equal(raw.status, 403, raw.body);
      assert.equal(JSON.parse(raw.body ?? '{}').code, 'session_not_found');

      const refreshed = await client.auth.refreshSession({ refresh_token: session.refresh_token });
      assert.equal(refreshed.data.session, null);
      assert.ok(isAuthApiError(refreshed.error), `refresh after sign-out: ${refreshed.error?.message}`);
    });

    it('survives a restart: SIGTERM exits 0, and the saved session refreshes on the new process', async () => {
      const { session, user } = await signIn(client, { before: 'restart' });
      const first = server;
      await first.stop();
      server = await startServer(store.env);
      client = makeClient(server.url, server.anonKey);

      if (engine === 'pglite') assert.match(firstStart, /JWT secret:\s+generated/, 'zero config: the first start generated it');
      assert.doesNotMatch(server.output(), /JWT secret:\s+generated/, 'the second start reuses the kept secret');
      assert.equal(server.anonKey, first.anonKey, 'API keys are signed with the same secret');

      const old = await client.auth.getUser(session.access_token);
      assert.equal(old.error, null, `access token from before the restart: ${old.error?.message}`);
      assert.equal(old.data.user?.id, user.id);

      const refreshed = await client.auth.refreshSession({ refresh_token: session.refresh_token });
      assert.equal(refreshed.error, null, `refresh after restart: ${refreshed.error?.message}`);
      const next = refreshed.data.session;
      assert.ok(next);
      assert.notEqual(next.refresh_token, session.refresh_token);
      const fetched = await client.auth.getUser(next.access_token);
      assert.equal(fetched.error, null);
      assert.equal(fetched.data.user?.id, user.id);
      assert.equal(fetched.data.user?.is_anonymous, true);
      assert.deepEqual(fetched.data.user?.user_metadata, { before: 'restart' });
    });

    it('SIGTERM: requests in flight get their 200, a burst gets only 200s or refusals, exit 0 promptly', async (t) => {
      const target = server;
      const tag = randomBytes(4).toString('hex');
      // 1. Sign-ins provably in flight: headers and half of each body are on the wire (and read by the
      //    idle server) before SIGTERM; the rest follows only after it.
      const gate = stallingFetch();
      const stalledClient = makeClient(target.url, target.anonKey, { fetch: gate.fetch });
      const stalled = Array.from({ length: 6 }, (_, i) => stalledClient.auth.signInAnonymously({ options: { data: { tag, stalled: i } } }));
      await gate.allStarted(stalled.length);
      await delay(1000);

      // 2. A burst through the real client, SIGTERM as soon as its first answer arrives.
      const outcomes: Outcome[] = [];
      let firstAnswer!: () => void;
      const answered = new Promise<void>((done) => (firstAnswer = done));
      const burstClient = makeClient(target.url, target.anonKey, { fetch: recordingFetch(outcomes, () => firstAnswer()) });
      const burst = Array.from({ length: 12 }, (_, i) => burstClient.auth.signInAnonymously({ options: { data: { tag, burst: i } } }));
      await Promise.race([answered, Promise.allSettled(burst)]);
      target.terminate();

      // New connections are turned away (refused, or 503 while closing) while the stalled ones are open.
      await delay(300);
      const fresh = await probe(target.url, '/auth/v1/health');
      assert.ok(fresh.error === 'ECONNREFUSED' || fresh.status === 503, `a new connection during shutdown: ${JSON.stringify(fresh)}`);
      gate.release();

      const stalledResults = await Promise.all(stalled);
      for (const result of stalledResults) {
        assert.equal(result.error, null, `an in-flight sign-in: ${result.error?.name} ${result.error?.message}`);
        assert.equal(result.data.user?.is_anonymous, true);
      }
      assert.equal(new Set(stalledResults.map((result) => result.data.user?.id)).size, stalled.length);

      const burstResults = await Promise.all(burst);
      assert.equal(outcomes.length, burst.length);
      const served = burstResults.filter((result) => result.error === null).length;
      assert.equal(served, outcomes.filter((outcome) => outcome.status === 200).length);
      assert.ok(served >= 1, 'the first answer arrived before SIGTERM');
      for (const outcome of outcomes) {
        // A request the server had not read yet at SIGTERM may be refused (a 503, or its connection
        // refused or reset unanswered); no request gets any other status.
        assert.ok(outcome.status === undefined || outcome.status === 200 || outcome.status === 503, JSON.stringify(outcome));
      }
      t.diagnostic(`burst outcomes: ${outcomes.map((outcome) => outcome.status ?? outcome.error).join(',')}`);

      // Promptly: within the 10 s a container runtime waits before SIGKILL (the database must get closed).
      const exit = await Promise.race([target.exited, delay(10_000).then(() => 'still running 10 s after the last answer')]);
      assert.deepEqual(exit, { code: 0, signal: null }, target.output());
      assert.equal(await countTagged(store, tag), stalled.length + served, 'a user exists exactly for every 200');
    });

    it('anonymous sign-ins switched off (same data, restarted with the variable false): 422 anonymous_provider_disabled', async () => {
      const off = await startServer({ ...store.env, GOTRUE_EXTERNAL_ANONYMOUS_USERS_ENABLED: 'false' });
      const tag = randomBytes(4).toString('hex');
      const { data, error } = await makeClient(off.url, off.anonKey).auth.signInAnonymously({ options: { data: { tag } } });
      assert.ok(isAuthApiError(error), `expected an AuthApiError, got ${String(error)}`);
      assert.equal(error.code, 'anonymous_provider_disabled');
      assert.equal(error.status, 422);
      assert.match(error.message, /GOTRUE_EXTERNAL_ANONYMOUS_USERS_ENABLED/);
      assert.equal(data.user, null);
      assert.equal(data.session, null);
      await off.stop();
      assert.equal(await countTagged(store, tag), 0, 'a refused sign-in writes nothing');
    });
  });
}
