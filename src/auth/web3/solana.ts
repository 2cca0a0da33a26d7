/**
 * Sign-In with Solana (GoTrue's SIWS message, the layout Phantom's sign-in uses): the dialect and the
 * ed25519 check with node:crypto. The address is the base58 public key. A signature is accepted over
 * the message itself, or over the message wrapped in Solana's off-chain message envelope (what a
 * Ledger signs), as GoTrue accepts both.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import bs58 from 'bs58';
import type { Dialect, SignInMessage } from './message.js';

const ED25519_PUBLIC_KEY_BYTES = 32;
const ED25519_SIGNATURE_BYTES = 64;

function publicKeyBytes(address: string): Uint8Array | undefined {
  const bytes = bs58.decodeUnsafe(address);
  return bytes && bytes.length === ED25519_PUBLIC_KEY_BYTES ? bytes : undefined;
}

export const solanaDialect: Dialect = {
  tag: 'siws',
  account: 'Solana',
  addressPattern: /^[a-zA-Z0-9]{32,44}$/,
  addressError: 'wallet address is not in base58 format',
  // GoTrue's pattern lets through characters base58 lacks (0, O, I, l) and keys of the wrong length,
  // then fails on them later; Foyer refuses them here, with GoTrue's sentence for a bad address.
  addressValid: (address) => publicKeyBytes(address) !== undefined,
  chainIdValid: (value) => value === '' || /^solana:(main|dev|test|local)net$/.test(value),
  statementWhenAbsent: '',
};

/**
 * The signature field's bytes: base64 or base64url, 86 characters (unpadded) or 88 (padded), as
 * GoTrue takes it; `length` when the text has the wrong length, `encoding` for other characters.
 */
export function decodeSolanaSignature(text: string): Buffer | 'length' | 'encoding' {
  if (text.length !== 86 && text.length !== 88) return 'length';
  const unpadded = text.replace(/=+$/, '');
  if (!/^[A-Za-z0-9+/_-]*$/.test(unpadded) || unpadded.length % 4 === 1) return 'encoding';
  return Buffer.from(unpadded.replace(/\+/g, '-').replace(/\//g, '_'), 'base64url');
}

/** Solana's off-chain message envelope, version 0, one signer, ASCII format (GoTrue's Ledger case). */
function offChainEnvelope(message: SignInMessage, publicKey: Uint8Array, raw: Buffer): Buffer | undefined {
  if (raw.length > 0xffff) return undefined;
  const domain = Buffer.alloc(32);
  Buffer.from(message.domain, 'utf8').copy(domain, 0, 0, 32);
  const length = Buffer.alloc(2);
  length.writeUInt16LE(raw.length);
  return Buffer.concat([Buffer.from('\xffsolana offchain', 'latin1'), Buffer.from([0]), domain, Buffer.from([0, 1]), publicKey, length, raw]);
}

function ed25519Key(publicKey: Uint8Array): KeyObject | undefined {
  try {
    return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') }, format: 'jwk' });
  } catch {
    return undefined;
  }
}

function verifies(data: Buffer, key: KeyObject, signature: Buffer): boolean {
  try {
    return verify(null, data, key, signature);
  } catch {
    return false;
  }
}

export function solanaSignatureMatches(message: SignInMessage, signature: Buffer): boolean {
  if (signature.length !== ED25519_SIGNATURE_BYTES) return false;
  const publicKey = publicKeyBytes(message.address);
  const key = publicKey && ed25519Key(publicKey);
  if (!publicKey || !key) return false;
  const raw = Buffer.from(message.raw, 'utf8');
  if (verifies(raw, key, signature)) return true;
  const envelope = offChainEnvelope(message, publicKey, raw);
  return envelope !== undefined && verifies(envelope, key, signature);
}
