/**
 * Web3 sign-in (POST /token?grant_type=web3) under GoTrue's names and defaults, spread into
 * settingsSchema: one switch and one validity window per chain, and the sign-in limiter.
 * The window is how far a message's Issued At may lie from now, either way: GoTrue accepts a signed
 * message until Issued At + window and refuses one dated more than the window ahead.
 */
import { type RateSetting, isBlank, parseRate } from './parse-protection.js';
import { ConfigError, parseBool, parseDurationSeconds } from './parse.js';
import { setting } from './setting.js';

const offByDefault = (env: string, doc: string) =>
  setting({ env: [env], doc, defaultText: 'false', read: (raw, name) => (isBlank(raw) ? false : parseBool(name, raw)) });

const validityWindow = (env: string, chain: string) =>
  setting({
    env: [env],
    doc: `How long a signed ${chain} message stays usable after its Issued At (and how far ahead of now Issued At may be); Go duration.`,
    defaultText: '10m',
    read: (raw, name) => {
      if (isBlank(raw)) return 600;
      const seconds = parseDurationSeconds(name, raw);
      if (seconds < 1) throw new ConfigError(`${name} must be at least 1s, got ${JSON.stringify(raw)}`);
      return seconds;
    },
  });

export const web3Settings = {
  web3EthereumEnabled: offByDefault(
    'GOTRUE_EXTERNAL_WEB3_ETHEREUM_ENABLED',
    'Sign in with Ethereum: POST /token?grant_type=web3 with chain "ethereum" and an EIP-4361 (SIWE) message signed by the wallet.',
  ),
  web3EthereumMaximumValiditySeconds: validityWindow('GOTRUE_EXTERNAL_WEB3_ETHEREUM_MAXIMUM_VALIDITY_DURATION', 'Ethereum'),
  web3SolanaEnabled: offByDefault(
    'GOTRUE_EXTERNAL_WEB3_SOLANA_ENABLED',
    'Sign in with Solana: POST /token?grant_type=web3 with chain "solana" and a Sign-In-With-Solana message signed by the wallet.',
  ),
  web3SolanaMaximumValiditySeconds: validityWindow('GOTRUE_EXTERNAL_WEB3_SOLANA_MAXIMUM_VALIDITY_DURATION', 'Solana'),
  rateLimitWeb3: setting<RateSetting>({
    env: ['GOTRUE_RATE_LIMIT_WEB3'],
    doc: 'POST /token?grant_type=web3 per client IP per 5 minutes (or N/duration, e.g. 30/1h).',
    defaultText: '30 (per 5 minutes)',
    read: (raw, name) => (isBlank(raw) ? { limit: 30, windowSeconds: 300 } : parseRate(name, raw, 300)),
  }),
} as const;
