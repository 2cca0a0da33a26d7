/**
 * The one registry of error codes Foyer answers with. Codes and statuses are GoTrue's (snake_case),
 * so supabase-js maps them exactly as it does for Supabase Auth. Domain code throws FoyerError;
 * the HTTP layer renders it in GoTrue's wire shape.
 */
export const errorStatus = {
  anonymous_provider_disabled: 422,
  bad_code_verifier: 400,
  bad_json: 400,
  bad_jwt: 403,
  bad_oauth_callback: 400,
  bad_oauth_state: 400,
  captcha_failed: 400,
  conflict: 409,
  current_password_invalid: 400,
  // Custom OAuth/OIDC providers (src/auth/oauth/custom/).
  custom_provider_not_found: 404,
  current_password_required: 400,
  email_conflict_identity_not_deletable: 422,
  email_exists: 422,
  email_not_confirmed: 400,
  email_provider_disabled: 422,
  flow_state_already_used: 400,
  // A GoTrue feature switched off (GOTRUE_OAUTH_SERVER_ENABLED=false): its routes answer 404.
  feature_disabled: 404,
  flow_state_expired: 422,
  flow_state_not_found: 404,
  // Auth hooks (src/auth/hooks/): GoTrue's codes for an HTTP hook that answers too late, too much or not JSON.
  hook_payload_invalid_content_type: 400,
  hook_payload_over_size_limit: 422,
  hook_timeout: 422,
  hook_timeout_after_retry: 422,
  identity_already_exists: 422,
  identity_not_found: 422,
  // GoTrue's status differs by site: 401 on PUT /user, 403 on passkeys and enrolling, 422 on unenrolling.
  insufficient_aal: 401,
  invalid_credentials: 400,
  // OAuth 2.0's error name, answered in OAuth's shape ({error, error_description}): see oauthError.
  invalid_grant: 400,
  manual_linking_disabled: 404,
  mfa_challenge_expired: 422,
  mfa_factor_name_conflict: 422,
  mfa_factor_not_found: 404,
  mfa_ip_address_mismatch: 422,
  mfa_phone_enroll_not_enabled: 422,
  mfa_phone_verify_not_enabled: 422,
  mfa_totp_enroll_not_enabled: 422,
  mfa_totp_verify_not_enabled: 422,
  mfa_verification_failed: 422,
  mfa_verified_factor_exists: 422,
  // The MFA verification attempt hook answered `decision: reject` (src/auth/hooks/mfa-verification-attempt.ts).
  mfa_verification_rejected: 403,
  mfa_webauthn_enroll_not_enabled: 422,
  mfa_webauthn_verify_not_enabled: 422,
  no_authorization: 401,
  not_admin: 403,
  not_found: 404,
  oauth_authorization_not_found: 404,
  oauth_client_not_found: 404,
  oauth_consent_not_found: 404,
  oauth_dynamic_client_registration_disabled: 403,
  otp_disabled: 422,
  otp_expired: 403,
  over_custom_provider_quota: 400,
  over_email_send_rate_limit: 429,
  over_request_rate_limit: 429,
  passkey_disabled: 404,
  over_sms_send_rate_limit: 429,
  phone_exists: 422,
  phone_not_confirmed: 400,
  phone_provider_disabled: 422,
  provider_disabled: 400,
  provider_email_needs_verification: 422,
  reauthentication_needed: 400,
  reauthentication_not_valid: 422,
  refresh_token_already_used: 400,
  refresh_token_not_found: 400,
  request_too_large: 413,
  same_password: 422,
  // SAML single sign-on (src/auth/sso/).
  saml_assertion_no_email: 400,
  saml_assertion_no_user_id: 400,
  saml_entity_id_mismatch: 400,
  saml_idp_already_exists: 422,
  saml_idp_not_found: 404,
  saml_metadata_fetch_failed: 400,
  saml_provider_disabled: 404,
  saml_relay_state_expired: 422,
  saml_relay_state_not_found: 404,
  session_expired: 400,
  session_not_found: 403,
  signup_disabled: 422,
  single_identity_not_deletable: 422,
  too_many_passkeys: 422,
  sms_send_failed: 422,
  sso_domain_already_exists: 400,
  sso_provider_disabled: 404,
  sso_provider_not_found: 404,
  too_many_enrolled_mfa_factors: 422,
  unexpected_audience: 403,
  unexpected_failure: 500,
  // GoTrue's code for an error without one: a hook's own `error` object with an http_code other than 500.
  unknown: 400,
  user_already_exists: 422,
  user_banned: 403,
  user_not_found: 404,
  user_sso_managed: 422,
  validation_failed: 400,
  weak_password: 422,
  web3_provider_disabled: 422,
  web3_unsupported_chain: 400,
  webauthn_challenge_expired: 400,
  webauthn_challenge_not_found: 400,
  webauthn_credential_exists: 422,
  webauthn_verification_failed: 400,
} as const;

export type ErrorCode = keyof typeof errorStatus;

export class FoyerError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Extra top-level fields GoTrue adds to some errors (e.g. `weak_password: {reasons}`). */
  readonly extra: Readonly<Record<string, unknown>> | undefined;

  /**
   * 'oauth': sent as OAuth 2.0 sends token errors, `{error, error_description}` with no error-code
   * header, whatever the API version (GoTrue's OAuthError, e.g. a Web3 message it refuses).
   */
  readonly wire: 'gotrue' | 'oauth';

  /** `cause`: what went wrong underneath, for the server log only (never sent). */
  constructor(
    code: ErrorCode,
    message: string,
    options: { status?: number; extra?: Record<string, unknown>; cause?: unknown; wire?: 'gotrue' | 'oauth' } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FoyerError';
    this.code = code;
    this.status = options.status ?? errorStatus[code];
    this.extra = options.extra;
    this.wire = options.wire ?? 'gotrue';
  }
}

/** GoTrue's OAuthError: 400 `{"error": "invalid_grant", "error_description": message}`. */
export const invalidGrant = (message: string): FoyerError => new FoyerError('invalid_grant', message, { wire: 'oauth' });

export const isFoyerError = (value: unknown): value is FoyerError => value instanceof FoyerError;

/**
 * An error of the OAuth server's protocol endpoints (RFC 6749 §5.2), as GoTrue's OAuthError: always
 * 400 with `{error, error_description}` (invalid_request, invalid_client, invalid_grant, …), never
 * GoTrue's `{code, message}`, since third-party OAuth libraries read this shape.
 */
export class OAuthProtocolError extends Error {
  readonly error: string;
  readonly status = 400;
  constructor(error: 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unsupported_grant_type' | 'access_denied' | 'invalid_scope', description: string) {
    super(description);
    this.name = 'OAuthProtocolError';
    this.error = error;
  }
}
