import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const base32Alphabet = 'abcdefghijklmnopqrstuvwxyz234567';

// Random bytes are drawn from the CSPRNG in blocks (one call per 341 tokens, not one per token);
// each byte is handed out once.
const RANDOM_BLOCK_BYTES = 4092;
let randomBlock = Buffer.alloc(0);
let randomOffset = 0;

/** A v1 refresh token as GoTrue makes them: 12 lower-case base32 characters (60 random bits). */
export function newRefreshToken(): string {
  if (randomOffset + 12 > randomBlock.length) {
    randomBlock = randomBytes(RANDOM_BLOCK_BYTES);
    randomOffset = 0;
  }
  let token = '';
  // 256 is a multiple of 32, so masking keeps every character equally likely.
  for (let i = randomOffset; i < randomOffset + 12; i += 1) token += base32Alphabet[randomBlock[i] & 31];
  randomBlock.fill(0, randomOffset, randomOffset + 12);
  randomOffset += 12;
  return token;
}

export const sha256Hex = (value: string): string => createHash('sha256').update(value).digest('hex');

/** Compares secrets without leaking, through timing, how much of them matched. */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = createHash('sha256').update(a).digest();
  const right = createHash('sha256').update(b).digest();
  return timingSafeEqual(left, right) && a.length === b.length;
}

export const randomSecret = (bytes = 48): string => randomBytes(bytes).toString('base64url');
