/**
 * GoTrue's rule for users with a verified MFA factor: changing the password or email needs an aal2
 * session (401 insufficient_aal). Factors are written as GoTrue writes them (auth.mfa_factors); the
 * session's level is its row's aal, as GoTrue reads it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { engines } from '../helpers/engines.js';
import { createTestProject, decodeJwt, TEST_JWT_SECRET, type TestProject } from '../helpers/project.js';
import { assertError, freshEmail, putUser, signInWithPassword, signUpWithPassword } from '../helpers/step-up.js';

const OLD = 'first-password-123';
const NEW = 'second-password-456';
const MESSAGE = 'AAL2 session is required to update email or password when MFA is enabled.';

for (const engine of engines) {
  describe(`PUT /user credential changes with MFA enabled (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, { GOTRUE_MAILER_AUTOCONFIRM: 'true' });
    });
    after(() => t.close());

    /** A TOTP factor row as GoTrue's enrollment and verification leave it. */
    const addFactor = (userId: string, status: 'verified' | 'unverified') =>
      t.database.db.query(
        `insert into auth.mfa_factors (id, user_id, friendly_name, factor_type, status, created_at, updated_at, secret)
         values (gen_random_uuid(), $1, $2, 'totp', $3::auth.factor_status, now(), now(), 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP')`,
        [userId, `app-${status}`, status],
      );

    it('refuses a password or email change in an aal1 session: 401 insufficient_aal', async () => {
      const user = await signUpWithPassword(t, freshEmail('aal1'), OLD);
      await addFactor(user.userId, 'verified');
      assertError(await putUser(t, user.accessToken, { password: NEW }), 401, 'insufficient_aal', MESSAGE);
      assertError(await putUser(t, user.accessToken, { email: freshEmail('elsewhere') }), 401, 'insufficient_aal', MESSAGE);
      assert.equal((await signInWithPassword(t, user.email, OLD)).statusCode, 200, 'the password is unchanged');
      const [row] = await t.database.db.query<{ email_change: string | null }>('select email_change from auth.users where id = $1', [user.userId]);
      assert.ok(!row.email_change, 'no email change started');
    });

    it('lets other changes through, the user\'s own address included', async () => {
      const user = await signUpWithPassword(t, freshEmail('other'), OLD);
      await addFactor(user.userId, 'verified');
      const response = await putUser(t, user.accessToken, { data: { theme: 'dark' }, email: user.email.toUpperCase() });
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(response.json().user_metadata.theme, 'dark');
    });

    it('allows the change in an aal2 session', async () => {
      const user = await signUpWithPassword(t, freshEmail('aal2'), OLD);
      await addFactor(user.userId, 'verified');
      await t.database.db.query(`update auth.sessions set aal = 'aal2' where id = $1`, [user.sessionId]);
      assert.equal((await putUser(t, user.accessToken, { password: NEW })).statusCode, 200);
      assert.equal((await signInWithPassword(t, user.email, NEW)).statusCode, 200);
    });

    it('counts a token without a session as aal1, whatever its claim says', async () => {
      const user = await signUpWithPassword(t, freshEmail('sessionless'), OLD);
      await addFactor(user.userId, 'verified');
      const claims: Record<string, unknown> = { ...decodeJwt(user.accessToken), aal: 'aal2' };
      delete claims.session_id;
      const token = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(TEST_JWT_SECRET));
      assertError(await putUser(t, token, { password: NEW }), 401, 'insufficient_aal', MESSAGE);
    });

    it('ignores a factor that was never verified', async () => {
      const user = await signUpWithPassword(t, freshEmail('unverified'), OLD);
      await addFactor(user.userId, 'unverified');
      assert.equal((await putUser(t, user.accessToken, { password: NEW })).statusCode, 200);
    });

    it('does not look at another user\'s factors', async () => {
      const other = await signUpWithPassword(t, freshEmail('someone'), OLD);
      await addFactor(other.userId, 'verified');
      const user = await signUpWithPassword(t, freshEmail('plain'), OLD);
      assert.equal((await putUser(t, user.accessToken, { password: NEW })).statusCode, 200);
    });
  });
}
