/**
 * A user who signed in while GoTrue ran with v2 refresh tokens keeps the session after the switch to
 * Foyer: the real client, holding what GoTrue gave it, restores the session, refreshes it (v2 tokens
 * again) and loses it only the way GoTrue would end it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isAuthApiError, isAuthSessionMissingError } from '@supabase/supabase-js';
import { engines } from '../helpers/engines.js';
import { goTrueAccessToken, insertGoTrueV2Session, readV2Token, storedCounter } from '../helpers/gotrue-v2-session.js';
import { createTestProject, decodeJwt, TEST_JWT_SECRET, type TestProject } from '../helpers/project.js';
import { makeClient } from '../helpers/server.js';

for (const engine of engines) {
  describe(`supabase-js with a session GoTrue started with v2 refresh tokens (${engine})`, () => {
    let t: TestProject;
    let url: string;
    before(async () => {
      t = await createTestProject(engine, { GOTRUE_RATE_LIMIT_TOKEN_REFRESH: '1000' });
      await t.app.listen({ host: '127.0.0.1', port: 0 });
      const address = t.app.server.address();
      url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    });
    after(() => t.close());

    it('setSession() with an expired access token refreshes through the v2 token; refreshSession() keeps rotating in v2', async () => {
      const gotrue = await insertGoTrueV2Session(t.database.db, { counter: 7 });
      const client = makeClient(url, t.anonKey);
      const restored = await client.auth.setSession({
        access_token: goTrueAccessToken(TEST_JWT_SECRET, gotrue, -60),
        refresh_token: gotrue.token(7),
      });
      assert.equal(restored.error, null, restored.error?.message);
      assert.equal(restored.data.user?.id, gotrue.userId);
      assert.equal(restored.data.session?.refresh_token, gotrue.token(8));
      assert.equal(decodeJwt(restored.data.session?.access_token as string).session_id, gotrue.sessionId);

      const user = await client.auth.getUser();
      assert.equal(user.error, null);
      assert.equal(user.data.user?.email, gotrue.email);

      const refreshed = await client.auth.refreshSession();
      assert.equal(refreshed.error, null, refreshed.error?.message);
      const token = refreshed.data.session?.refresh_token as string;
      assert.deepEqual(readV2Token(token), { sessionId: gotrue.sessionId, counter: 9n });
      assert.equal(token, gotrue.token(9));
      assert.equal(await storedCounter(t.database.db, gotrue.sessionId), 9);
    });

    it('setSession() with a live access token GoTrue issued, then refreshSession()', async () => {
      const gotrue = await insertGoTrueV2Session(t.database.db);
      const client = makeClient(url, t.anonKey);
      const restored = await client.auth.setSession({
        access_token: goTrueAccessToken(TEST_JWT_SECRET, gotrue, 3600),
        refresh_token: gotrue.token(0),
      });
      assert.equal(restored.error, null, restored.error?.message);
      assert.equal(restored.data.user?.id, gotrue.userId);
      assert.equal(await storedCounter(t.database.db, gotrue.sessionId), 0, 'GET /user only, no refresh yet');
      const refreshed = await client.auth.refreshSession();
      assert.equal(refreshed.error, null, refreshed.error?.message);
      assert.equal(refreshed.data.session?.refresh_token, gotrue.token(1));
    });

    it('a replayed older token ends the session: the thief gets refresh_token_already_used, the holder loses the session', async () => {
      const gotrue = await insertGoTrueV2Session(t.database.db);
      const holder = makeClient(url, t.anonKey);
      const restored = await holder.auth.setSession({
        access_token: goTrueAccessToken(TEST_JWT_SECRET, gotrue, -60),
        refresh_token: gotrue.token(0),
      });
      assert.equal(restored.error, null, restored.error?.message);
      assert.equal((await holder.auth.refreshSession()).error, null);

      const thief = makeClient(url, t.anonKey);
      const stolen = await thief.auth.refreshSession({ refresh_token: gotrue.token(0) });
      assert.equal(stolen.data.session, null);
      assert.ok(isAuthApiError(stolen.error), stolen.error?.message);
      assert.equal(stolen.error.code, 'refresh_token_already_used');

      const after = await holder.auth.getUser();
      assert.ok(isAuthSessionMissingError(after.error), `expected AuthSessionMissingError, got ${after.error?.name}: ${after.error?.message}`);
      assert.equal(await storedCounter(t.database.db, gotrue.sessionId), undefined, 'the session is deleted');
    });
  });
}
