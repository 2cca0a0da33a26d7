/**
 * The credential a browser returns (PublicKeyCredential.toJSON(), or supabase-js's own serialization
 * of it), checked for shape before any cryptography: the fields a ceremony needs, each base64url
 * where it must be, clientDataJSON a JSON object. Anything else is a malformed response
 * (CredentialShapeError), which GoTrue answers with "Invalid credential response".
 */
import { MAX_CREDENTIAL_ID_BYTES } from './relying-party.js';

export class CredentialShapeError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'CredentialShapeError';
  }
}

/** Clean copies, padding removed: what the verifier is given (and nothing else the client sent). */
export interface RegistrationCredentialJson {
  readonly id: string;
  readonly rawId: string;
  readonly type: 'public-key';
  readonly response: { readonly clientDataJSON: string; readonly attestationObject: string; readonly transports?: string[] };
  readonly clientExtensionResults: Record<string, never>;
}

export interface AssertionCredentialJson {
  readonly id: string;
  readonly rawId: string;
  readonly type: 'public-key';
  readonly response: {
    readonly clientDataJSON: string;
    readonly authenticatorData: string;
    readonly signature: string;
    readonly userHandle?: string;
  };
  readonly clientExtensionResults: Record<string, never>;
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** A base64url field (padding tolerated, as GoTrue's library does), unpadded; throws when it is not one. */
function base64url(value: unknown, field: string, options: { allowEmpty?: boolean } = {}): string {
  if (typeof value !== 'string') throw new CredentialShapeError(`${field} must be a base64url string`);
  const unpadded = value.replace(/=+$/, '');
  if (!BASE64URL.test(unpadded) || unpadded.length % 4 === 1) throw new CredentialShapeError(`${field} is not base64url`);
  if (!options.allowEmpty && unpadded === '') throw new CredentialShapeError(`${field} is empty`);
  return unpadded;
}

function common(credential: unknown): { id: string; rawId: string; response: Record<string, unknown>; clientDataJSON: string } {
  if (!isObject(credential)) throw new CredentialShapeError('credential must be an object');
  const id = base64url(credential.id, 'id');
  const rawId = base64url(credential.rawId, 'rawId');
  if (rawId !== id) throw new CredentialShapeError('id and rawId differ');
  const idBytes = Buffer.from(id, 'base64url').length;
  if (idBytes === 0 || idBytes > MAX_CREDENTIAL_ID_BYTES) throw new CredentialShapeError(`the credential id is ${idBytes} bytes`);
  if (credential.type !== 'public-key') throw new CredentialShapeError('type must be public-key');
  if (!isObject(credential.response)) throw new CredentialShapeError('response must be an object');
  const clientDataJSON = base64url(credential.response.clientDataJSON, 'response.clientDataJSON');
  let clientData: unknown;
  try {
    clientData = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8'));
  } catch {
    throw new CredentialShapeError('response.clientDataJSON is not JSON');
  }
  if (!isObject(clientData)) throw new CredentialShapeError('response.clientDataJSON is not a JSON object');
  return { id, rawId, response: credential.response, clientDataJSON };
}

export function parseRegistrationCredential(credential: unknown): RegistrationCredentialJson {
  const { id, rawId, response, clientDataJSON } = common(credential);
  const attestationObject = base64url(response.attestationObject, 'response.attestationObject');
  const transports = response.transports;
  if (transports !== undefined && transports !== null) {
    if (!Array.isArray(transports) || !transports.every((item) => typeof item === 'string' && item.length <= 64) || transports.length > 16) {
      throw new CredentialShapeError('response.transports must be a short list of strings');
    }
  }
  return {
    id,
    rawId,
    type: 'public-key',
    response: { clientDataJSON, attestationObject, ...(Array.isArray(transports) ? { transports: transports as string[] } : {}) },
    clientExtensionResults: {},
  };
}

export function parseAssertionCredential(credential: unknown): AssertionCredentialJson {
  const { id, rawId, response, clientDataJSON } = common(credential);
  const authenticatorData = base64url(response.authenticatorData, 'response.authenticatorData');
  const signature = base64url(response.signature, 'response.signature');
  const handle = response.userHandle;
  const userHandle = handle === undefined || handle === null ? undefined : base64url(handle, 'response.userHandle', { allowEmpty: true });
  return {
    id,
    rawId,
    type: 'public-key',
    response: { clientDataJSON, authenticatorData, signature, ...(userHandle ? { userHandle } : {}) },
    clientExtensionResults: {},
  };
}

/** The client data's top origin when the ceremony ran in a cross-origin frame (GoTrue does not check it). */
export function topOriginOf(clientDataJSON: string): string | undefined {
  const data = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8')) as Record<string, unknown>;
  return data.crossOrigin === true && typeof data.topOrigin === 'string' ? data.topOrigin : undefined;
}
