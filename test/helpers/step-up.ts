/** Users, sessions and mailed nonces for the reauthentication and step-up tests. */
import assert from 'node:assert/strict';
import type { ReceivedMail } from './smtp.js';
import { decodeJwt, versionHeaders, type TestProject } from './project.js';

export interface SignedIn {
  readonly userId: string;
  readonly sessionId: string;
  readonly accessToken: string;
  readonly email: string;
}

let counter = 0;
/** A fresh address per call, so tests do not share users (nor their mail frequency limit). */
export const freshEmail = (label: string): string => `${label}-${process.pid}-${(counter += 1)}@example.com`;

/** Signs up with email + password (the project confirms addresses at once) and returns the session. */
export async function signUpWithPassword(t: TestProject, email: string, password: string): Promise<SignedIn> {
  const response = await t.app.inject({ method: 'POST', url: '/auth/v1/signup', headers: versionHeaders, payload: { email, password } });
  assert.equal(response.statusCode, 200, response.body);
  const body = response.json() as { access_token?: string; user: { id: string } };
  assert.ok(body.access_token, 'the project confirms addresses at once (GOTRUE_MAILER_AUTOCONFIRM=true)');
  return { userId: body.user.id, sessionId: String(decodeJwt(body.access_token).session_id), accessToken: body.access_token, email };
}

export async function signInWithPassword(t: TestProject, email: string, password: string) {
  return t.app.inject({ method: 'POST', url: '/auth/v1/token?grant_type=password', headers: versionHeaders, payload: { email, password } });
}

/** Moves the session's start back by `interval` (a PostgreSQL interval), as if it had begun then. */
export async function ageSession(t: TestProject, sessionId: string, interval: string): Promise<void> {
  const rows = await t.database.db.query<{ id: string }>(
    `update auth.sessions set created_at = now() - $2::interval where id = $1 returning id`,
    [sessionId, interval],
  );
  assert.equal(rows.length, 1);
}

export const reauthenticate = (t: TestProject, accessToken?: string) =>
  t.app.inject({
    method: 'GET',
    url: '/auth/v1/reauthenticate',
    headers: { ...versionHeaders, ...(accessToken === undefined ? {} : { authorization: `Bearer ${accessToken}` }) },
  });

export const putUser = (t: TestProject, accessToken: string, payload: unknown) =>
  t.app.inject({
    method: 'PUT',
    url: '/auth/v1/user',
    headers: { ...versionHeaders, authorization: `Bearer ${accessToken}` },
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });

/** The code of a reauthentication mail: its subject is GoTrue's "<code> is your verification code". */
export function nonceOf(mail: ReceivedMail): string {
  const match = /^Subject: (\d{6}) is your verification code\r?$/m.exec(mail.raw);
  assert.ok(match, `a reauthentication mail: ${mail.raw.slice(0, 400)}`);
  return match[1];
}

/** The newest mail to `email`. */
export function lastMailTo(mails: readonly ReceivedMail[], email: string): ReceivedMail {
  const mail = mails.filter((received) => received.to.includes(email)).at(-1);
  assert.ok(mail, `a mail to ${email}`);
  return mail;
}

export function assertError(response: { statusCode: number; body: string; json: () => { code?: unknown; message?: unknown } }, status: number, code: string, message?: string | RegExp): void {
  assert.equal(response.statusCode, status, response.body);
  assert.equal(response.json().code, code, response.body);
  if (typeof message === 'string') assert.equal(response.json().message, message);
  else if (message) assert.match(String(response.json().message), message);
}
