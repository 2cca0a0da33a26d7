/** Input rules shared by sign-up, update and admin paths (GoTrue's messages). */
import { FoyerError } from '../errors.js';
import { MAX_PASSWORD_BYTES } from '../security/password.js';

const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@.]+$/;

/** Lower-cases and checks an email address. */
export function normalizeEmail(raw: string): string {
  const email = raw.trim().toLowerCase();
  if (email.length > 255 || !emailPattern.test(email)) {
    throw new FoyerError('validation_failed', 'Unable to validate email address: invalid format');
  }
  return email;
}

/** E.164 without the plus: GoTrue strips `+` and spaces before storing. */
export function normalizePhone(raw: string): string {
  const phone = raw.replace(/[\s+]/g, '');
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
