/**
 * TOTP keys and codes as GoTrue makes and checks them (github.com/pquerna/otp): 20 random bytes as the
 * secret (unpadded base32), SHA-1, 6 digits, 30-second steps, and a code accepted for the current step
 * and one step either side. Codes are computed by `otpauth`; the key URI is built byte for byte as
 * pquerna's totp.Generate builds it (Go's URL escaping included), so authenticator apps see the same.
 */
import { randomBytes } from 'node:crypto';
import type { Secret } from 'otpauth';
import { loadOnce } from '../../load-once.js';

// Loaded at the first TOTP enrolment or check (a server whose users use no TOTP need not keep it).
const otpauth = loadOnce(() => import('otpauth'));

export const TOTP_PERIOD_SECONDS = 30;
const TOTP_DIGITS = 6;
const SECRET_BYTES = 20;
/** Steps accepted on either side of the current one (GoTrue's Skew: 1). */
const TOTP_WINDOW = 1;

export interface TotpKey {
  /** Unpadded base32, what the user may type into an app. */
  readonly secret: string;
  /** otpauth://totp/… as pquerna writes it (also the QR code's content). */
  readonly uri: string;
}

const HEX = '0123456789ABCDEF';

/**
 * Go's url.escape for the two modes pquerna's URI goes through: the whole path (only `?` among the
 * reserved characters is escaped) and url.PathEscape for query values (`/ ; , ?` are escaped too).
 * Letters, digits and `- _ . ~` are kept; every other byte of the UTF-8 text becomes %XX.
 */
function goEscape(text: string, mode: 'path' | 'segment'): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    let escape: boolean;
    if (/[A-Za-z0-9\-_.~]/.test(c)) escape = false;
    else if ('$&+,/:;=?@'.includes(c)) escape = mode === 'path' ? c === '?' : '/;,?'.includes(c);
    else escape = true;
    out += escape ? `%${HEX[byte >> 4]}${HEX[byte & 15]}` : c;
  }
  return out;
}

/** A new key for `accountName` at `issuer` (pquerna's totp.Generate with GoTrue's options). */
export async function generateTotpKey(issuer: string, accountName: string): Promise<TotpKey> {
  const { Secret } = await otpauth();
  const secret = new Secret({ buffer: new Uint8Array(randomBytes(SECRET_BYTES)).buffer }).base32;
  // Query keys in sorted order, as Go's url.Values encoding writes them.
  const query = [
    ['algorithm', 'SHA1'],
    ['digits', String(TOTP_DIGITS)],
    ['issuer', issuer],
    ['period', String(TOTP_PERIOD_SECONDS)],
    ['secret', secret],
  ]
    .map(([key, value]) => `${goEscape(key, 'segment')}=${goEscape(value, 'segment')}`)
    .join('&');
  return { secret, uri: `otpauth://totp${goEscape(`/${issuer}:${accountName}`, 'path')}?${query}` };
}

/**
 * The time step a code is valid for, or undefined when it is not valid now. As pquerna reads a code:
 * surrounding white space is ignored and anything but 6 characters is wrong; a secret that is not
 * base32 matches nothing. Compared in constant time (otpauth).
 */
export async function matchTotpStep(secretBase32: string, code: string, nowMs: number): Promise<number | undefined> {
  const token = code.trim();
  if (!/^[0-9]{6}$/.test(token)) return undefined;
  const { Secret, TOTP } = await otpauth();
  let secret: Secret;
  try {
    secret = Secret.fromBase32(secretBase32.trim());
  } catch {
    return undefined;
  }
  const delta = TOTP.validate({
    token,
    secret,
    algorithm: 'SHA1',
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
    timestamp: nowMs,
    window: TOTP_WINDOW,
  });
  return delta === null ? undefined : Math.floor(nowMs / 1000 / TOTP_PERIOD_SECONDS) + delta;
}
