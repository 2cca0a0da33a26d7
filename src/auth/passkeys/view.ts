/** A passkey as GoTrue shows it: friendly_name and last_used_at left out when empty (Go's omitempty). */
import type { PasskeyRow } from '../../store/webauthn-credentials.js';

export interface PasskeyListItem {
  id: string;
  friendly_name?: string;
  created_at: string;
  last_used_at?: string;
}

export function toPasskeyListItem(row: PasskeyRow): PasskeyListItem {
  const item: PasskeyListItem = { id: row.id, created_at: row.created_at };
  if (row.friendly_name) item.friendly_name = row.friendly_name;
  if (row.last_used_at) item.last_used_at = row.last_used_at;
  return item;
}

/** POST /passkeys/registration/verify answers with no last_used_at (GoTrue's PasskeyMetadataResponse). */
export function toPasskeyMetadata(row: PasskeyRow): Omit<PasskeyListItem, 'last_used_at'> {
  const { last_used_at: _unused, ...metadata } = toPasskeyListItem(row);
  return metadata;
}

/** A new passkey's name. GoTrue looks the authenticator's AAGUID up in a list of known models first. */
export const DEFAULT_PASSKEY_NAME = 'Passkey';
