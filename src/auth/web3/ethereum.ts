/**
 * Sign-In with Ethereum (EIP-4361): the message dialect and the signature check. The wallet signs with
 * personal_sign (EIP-191: "\x19Ethereum Signed Message:\n" + byte length + message); the signer's address
 * is recovered from the 65-byte signature (r, s, v with v 0/1 or 27/28) by viem, and must be the
 * message's address. Nothing is asked of any Ethereum node.
 */
import type { Hex } from 'viem';
import { loadOnce } from '../../load-once.js';
import type { Dialect, SignInMessage } from './message.js';

// Loaded at the first Ethereum sign-in: viem costs about 28 MB that a server without Web3 need not keep.
const viem = loadOnce(() => import('viem'));

const MAX_INT64 = 2n ** 63n - 1n;

/** An EIP-155 chain id as GoTrue takes it (Go's strconv.Atoi, then > 0). */
function isChainId(value: string): boolean {
  if (!/^[+-]?\d{1,20}$/.test(value)) return false;
  const id = BigInt(value);
  return id > 0n && id <= MAX_INT64;
}

export const ethereumDialect: Dialect = {
  tag: 'siwe',
  account: 'Ethereum',
  addressPattern: /^0x[a-fA-F0-9]{40}$/,
  addressError: 'wallet address is not a valid Ethereum address',
  chainIdValid: isChainId,
  statementWhenAbsent: null,
};

/** GoTrue's shape check of the signature field (before the message is read). */
export const ethereumSignatureShapeOk = (signature: string): boolean =>
  (signature.startsWith('0x') ? signature.slice(2) : signature).length === 130;

/** True when `signature` (0x + 130 hex digits) was made by the key of the message's address. */
export async function ethereumSignatureMatches(message: SignInMessage, signature: string): Promise<boolean> {
  // GoTrue decodes with the 0x prefix required: a bare hex string never matches.
  if (!/^0x[0-9a-fA-F]{130}$/.test(signature)) return false;
  const { recoverMessageAddress } = await viem();
  try {
    const signer = await recoverMessageAddress({ message: message.raw, signature: signature as Hex });
    return signer.toLowerCase() === message.address.toLowerCase();
  } catch {
    // A recovery byte other than 0, 1, 27, 28 or a point off the curve: not this address's signature.
    return false;
  }
}
