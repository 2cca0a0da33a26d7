import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readRandomBytes } from './random-pool.js';

const base32Alphabet = 'abcdefghijklmnopqrstuvwxyz234567';

const REFRESH_TOKEN_CHARACTERS = 12;

/** A v1 refresh token as GoTrue makes them: 12 lower-case base32 characters (60 random bits). */
export function newRefreshToken(): string {
  return readRandomBytes(REFRESH_TOKEN_CHARACTERS, (bytes, start) => {
    let token = '';
    // 256 is a multiple of 32, so masking keeps every character equally likely.
    for (let i = start; i < start + REFRESH_TOKEN_CHARACTERS; i += 1) token += base32Alphabet[bytes[i] & 31];
    return token;
  });
}

export const sha256Hex = (value: string): string => createHash('sha256').update(value).digest('hex');

/** Compares secrets without leaking, through timing, how much of them matched. */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = createHash('sha256').update(a).digest();
  const right = createHash('sha256').update(b).digest();
  return timingSafeEqual(left, right) && a.length === b.length;
}

export const randomSecret = (bytes = 48): string => randomBytes(bytes).toString('base64url');
