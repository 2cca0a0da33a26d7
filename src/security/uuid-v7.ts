/**
 * UUID version 7 (RFC 9562, section 5.7): 48 bits of Unix time in milliseconds, then the version, 12
 * random bits, the variant and 62 random bits. Ids made one after another sort one after another, so a
 * B-tree index on them takes each new row on its right-most pages instead of on a random page: at a
 * million rows, random (version 4) keys make every insert dirty a page of its own in every index that
 * holds them (docs/operations.md, "Sizing at a million users").
 *
 * 74 random bits keep ids unguessable for all purposes ids serve here (they are not secrets: a session id
 * travels in every access token). What they give away is the time they were made, to the millisecond.
 */
import { readRandomBytes } from './random-pool.js';

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

export function uuidV7(): string {
  const nowMs = Date.now();
  // 48-bit milliseconds: the high 16 bits and the low 32, as JavaScript numbers stay exact to 2^53.
  const high = Math.floor(nowMs / 0x1_0000_0000) & 0xffff;
  const low = nowMs >>> 0;
  return readRandomBytes(10, (b, r) =>
    HEX[high >>> 8] + HEX[high & 0xff] + HEX[low >>> 24] + HEX[(low >>> 16) & 0xff] + '-' +
    HEX[(low >>> 8) & 0xff] + HEX[low & 0xff] + '-' +
    HEX[0x70 | (b[r] & 0x0f)] + HEX[b[r + 1]] + '-' +
    HEX[0x80 | (b[r + 2] & 0x3f)] + HEX[b[r + 3]] + '-' +
    HEX[b[r + 4]] + HEX[b[r + 5]] + HEX[b[r + 6]] + HEX[b[r + 7]] + HEX[b[r + 8]] + HEX[b[r + 9]]);
}
