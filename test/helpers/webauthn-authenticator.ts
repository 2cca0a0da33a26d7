/**
 * A software authenticator for API tests: it answers the options Foyer sends as a browser and a
 * platform authenticator would (an ES256 passkey, "none" attestation), and can be told to lie (another
 * origin, another RP id, an old counter…) so the tests can show each lie refused. Real cryptography
 * (node:crypto), hand-encoded CBOR; nothing here is shared with the server's verification.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';

type Cbor = number | string | Buffer | Cbor[] | Map<Cbor, Cbor>;

function head(major: number, length: number): Buffer {
  if (length < 24) return Buffer.from([(major << 5) | length]);
  if (length < 0x100) return Buffer.from([(major << 5) | 24, length]);
  if (length < 0x10000) return Buffer.from([(major << 5) | 25, length >> 8, length & 0xff]);
  const out = Buffer.alloc(5);
  out[0] = (major << 5) | 26;
  out.writeUInt32BE(length, 1);
  return out;
}

/** CBOR (RFC 8949) of the few types WebAuthn structures use. */
export function cbor(value: Cbor): Buffer {
  if (typeof value === 'number') return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    return Buffer.concat([head(3, bytes.length), bytes]);
  }
  if (Buffer.isBuffer(value)) return Buffer.concat([head(2, value.length), value]);
  if (Array.isArray(value)) return Buffer.concat([head(4, value.length), ...value.map(cbor)]);
  const parts: Buffer[] = [head(5, value.size)];
  for (const [key, item] of value) parts.push(cbor(key), cbor(item));
  return Buffer.concat(parts);
}

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest();
const b64url = (data: Buffer) => data.toString('base64url');

export interface StoredKey {
  readonly credentialId: Buffer;
  readonly privateKey: KeyObject;
  /** The user handle the credential was created for (base64url, as in the options). */
  readonly userHandle: string;
  counter: number;
}

export interface Lies {
  /** clientDataJSON.origin */
  readonly origin?: string;
  /** The RP id whose hash goes into the authenticator data. */
  readonly rpId?: string;
  readonly challenge?: string;
  readonly type?: string;
  /** The counter to report (default: the stored one plus one, or 0 when `counting` is off). */
  readonly counter?: number;
  readonly userHandle?: string | null;
  /** Sign with this key instead of the credential's own (a credential id of someone else's). */
  readonly signingKey?: KeyObject;
  /** Flags byte instead of UP|UV (|BE|BS). */
  readonly flags?: number;
  /** create(): claim this credential id (attestation "none" signs nothing, so anyone can). */
  readonly credentialId?: Buffer;
}

export interface AuthenticatorOptions {
  readonly rpId: string;
  readonly origin: string;
  /** Whether the authenticator keeps a signature counter (platform passkeys keep none: always 0). */
  readonly counting?: boolean;
  /** Synced passkeys are backup eligible (and backed up). */
  readonly backupEligible?: boolean;
  readonly userVerified?: boolean;
}

interface CreationOptions {
  readonly challenge: string;
  readonly rp: { readonly id?: string };
  readonly user: { readonly id: string };
}

interface RequestOptions {
  readonly challenge: string;
}

export class SoftwareAuthenticator {
  readonly keys: StoredKey[] = [];
  constructor(readonly options: AuthenticatorOptions) {}

  private flags(attested: boolean): number {
    let flags = 0x01; // UP
    if (this.options.userVerified ?? true) flags |= 0x04;
    if (this.options.backupEligible) flags |= 0x08 | 0x10;
    if (attested) flags |= 0x40;
    return flags;
  }

  private clientData(type: string, challenge: string, lies: Lies): Buffer {
    return Buffer.from(JSON.stringify({ type: lies.type ?? type, challenge: lies.challenge ?? challenge, origin: lies.origin ?? this.options.origin, crossOrigin: false }));
  }

  /** navigator.credentials.create(): a RegistrationResponseJSON for these options. */
  create(options: CreationOptions, lies: Lies = {}) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const coseKey = cbor(
      new Map<Cbor, Cbor>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, Buffer.from(jwk.x as string, 'base64url')],
        [-3, Buffer.from(jwk.y as string, 'base64url')],
      ]),
    );
    const credentialId = lies.credentialId ?? randomBytes(32);
    const counter = lies.counter ?? 0;
    const countBytes = Buffer.alloc(4);
    countBytes.writeUInt32BE(counter);
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(credentialId.length);
    const authData = Buffer.concat([
      sha256(lies.rpId ?? this.options.rpId),
      Buffer.from([lies.flags ?? this.flags(true)]),
      countBytes,
      Buffer.alloc(16), // AAGUID: none named
      idLength,
      credentialId,
      coseKey,
    ]);
    const attestationObject = cbor(new Map<Cbor, Cbor>([['fmt', 'none'], ['attStmt', new Map()], ['authData', authData]]));
    const key: StoredKey = { credentialId, privateKey, userHandle: options.user.id, counter };
    return {
      key,
      json: {
        id: b64url(credentialId),
        rawId: b64url(credentialId),
        type: 'public-key',
        response: {
          clientDataJSON: b64url(this.clientData('webauthn.create', options.challenge, lies)),
          attestationObject: b64url(attestationObject),
          transports: ['internal', 'hybrid'],
        },
        clientExtensionResults: {},
        authenticatorAttachment: 'platform',
      },
      /** Keeps the credential for later sign-ins (what a real authenticator does once the RP accepted it). */
      keep: () => {
        this.keys.push(key);
        return key;
      },
    };
  }

  /** navigator.credentials.get() with the user picking `key` (default: the last one kept). */
  get(options: RequestOptions, lies: Lies = {}, key: StoredKey = this.keys[this.keys.length - 1]) {
    const counter = lies.counter ?? (this.options.counting ? key.counter + 1 : 0);
    if (lies.counter === undefined) key.counter = counter;
    const countBytes = Buffer.alloc(4);
    countBytes.writeUInt32BE(counter);
    const authData = Buffer.concat([sha256(lies.rpId ?? this.options.rpId), Buffer.from([lies.flags ?? this.flags(false)]), countBytes]);
    const clientDataJSON = this.clientData('webauthn.get', options.challenge, lies);
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientDataJSON)]), lies.signingKey ?? key.privateKey);
    const userHandle = lies.userHandle === undefined ? key.userHandle : lies.userHandle;
    return {
      id: b64url(key.credentialId),
      rawId: b64url(key.credentialId),
      type: 'public-key',
      response: {
        clientDataJSON: b64url(clientDataJSON),
        authenticatorData: b64url(authData),
        signature: b64url(signature),
        ...(userHandle === null ? {} : { userHandle }),
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }
}
