/** Phone MFA tests: phone factors enrolled and challenged through the API, their codes read from the SMS outbox. */
import assert from 'node:assert/strict';
import type { Queryable } from '../../src/store/db.js';
import { call } from './mfa.js';
import type { TestProject } from './project.js';

/** What a project needs for phone factors (off by default, as in GoTrue), with room for many requests. */
export const PHONE_MFA_ON = {
  GOTRUE_MFA_PHONE_ENROLL_ENABLED: 'true',
  GOTRUE_MFA_PHONE_VERIFY_ENABLED: 'true',
  GOTRUE_MFA_RATE_LIMIT_CHALLENGE_AND_VERIFY: '10000',
  GOTRUE_RATE_LIMIT_TOKEN_REFRESH: '10000',
} as const;

let counter = 0;
/** A fresh E.164 number (without "+") per call. */
export const freshPhone = (): string => `1555${String(process.pid % 1000).padStart(3, '0')}${String((counter += 1)).padStart(4, '0')}`;

export async function enrollPhone(t: TestProject, token: string, phone: string, friendlyName?: string): Promise<string> {
  const response = await call(t, 'POST', '/factors', { token, payload: { factor_type: 'phone', phone, friendly_name: friendlyName } });
  assert.equal(response.statusCode, 200, response.body);
  return response.json().id as string;
}

export async function challengePhone(t: TestProject, token: string, factorId: string, options: { from?: string; channel?: string } = {}): Promise<string> {
  const payload = options.channel === undefined ? { factorId } : { factorId, channel: options.channel };
  const response = await call(t, 'POST', `/factors/${factorId}/challenge`, { token, payload, from: options.from });
  assert.equal(response.statusCode, 200, response.body);
  return response.json().id as string;
}

/** The newest SMS waiting in the outbox for `phone` (stored form, no "+"). */
export async function lastSmsTo(db: Queryable, phone: string): Promise<{ body: string; kind: string; channel: string }> {
  const rows = await db.query<{ body: string; kind: string; channel: string }>(
    'select body, kind, channel from auth.foyer_sms_outbox where recipient = $1 order by created_at desc limit 1',
    [phone],
  );
  assert.ok(rows[0], `an SMS to ${phone}`);
  return rows[0];
}

/** The digits of an SMS text ("Your code is 123456"). */
export function smsCode(body: string): string {
  const match = /(\d{6,10})/.exec(body);
  assert.ok(match, `a code in ${JSON.stringify(body)}`);
  return match[1];
}

export const codeSentTo = async (db: Queryable, phone: string): Promise<string> => smsCode((await lastSmsTo(db, phone)).body);

/** Lets the factor be challenged again at once (GOTRUE_MFA_PHONE_MAX_FREQUENCY counts from last_challenged_at). */
export async function forgetLastChallenge(db: Queryable, factorId: string): Promise<void> {
  await db.query(`update auth.mfa_factors set last_challenged_at = last_challenged_at - interval '2 minutes' where id = $1`, [factorId]);
}

/** A code of the same length that is not `code`. */
export const otherCode = (code: string): string => (code[0] === '9' ? '1' : '9') + code.slice(1);
