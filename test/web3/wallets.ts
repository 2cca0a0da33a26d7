/**
 * Wallets made in the test: an Ethereum key (viem) behind an EIP-1193 `request` function, and a
 * Solana ed25519 key (node:crypto) behind the signMessage/publicKey interface of browser wallets,
 * both as supabase-js's signInWithWeb3 drives them; and sign-in messages written by hand for the
 * requests supabase-js would not build (other domains, old dates, broken lines).
 */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import bs58 from 'bs58';
import { toHex, type Hex } from 'viem';
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts';
import { createSiweMessage } from 'viem/siwe';

export interface EthereumTestWallet {
  readonly account: PrivateKeyAccount;
  readonly address: `0x${string}`;
  /** The EIP-1193 provider supabase-js asks for accounts, the chain id and personal_sign. */
  readonly provider: { request(args: { method: string; params?: unknown }): Promise<unknown> };
  signMessage(message: string): Promise<Hex>;
}

export function ethereumWallet(chainId = 1): EthereumTestWallet {
  const account = privateKeyToAccount(generatePrivateKey());
  return {
    account,
    address: account.address,
    provider: {
      async request({ method, params }) {
        switch (method) {
          case 'eth_requestAccounts':
            return [account.address];
          case 'eth_chainId':
            return toHex(chainId);
          case 'personal_sign': {
            const [messageHex, address] = params as [Hex, string];
            if (address.toLowerCase() !== account.address.toLowerCase()) throw new Error('personal_sign for another account');
            return account.signMessage({ message: { raw: messageHex } });
          }
          default:
            throw new Error(`unexpected wallet method ${method}`);
        }
      },
    },
    signMessage: (message) => account.signMessage({ message }),
  };
}

export interface SiweFields {
  readonly domain?: string;
  readonly uri?: string;
  readonly chainId?: number;
  readonly statement?: string;
  readonly issuedAt?: Date;
  readonly expirationTime?: Date;
  readonly notBefore?: Date;
  readonly nonce?: string;
}

export const SITE_DOMAIN = 'app.example.com';
export const SITE_URL = `https://${SITE_DOMAIN}`;

let nonceCounter = 0;
/** A fresh nonce per message, so two messages of one test never coincide. */
const nextNonce = () => `n${Date.now().toString(36)}${(nonceCounter++).toString(36)}xyz`;

export function siweMessage(address: `0x${string}`, fields: SiweFields = {}): string {
  return createSiweMessage({
    address,
    domain: fields.domain ?? SITE_DOMAIN,
    uri: fields.uri ?? `${SITE_URL}/login`,
    chainId: fields.chainId ?? 1,
    version: '1',
    nonce: fields.nonce ?? nextNonce(),
    issuedAt: fields.issuedAt ?? new Date(),
    ...(fields.statement ? { statement: fields.statement } : {}),
    ...(fields.expirationTime ? { expirationTime: fields.expirationTime } : {}),
    ...(fields.notBefore ? { notBefore: fields.notBefore } : {}),
  });
}

export interface SolanaTestWallet {
  readonly address: string;
  readonly privateKey: KeyObject;
  /** The browser-wallet interface supabase-js uses when a wallet has no signIn(). */
  readonly wallet: { publicKey: { toBase58(): string }; signMessage(message: Uint8Array): Promise<Uint8Array> };
  /** The signature bytes over the UTF-8 message. */
  sign(message: string | Buffer): Buffer;
}

export function solanaWallet(): SolanaTestWallet {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x as string, 'base64url');
  const address = bs58.encode(raw);
  const signBytes = (message: string | Buffer) => sign(null, typeof message === 'string' ? Buffer.from(message, 'utf8') : message, privateKey);
  return {
    address,
    privateKey,
    wallet: {
      publicKey: { toBase58: () => address },
      signMessage: async (message) => new Uint8Array(signBytes(Buffer.from(message))),
    },
    sign: signBytes,
  };
}

export interface SiwsFields extends SiweFields {
  readonly chainIdText?: string;
}

/** A Solana sign-in message in the layout supabase-js writes (and GoTrue reads). */
export function siwsMessage(address: string, fields: SiwsFields = {}): string {
  return [
    `${fields.domain ?? SITE_DOMAIN} wants you to sign in with your Solana account:`,
    address,
    ...(fields.statement ? ['', fields.statement, ''] : ['']),
    'Version: 1',
    `URI: ${fields.uri ?? `${SITE_URL}/login`}`,
    `Issued At: ${(fields.issuedAt ?? new Date()).toISOString()}`,
    ...(fields.notBefore ? [`Not Before: ${fields.notBefore.toISOString()}`] : []),
    ...(fields.expirationTime ? [`Expiration Time: ${fields.expirationTime.toISOString()}`] : []),
    ...(fields.chainIdText ? [`Chain ID: ${fields.chainIdText}`] : []),
    `Nonce: ${fields.nonce ?? nextNonce()}`,
  ].join('\n');
}

/** base64url without padding, as supabase-js sends a Solana signature (86 characters). */
export const solanaSignatureText = (signature: Buffer): string => signature.toString('base64url');

export const minutes = (count: number) => count * 60_000;
export const fromNow = (ms: number) => new Date(Date.now() + ms);
