/** Input rules shared by sign-up, update and admin paths (GoTrue's messages). */
import { FoyerError } from '../errors.js';
import { MAX_PASSWORD_BYTES } from '../security/password.js';

/**
 * The address format GoTrue accepts (the HTML living standard's "valid email address"): a local part of
 * letters, digits and ``.!#$%&'*+/=?^_`{|}~-``, then dot-separated host labels of letters, digits and
 * inner hyphens, at most 63 characters each. A host without a dot (`user@localhost`) is valid.
 */
const emailPattern = /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

/** GoTrue's limit on an address, in bytes (Go's len): the width of auth.users.email, varchar(255). */
export const MAX_EMAIL_BYTES = 255;

/** Lower-cases and checks an email address (GoTrue's checks and messages, in GoTrue's order). */
export function normalizeEmail(raw: string): string {
  const email = raw.trim();
  if (email === '') throw new FoyerError('validation_failed', 'An email address is required');
  if (Buffer.byteLength(email, 'utf8') > MAX_EMAIL_BYTES) throw new FoyerError('validation_failed', 'An email address is too long');
  if (!emailPattern.test(email)) {
    throw new FoyerError('validation_failed', 'Unable to validate email address: invalid format');
  }
  return email.toLowerCase();
}

/**
 * E.164 without the plus, at most 15 digits: GoTrue strips one leading `+` and every space (U+0020),
 * nothing else, then checks the digits (so a long or padded number is "Invalid phone number format").
 */
export function normalizePhone(raw: string): string {
  const phone = raw.replace(/^\+/, '').replaceAll(' ', '');
  if (!/^[1-9]\d{1,14}$/.test(phone)) {
    throw new FoyerError('validation_failed', 'Invalid phone number format (E.164 required)');
  }
  return phone;
}

export function checkPasswordStrength(password: string, minLength: number): void {
  if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) {
    throw new FoyerError('validation_failed', `Password cannot be longer than ${MAX_PASSWORD_BYTES} characters`);
  }
  if ([...password].length < minLength) {
    throw new FoyerError('weak_password', `Password should be at least ${minLength} characters.`, {
      extra: { weak_password: { reasons: ['length'] } },
    });
  }
}

/** Metadata JSON sent by clients must be an object (or absent). */
export const metadataJson = (data: Record<string, unknown> | undefined): string => JSON.stringify(data ?? {});
