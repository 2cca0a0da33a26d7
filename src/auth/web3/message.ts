/**
 * The sign-in messages wallets sign, read line by line as GoTrue reads them: EIP-4361 (Sign-In with
 * Ethereum) and its Solana sibling share one layout,
 *
 *   <domain> wants you to sign in with your <Ethereum|Solana> account:
 *   <address>
 *
 *   [<statement>
 *   ]
 *   URI: …, Version: 1, Chain ID: …, Nonce: …, Issued At: …, [Expiration Time, Not Before, Request ID]
 *   [Resources:
 *   - <uri> …]
 *
 * with the fields in any order and unknown fields ignored (GoTrue's leniency). A message that breaks the
 * layout is refused with GoTrue's sentence (`siwe: …` / `siws: …`, 400 validation_failed).
 */
import { FoyerError } from '../../errors.js';
import { parseRfc3339Ms, ZERO_TIME_MS } from './timestamp.js';
import { parseRequestUri, type MessageUri } from './uri.js';

export interface SignInMessage {
  readonly raw: string;
  readonly domain: string;
  /** As written in the message (GoTrue records it so: provider_id web3:<chain>:<address>). */
  readonly address: string;
  /** Ethereum: null when absent; Solana: '' when absent (GoTrue's two shapes). */
  readonly statement: string | null;
  readonly uri: MessageUri;
  readonly version: string;
  /** Ethereum: the EIP-155 chain id ("1"); Solana: "solana:mainnet" or ''. */
  readonly chainId: string;
  readonly nonce: string;
  readonly issuedAtMs: number;
  readonly expirationTimeMs: number | null;
  readonly notBeforeMs: number | null;
  readonly requestId: string | null;
  readonly resources: readonly string[];
}

export interface Dialect {
  /** The error prefix: siwe or siws. */
  readonly tag: 'siwe' | 'siws';
  readonly account: 'Ethereum' | 'Solana';
  readonly addressPattern: RegExp;
  readonly addressError: string;
  /** Extra check of the address beyond its pattern (Solana: real base58 of a 32-byte key). */
  readonly addressValid?: (address: string) => boolean;
  /** Ethereum requires a chain id; Solana takes an empty one. */
  readonly chainIdValid: (value: string) => boolean;
  readonly statementWhenAbsent: string | null;
}

// Domain names as GoTrue accepts them in the first line: localhost or a dotted name, with an optional port.
const domainPattern = /^(localhost|(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]{2,})(?::\d{1,5})?$/;

class Reader {
  constructor(private readonly dialect: Dialect) {}
  fail(sentence: string): never {
    throw new FoyerError('validation_failed', `${this.dialect.tag}: ${sentence}`);
  }
  time(value: string, field: string): number {
    const ms = parseRfc3339Ms(value);
    if (ms === undefined) this.fail(`${field} is not a valid ISO8601 timestamp`);
    return ms;
  }
}

/** Go's strings.TrimSpace for the ASCII and Unicode spaces a line may carry. */
const trimSpace = (text: string) => text.replace(/^[\s\u0085]+|[\s\u0085]+$/gu, '');

export function parseSignInMessage(raw: string, dialect: Dialect): SignInMessage {
  // Annotated, so that TypeScript treats read.fail (never) as ending the path.
  const read: Reader = new Reader(dialect);
  const lines = raw.split('\n');
  if (lines.length < 6) read.fail('message needs at least 6 lines');

  const header = ` wants you to sign in with your ${dialect.account} account:`;
  if (!lines[0].endsWith(header)) read.fail(`message first line does not end in "${header}"`);
  const domain = trimSpace(lines[0].slice(0, -header.length));
  if (!domainPattern.test(domain)) read.fail('domain in first line of message is not valid');

  const address = trimSpace(lines[1]);
  if (!dialect.addressPattern.test(address) || (dialect.addressValid && !dialect.addressValid(address))) read.fail(dialect.addressError);
  if (lines[2] !== '') read.fail('third line must be empty');

  let statement = dialect.statementWhenAbsent;
  let start = 3;
  if (lines[3] !== '' && lines[4] === '') {
    statement = lines[3];
    start = 5;
  }

  let uri: MessageUri | undefined;
  let version = '';
  let chainId = '';
  let nonce = '';
  let issuedAtMs = ZERO_TIME_MS;
  let expirationTimeMs: number | null = null;
  let notBeforeMs: number | null = null;
  let requestId: string | null = null;
  const resources: string[] = [];
  let inResources = false;

  for (let index = start; index < lines.length; index++) {
    const line = trimSpace(lines[index]);
    if (inResources) {
      if (line.startsWith('- ')) {
        const resource = trimSpace(line.slice(2));
        if (!parseRequestUri(resource)) read.fail(`Resource at position ${resources.length} has invalid URI`);
        resources.push(resource);
        continue;
      }
      inResources = false;
    }
    if (line === 'Resources:') {
      inResources = true;
      continue;
    }
    if (line === '') continue;

    const colon = line.indexOf(':');
    if (colon === -1) read.fail(`encountered unparsable line at index ${index}`);
    const key = line.slice(0, colon);
    const value = trimSpace(line.slice(colon + 1));
    switch (key) {
      case 'URI':
        uri = parseRequestUri(value) ?? read.fail('URI is not valid');
        break;
      case 'Version':
        version = value;
        break;
      case 'Chain ID':
        if (!dialect.chainIdValid(value)) read.fail('Chain ID is not valid');
        chainId = value;
        break;
      case 'Nonce':
        // GoTrue issues no nonces: the field is read, not checked (Foyer makes each message single-use instead).
        nonce = value;
        break;
      case 'Issued At':
        issuedAtMs = read.time(value, 'Issued At');
        break;
      case 'Expiration Time':
        expirationTimeMs = read.time(value, 'Expiration Time');
        break;
      case 'Not Before':
        notBeforeMs = read.time(value, 'Not Before');
        break;
      case 'Request ID':
        requestId = value;
        break;
    }
  }

  if (version !== '1') read.fail(`Version value is not supported, expected 1 got ${JSON.stringify(version)}`);
  if (issuedAtMs === ZERO_TIME_MS) read.fail('Issued At is not specified');
  if (!uri) read.fail('URI is not specified');
  if (expirationTimeMs !== null && issuedAtMs > expirationTimeMs) read.fail('Issued At is after Expiration Time');
  if (notBeforeMs !== null && expirationTimeMs !== null && notBeforeMs > expirationTimeMs) read.fail('Not Before is after Expiration Time');

  return { raw, domain, address, statement, uri, version, chainId, nonce, issuedAtMs, expirationTimeMs, notBeforeMs, requestId, resources };
}
