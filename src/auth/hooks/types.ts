/**
 * What each hook receives and answers, in GoTrue's JSON (internal/hooks/v0hooks). Field names are the
 * wire names, so a function or receiver written for Supabase Auth reads Foyer's payloads unchanged.
 */
import type { HookName } from '../../config/hook-settings.js';
import type { PublicUser } from '../user-view.js';

export type { HookName } from '../../config/hook-settings.js';

/** GoTrue's names inside `metadata.name` (they differ from the configuration names). */
export const hookEventNames: Readonly<Record<HookName, string>> = {
  custom_access_token: 'customize-access-token',
  send_email: 'send-email',
  send_sms: 'send-sms',
  mfa_verification_attempt: 'mfa-verification',
  password_verification_attempt: 'password-verification',
  before_user_created: 'before-user-created',
};

export interface HookMetadata {
  readonly uuid: string;
  /** RFC 3339. */
  readonly time: string;
  readonly name: string;
  /** The client's address; absent when unknown. */
  readonly ip_address?: string;
}

/** GoTrue's `authentication_method` names (models.AuthenticationMethod). */
export type AuthenticationMethod =
  | 'oauth'
  | 'password'
  | 'otp'
  | 'totp'
  | 'recovery'
  | 'invite'
  | 'sso/saml'
  | 'magiclink'
  | 'email/signup'
  | 'email_change'
  | 'token_refresh'
  | 'anonymous'
  | 'mfa/phone'
  | 'mfa/webauthn'
  | 'web3'
  | 'passkey';

export interface CustomAccessTokenPayload {
  readonly metadata: HookMetadata;
  readonly user_id: string;
  readonly claims: Readonly<Record<string, unknown>>;
  /** An AuthenticationMethod name. */
  readonly authentication_method: string;
}

/** The claims to sign, checked against GoTrue's schema (src/auth/hooks/custom-access-token.ts); null when the hook gave none. */
export interface CustomAccessTokenResponse {
  readonly claims: Record<string, unknown> | null;
}

export interface PasswordVerificationAttemptPayload {
  readonly metadata: HookMetadata;
  readonly user_id: string;
  readonly valid: boolean;
}

export interface PasswordVerificationAttemptResponse {
  /** "reject" refuses the sign-in; anything else lets the normal outcome stand. */
  readonly decision: string;
  readonly message: string;
  readonly should_logout_user: boolean;
}

export interface BeforeUserCreatedPayload {
  readonly metadata: HookMetadata;
  /** The user about to be written: its id is final, nothing is stored yet. */
  readonly user: PublicUser;
}

export type BeforeUserCreatedResponse = Readonly<Record<string, never>>;

export interface MfaVerificationAttemptPayload {
  readonly metadata: HookMetadata;
  readonly user_id: string;
  readonly factor_id: string;
  readonly factor_type: string;
  readonly valid: boolean;
}

export interface MfaVerificationAttemptResponse {
  readonly decision: string;
  readonly message: string;
}

export interface SendSmsPayload {
  readonly metadata: HookMetadata;
  readonly user?: PublicUser;
  readonly sms: { readonly otp?: string; readonly sms_type?: string; readonly phone?: string };
}

export interface SendEmailPayload {
  readonly metadata: HookMetadata;
  readonly user: PublicUser;
  readonly email_data: Readonly<Record<string, unknown>>;
}

export type SendMessageResponse = Readonly<Record<string, never>>;

export interface HookPayloads {
  custom_access_token: CustomAccessTokenPayload;
  send_email: SendEmailPayload;
  send_sms: SendSmsPayload;
  mfa_verification_attempt: MfaVerificationAttemptPayload;
  password_verification_attempt: PasswordVerificationAttemptPayload;
  before_user_created: BeforeUserCreatedPayload;
}

export interface HookResponses {
  custom_access_token: CustomAccessTokenResponse;
  send_email: SendMessageResponse;
  send_sms: SendMessageResponse;
  mfa_verification_attempt: MfaVerificationAttemptResponse;
  password_verification_attempt: PasswordVerificationAttemptResponse;
  before_user_created: BeforeUserCreatedResponse;
}
