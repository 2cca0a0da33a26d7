/**
 * Every connection Foyer holds to PostgreSQL ended at once, in the middle of a burst of requests (a
 * failover, a restart, an operator's pg_terminate_backend): the requests caught by it answer with an error
 * rather than hang, what was answered as written is stored, and the next requests run on new connections,
 * the pool's and the hot paths' own lanes alike. PostgreSQL only: the embedded engine has no connection
 * to lose.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { InjectOptions } from 'fastify';
import postgres from 'postgres';
import { engines } from '../helpers/engines.js';
import { createTestProject, signUpAnonymously, versionHeaders, type TestProject } from '../helpers/project.js';

const ANSWER_WITHIN_MS = 15_000;
const RECOVERED_WITHIN_MS = 5_000;
const STORM_MS = 300;

interface Answer {
  readonly kind: 'sign-in' | 'refresh' | 'user';
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** The request's answer, or a failure naming it when it has none within ANSWER_WITHIN_MS (a hang). */
async function answered(kind: Answer['kind'], request: Promise<{ statusCode: number; body: string }>): Promise<Answer> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`a ${kind} request had no answer within ${ANSWER_WITHIN_MS} ms`)), ANSWER_WITHIN_MS);
  });
  try {
    const response = await Promise.race([request, hung]);
    return { kind, status: response.statusCode, body: JSON.parse(response.body) as Record<string, unknown> };
  } finally {
    clearTimeout(timer);
  }
}

for (const engine of engines.filter((name) => name === 'postgres')) {
  describe(`every connection to PostgreSQL lost under load (${engine})`, () => {
    let t: TestProject;
    let admin: postgres.Sql;
    before(async () => {
      t = await createTestProject(engine);
      admin = postgres(t.database.url as string, { max: 1, onnotice: () => {} });
    });
    after(async () => {
      await admin?.end({ timeout: 5 });
      await t?.close();
    });

    /** Sign-ins, refreshes and GET /user at once, from sessions made beforehand. */
    function burst(sessions: readonly { access_token: string; refresh_token: string }[], signIns: number) {
      const inject = (kind: Answer['kind'], options: InjectOptions) => answered(kind, t.app.inject(options));
      return [
        ...Array.from({ length: signIns }, () => inject('sign-in', { method: 'POST', url: '/auth/v1/signup', headers: versionHeaders, payload: {} })),
        ...sessions.map((session) =>
          inject('refresh', { method: 'POST', url: '/auth/v1/token?grant_type=refresh_token', headers: versionHeaders, payload: { refresh_token: session.refresh_token } }),
        ),
        ...sessions.map((session) => inject('user', { method: 'GET', url: '/auth/v1/user', headers: { ...versionHeaders, authorization: `Bearer ${session.access_token}` } })),
      ];
    }

    const endEveryConnection = async () =>
      (await admin<{ ended: boolean }[]>`
        select pg_terminate_backend(pid) as ended
          from (select pid from pg_stat_activity
                 where datname = current_database() and pid <> pg_backend_pid() and backend_type = 'client backend'
                offset 0) as others`).filter((row) => row.ended).length;

    it('answers every request caught by it without ending the process, keeps what it answered as written, and serves whole bursts again on new connections', async () => {
      const sessions = await Promise.all(Array.from({ length: 30 }, () => signUpAnonymously(t.app)));
      const pending = burst(sessions, 60);
      // The burst's first statements are on their way: end the pool's connections and both lanes', and
      // keep ending them for a while, so that some are lost while they start up again (the driver's own
      // first query on a new connection, whose failure once went unhandled and ended the process).
      await new Promise((resolve) => setImmediate(resolve));
      let ended = 0;
      for (const until = Date.now() + STORM_MS; Date.now() < until; ) ended += await endEveryConnection();
      assert.ok(ended >= 3, `the pool and the sign-in and refresh lanes had connections (${ended} ended)`);
      const caught = await Promise.all(pending);

      for (const answer of caught) {
        if (answer.status === 200) continue;
        assert.ok(answer.status >= 500, `${answer.kind}: a lost connection is the server's failure, not the caller's (${answer.status} ${JSON.stringify(answer.body)})`);
        assert.equal(typeof (answer.body.error_code ?? answer.body.code), 'string', `${answer.kind}: GoTrue's error shape (${JSON.stringify(answer.body)})`);
      }
      const signedIn = caught.filter((answer) => answer.kind === 'sign-in' && answer.status === 200).map((answer) => (answer.body.user as { id: string }).id);
      const [{ stored }] = await admin<{ stored: number }[]>`select count(*)::int as stored from auth.users where id = any(${signedIn}::uuid[])`;
      assert.equal(stored, signedIn.length, 'every sign-in answered 200 is stored');

      // The connections are gone. A request sent before the driver has seen its connection close can
      // still fail; within a few seconds a whole burst runs on new connections.
      const recoveredBy = Date.now() + RECOVERED_WITHIN_MS;
      let failed: Answer[];
      do {
        const fresh = await Promise.all(Array.from({ length: 30 }, () => signUpAnonymously(t.app).catch(() => undefined)));
        const next = await Promise.all(burst(fresh.filter((session) => session !== undefined), 60));
        failed = [...next.filter((answer) => answer.status !== 200), ...fresh.filter((session) => session === undefined).map(() => ({ kind: 'sign-in' as const, status: 0, body: {} }))];
      } while (failed.length > 0 && Date.now() < recoveredBy);
      assert.deepEqual(failed, [], `a burst succeeds whole within ${RECOVERED_WITHIN_MS} ms of the loss`);
    });
  });
}
