/**
 * POST /token?grant_type=web3 (supabase-js signInWithWeb3): a wallet proves its address by signing a
 * sign-in message, in GoTrue's order — the chain switched on, the fields' shapes, the message read,
 * the signature checked, the message meant for this app and valid now. Then, beyond GoTrue, the
 * message is spent: one signed message signs in once, in whichever Foyer process sharing the rate
 * limiters' store sees it first (GoTrue issues no nonce and would take it again within its window).
 */
import { createHash } from 'node:crypto';
import { FoyerError, invalidGrant } from '../../errors.js';
import type { AuthDeps, RequestMeta } from '../deps.js';
import { sessionResponse, type SessionResponse } from '../tokens.js';
import { signInWithWallet, type VerifiedWallet } from './account.js';
import { checkAudience, checkValidNow, lastValidMs } from './checks.js';
import { ethereumDialect, ethereumSignatureMatches, ethereumSignatureShapeOk } from './ethereum.js';
import { parseSignInMessage } from './message.js';
import { decodeSolanaSignature, solanaDialect, solanaSignatureMatches } from './solana.js';

export interface Web3GrantInput {
  readonly chain?: string;
  readonly message?: string;
  readonly signature?: string;
}

const MIN_MESSAGE_BYTES = 64;
const MAX_MESSAGE_BYTES = 20 * 1024;
/** A used message stays marked this much past its last valid moment, for clocks a little apart. */
const CLOCK_SLACK_MS = 60_000;

function checkMessageSize(message: string): void {
  const bytes = Buffer.byteLength(message, 'utf8');
  if (bytes < MIN_MESSAGE_BYTES) throw new FoyerError('validation_failed', 'message is too short');
  if (bytes > MAX_MESSAGE_BYTES) throw new FoyerError('validation_failed', 'message must not exceed 20KB');
}

const doesNotMatch = () => invalidGrant('Signature does not match address in message');

async function verifyEthereum(deps: AuthDeps, message: string, signature: string): Promise<VerifiedWallet> {
  checkMessageSize(message);
  if (!ethereumSignatureShapeOk(signature)) {
    throw new FoyerError('validation_failed', 'signature must be 65 bytes long, encoded as a 130 character-long hexadecimal string');
  }
  const parsed = parseSignInMessage(message, ethereumDialect);
  if (!(await ethereumSignatureMatches(parsed, signature))) throw doesNotMatch();
  checkAudience(deps.config, parsed, 'Ethereum');
  checkValidNow(parsed, 'Ethereum', deps.config.web3EthereumMaximumValiditySeconds, Date.now());
  return { chain: 'ethereum', message: parsed };
}

function verifySolana(deps: AuthDeps, message: string, signature: string): VerifiedWallet {
  checkMessageSize(message);
  const signatureBytes = decodeSolanaSignature(signature);
  if (signatureBytes === 'length') {
    throw new FoyerError('validation_failed', 'signature must be 64 bytes encoded as base64 with or without padding');
  }
  if (signatureBytes === 'encoding') throw new FoyerError('validation_failed', 'signature does not contain valid base64 characters');
  const parsed = parseSignInMessage(message, solanaDialect);
  if (!solanaSignatureMatches(parsed, signatureBytes)) throw doesNotMatch();
  checkAudience(deps.config, parsed, 'Solana');
  checkValidNow(parsed, 'Solana', deps.config.web3SolanaMaximumValiditySeconds, Date.now());
  return { chain: 'solana', message: parsed };
}

/** Marks the message used until it could no longer pass the time checks; refuses a second use. */
async function spendMessage(deps: AuthDeps, wallet: VerifiedWallet, windowSeconds: number): Promise<void> {
  const digest = createHash('sha256').update(`${wallet.chain}\n${wallet.message.raw}`).digest('hex');
  const ttlMs = lastValidMs(wallet.message, windowSeconds) - Date.now() + CLOCK_SLACK_MS;
  if (!(await deps.rateLimits.claimOnce(`web3:${digest}`, ttlMs))) {
    throw invalidGrant('This signed message was already used to sign in; sign a new one');
  }
}

export async function web3Grant(deps: AuthDeps, input: Web3GrantInput, meta: RequestMeta): Promise<SessionResponse> {
  const { config } = deps;
  if (!config.web3EthereumEnabled && !config.web3SolanaEnabled) throw new FoyerError('web3_provider_disabled', 'Web3 provider is disabled');
  const message = input.message ?? '';
  const signature = input.signature ?? '';
  let wallet: VerifiedWallet;
  let windowSeconds: number;
  switch (input.chain) {
    case 'solana':
      if (!config.web3SolanaEnabled) throw new FoyerError('web3_provider_disabled', 'Solana Web3 provider is disabled');
      wallet = verifySolana(deps, message, signature);
      windowSeconds = config.web3SolanaMaximumValiditySeconds;
      break;
    case 'ethereum':
      if (!config.web3EthereumEnabled) throw new FoyerError('web3_provider_disabled', 'Ethereum Web3 provider is disabled');
      wallet = await verifyEthereum(deps, message, signature);
      windowSeconds = config.web3EthereumMaximumValiditySeconds;
      break;
    default:
      throw new FoyerError('web3_unsupported_chain', 'Unsupported chain');
  }
  await spendMessage(deps, wallet, windowSeconds);
  const started = await deps.db.transaction((tx) => signInWithWallet(deps, tx, wallet, meta));
  return sessionResponse(deps, started);
}
