/**
 * A WebAuthn factor's credential as GoTrue stores it in auth.mfa_factors.web_authn_credential: the JSON
 * of go-webauthn's Credential (v0.16), byte arrays in standard padded base64 as Go writes them:
 *
 *   {"id", "publicKey", "attestationType" (the attestation format, as that version stores it),
 *    "transport": [...] | null, "flags": {"userPresent", "userVerified", "backupEligible", "backupState"},
 *    "authenticator": {"AAGUID", "signCount", "cloneWarning", "attachment"},
 *    "attestation": {"clientDataJSON", "clientDataHash", "authenticatorData", "publicKeyAlgorithm", "object"}}
 *
 * Written so GoTrue can verify against a credential Foyer registered, and read back whichever wrote it.
 */
import { createHash } from 'node:crypto';
import type { RegistrationCredentialJson } from '../webauthn/credential-json.js';
import type { CredentialRecord, RegisteredCredential } from '../webauthn/verify.js';

const std = (bytes: Buffer): string => bytes.toString('base64');

const ATTACHMENTS = new Set(['platform', 'cross-platform']);

/** The record of a credential registration verified (`registered`) from the client's `credential`. */
export function credentialRecordJson(registered: RegisteredCredential, credential: RegistrationCredentialJson, attachment: unknown): string {
  const clientDataJSON = Buffer.from(credential.response.clientDataJSON, 'base64url');
  return JSON.stringify({
    id: std(registered.credentialId),
    publicKey: std(registered.publicKey),
    attestationType: registered.attestationFormat,
    transport: registered.transports.length > 0 ? registered.transports : null,
    flags: {
      userPresent: registered.userPresent,
      userVerified: registered.userVerified,
      backupEligible: registered.backupEligible,
      backupState: registered.backedUp,
    },
    authenticator: {
      AAGUID: std(Buffer.from(registered.aaguid.replace(/-/g, ''), 'hex')),
      signCount: registered.signCount,
      cloneWarning: false,
      attachment: typeof attachment === 'string' && ATTACHMENTS.has(attachment) ? attachment : '',
    },
    attestation: {
      clientDataJSON: std(clientDataJSON),
      clientDataHash: std(createHash('sha256').update(clientDataJSON).digest()),
      authenticatorData: std(registered.authenticatorData),
      publicKeyAlgorithm: registered.publicKeyAlgorithm,
      object: std(Buffer.from(credential.response.attestationObject, 'base64url')),
    },
  });
}

const STD_BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

function bytes(value: unknown): Buffer | undefined {
  if (typeof value !== 'string' || value === '' || !STD_BASE64.test(value)) return undefined;
  return Buffer.from(value, 'base64');
}

/** A stored record (Foyer's or GoTrue's) as an assertion is verified against; undefined when unreadable. */
export function readCredentialRecord(value: unknown): CredentialRecord | undefined {
  if (!isObject(value)) return undefined;
  const credentialId = bytes(value.id);
  const publicKey = bytes(value.publicKey);
  const authenticator = isObject(value.authenticator) ? value.authenticator : {};
  const signCount = authenticator.signCount ?? 0;
  if (!credentialId || !publicKey || typeof signCount !== 'number' || !Number.isInteger(signCount) || signCount < 0 || signCount > 0xffffffff) {
    return undefined;
  }
  const transports = Array.isArray(value.transport) ? value.transport.filter((item): item is string => typeof item === 'string') : [];
  const flags = isObject(value.flags) ? value.flags : {};
  return { credentialId, publicKey, signCount, transports, backupEligible: flags.backupEligible === true };
}
