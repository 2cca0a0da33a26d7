/**
 * End to end: TOTP MFA through the real `foyer start` process and the real supabase-js, with the
 * default settings (TOTP on, as in GoTrue), on the embedded database and on PostgreSQL: enrol, verify
 * with a code computed here, the assurance levels supabase-js reports at each step, a new sign-in,
 * challengeAndVerify, listFactors, unenrol, and the admin API's listFactors and deleteFactor.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { SupabaseClient } from '@supabase/supabase-js';
import { createPostgresDatabase, engines, type EngineName } from '../helpers/engines.js';
import { totpCode } from '../helpers/mfa.js';
import { decodeJwt } from '../helpers/project.js';
import { killAllServers, makeClient, startServer, type RunningServer } from '../helpers/server.js';

async function storeEnv(engine: EngineName): Promise<{ env: Record<string, string>; remove: () => Promise<void> }> {
  if (engine === 'pglite') {
    const dir = mkdtempSync(join(tmpdir(), 'foyer-e2e-mfa-'));
    return { env: { FOYER_DATA_DIR: join(dir, 'data') }, remove: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const { url, drop } = await createPostgresDatabase();
  return { env: { DATABASE_URL: url, GOTRUE_JWT_SECRET: randomBytes(36).toString('base64url') }, remove: drop };
}

async function levels(client: SupabaseClient) {
  const { data, error } = await client.auth.mfa.getAuthenticatorAssuranceLevel();
  assert.equal(error, null, error?.message);
  return { current: data?.currentLevel, next: data?.nextLevel, methods: data?.currentAuthenticationMethods.map((entry) => (typeof entry === 'string' ? entry : entry.method)) };
}

for (const engine of engines) {
  describe(`supabase-js auth.mfa against foyer start (${engine})`, () => {
    let server: RunningServer | undefined;
    let remove: (() => Promise<void>) | undefined;
    after(async () => {
      await server?.stop().catch(() => killAllServers());
      await remove?.();
    });

    it('enrols, verifies, signs in again at aal1 with aal2 next, challengeAndVerify, lists, unenrols; the admin lists and deletes', async () => {
      const store = await storeEnv(engine);
      remove = store.remove;
      server = await startServer(store.env);
      const admin = makeClient(server.url, server.serviceRoleKey);
      const email = `mfa-${randomBytes(4).toString('hex')}@example.com`;
      const password = 'a long enough password';
      const created = await admin.auth.admin.createUser({ email, password, email_confirm: true });
      assert.equal(created.error, null, created.error?.message);
      const userId = created.data.user!.id;

      const client = makeClient(server.url, server.anonKey);
      assert.equal((await client.auth.signInWithPassword({ email, password })).error, null);
      assert.deepEqual(await levels(client), { current: 'aal1', next: 'aal1', methods: ['password'] });

      const enrolled = await client.auth.mfa.enroll({ factorType: 'totp', friendlyName: 'Authenticator app', issuer: 'Foyer e2e' });
      assert.equal(enrolled.error, null, enrolled.error?.message);
      const factor = enrolled.data!;
      assert.equal(factor.type, 'totp');
      assert.ok(factor.totp.qr_code.startsWith('data:image/svg+xml;utf-8,<?xml version="1.0"?>'), factor.totp.qr_code.slice(0, 60));
      assert.ok(factor.totp.uri.startsWith(`otpauth://totp/Foyer%20e2e:${email}?`));
      assert.deepEqual(await levels(client), { current: 'aal1', next: 'aal1', methods: ['password'] }, 'an unverified factor raises nothing');

      const challenge = await client.auth.mfa.challenge({ factorId: factor.id });
      assert.equal(challenge.error, null, challenge.error?.message);
      const wrong = await client.auth.mfa.verify({ factorId: factor.id, challengeId: challenge.data!.id, code: '000000' === totpCode(factor.totp.secret) ? '111111' : '000000' });
      assert.equal(wrong.error?.code, 'mfa_verification_failed');
      const verified = await client.auth.mfa.verify({ factorId: factor.id, challengeId: challenge.data!.id, code: totpCode(factor.totp.secret) });
      assert.equal(verified.error, null, verified.error?.message);
      assert.deepEqual(await levels(client), { current: 'aal2', next: 'aal2', methods: ['totp', 'password'] });
      const refreshed = await client.auth.refreshSession();
      assert.equal(refreshed.error, null);
      assert.equal(decodeJwt(refreshed.data.session!.access_token).aal, 'aal2', 'a refresh keeps aal2');

      assert.equal((await client.auth.signOut()).error, null);
      assert.equal((await client.auth.signInWithPassword({ email, password })).error, null);
      assert.deepEqual(await levels(client), { current: 'aal1', next: 'aal2', methods: ['password'] });
      const factors = await client.auth.mfa.listFactors();
      assert.equal(factors.error, null);
      assert.deepEqual(factors.data!.totp.map((listed) => [listed.id, listed.friendly_name, listed.status]), [[factor.id, 'Authenticator app', 'verified']]);
      assert.equal(factors.data!.all.length, 1);
      // The next time step's code: the one used above may not be used again.
      const raised = await client.auth.mfa.challengeAndVerify({ factorId: factor.id, code: totpCode(factor.totp.secret, 1) });
      assert.equal(raised.error, null, raised.error?.message);
      assert.deepEqual(await levels(client), { current: 'aal2', next: 'aal2', methods: ['totp', 'password'] });

      const unenrolled = await client.auth.mfa.unenroll({ factorId: factor.id });
      assert.equal(unenrolled.error, null, unenrolled.error?.message);
      assert.equal(unenrolled.data?.id, factor.id);
      assert.equal((await client.auth.refreshSession()).error, null);
      assert.deepEqual(await levels(client), { current: 'aal1', next: 'aal1', methods: ['password'] });

      const second = await client.auth.mfa.enroll({ factorType: 'totp', friendlyName: 'Backup' });
      assert.equal(second.error, null, second.error?.message);
      const listed = await admin.auth.admin.mfa.listFactors({ userId });
      assert.equal(listed.error, null, listed.error?.message);
      assert.deepEqual(listed.data!.factors.map((listedFactor) => [listedFactor.id, listedFactor.status]), [[second.data!.id, 'unverified']]);
      const deleted = await admin.auth.admin.mfa.deleteFactor({ userId, id: second.data!.id });
      assert.equal(deleted.error, null, deleted.error?.message);
      // supabase-js wraps this answer once more than its type says: { data: <the factor>, error: null }.
      assert.equal((deleted.data as unknown as { data: { id: string } }).data.id, second.data!.id);
      assert.deepEqual((await admin.auth.admin.mfa.listFactors({ userId })).data!.factors, []);
    });
  });
}
