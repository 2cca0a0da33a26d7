/**
 * What a correctly signed message must also say to be accepted here, in GoTrue's order and words:
 * it was signed for this app (its URI is a redirect URL this server allows, over HTTPS unless on
 * localhost, and its domain is the URI's host), and it is valid now (Not Before, Expiration Time, and
 * Issued At within the chain's window either way). Each refusal is OAuth's invalid_grant.
 */
import type { Config } from '../../config/load.js';
import { invalidGrant } from '../../errors.js';
import { isAllowedRedirect } from '../redirect.js';
import type { SignInMessage } from './message.js';

type Chain = 'Ethereum' | 'Solana';

export function checkAudience(config: Pick<Config, 'siteUrl' | 'uriAllowList'>, message: SignInMessage, chain: Chain): void {
  const { uri, domain } = message;
  const onLocalhost = uri.hostname === 'localhost';
  if (uri.scheme !== 'https' && !onLocalhost) {
    throw invalidGrant(`Signed ${chain} message is using URI which does not use HTTPS`);
  }
  if (!isAllowedRedirect(config, uri.text)) {
    throw invalidGrant(`Signed ${chain} message is using URI which is not allowed on this server, message was signed for another app`);
  }
  if (!onLocalhost && (uri.host !== domain || !isAllowedRedirect(config, `https://${domain}/`))) {
    throw invalidGrant(`Signed ${chain} message is using a Domain that does not match the one in URI which is not allowed on this server`);
  }
}

/**
 * GoTrue checks Expiration Time of an Ethereum message only when it also has Not Before (an oversight
 * there); Foyer always honours it, for both chains.
 */
export function checkValidNow(message: SignInMessage, chain: Chain, windowSeconds: number, nowMs: number): void {
  if (message.notBeforeMs !== null && nowMs < message.notBeforeMs) {
    throw invalidGrant(`Signed ${chain} message becomes valid in the future`);
  }
  if (message.expirationTimeMs !== null && nowMs > message.expirationTimeMs) {
    throw invalidGrant(`Signed ${chain} message is expired`);
  }
  const windowMs = windowSeconds * 1000;
  if (nowMs > message.issuedAtMs + windowMs) throw invalidGrant(`${chain} message was issued too long ago`);
  if (nowMs < message.issuedAtMs - windowMs) throw invalidGrant(`${chain} message was issued too far in the future`);
}

/** Until when the message could pass checkValidNow: how long its single-use mark must last. */
export const lastValidMs = (message: SignInMessage, windowSeconds: number): number =>
  Math.min(message.issuedAtMs + windowSeconds * 1000, message.expirationTimeMs ?? Number.POSITIVE_INFINITY);
