/**
 * GoTrue's server-side variables: API, database, logging and telemetry, JWT, sessions and refresh
 * tokens, security, rate limits, passwords, mail and SMS. Names as GoTrue's configuration loader forms
 * them (prefix GOTRUE_, nested sections joined with _, camel case split where the field asks for it; a
 * field with its own name also answers to it bare, e.g. DATABASE_URL). See src/config/gotrue-variable.ts.
 */
import { ConfigError, parseDurationSeconds, parseInteger } from './parse.js';
import { foyerAlias, honoured, inert, notApplicable, refused, switchOn, whenSet, type GotrueVariable } from './gotrue-variable.js';

const unused = 'GoTrue itself never reads the value.';
const pool = "Tunes GoTrue's connection pool; Foyer's is FOYER_DB_POOL_SIZE.";
const goLog = 'Formats GoTrue\'s log; Foyer logs JSON lines to standard output (GOTRUE_LOG_LEVEL).';
const tracing = "GoTrue's OpenTelemetry tracing; Foyer exports no traces.";
const metrics = "GoTrue's OpenTelemetry/Prometheus metrics exporter; Foyer serves Prometheus metrics at /metrics (FOYER_METRICS_AUTH).";

export const apiAndDatabase: readonly GotrueVariable[] = [
  honoured('GOTRUE_API_HOST'),
  honoured('GOTRUE_API_PORT'),
  honoured('PORT'),
  notApplicable('GOTRUE_API_ENDPOINT', unused),
  notApplicable('GOTRUE_API_REQUEST_ID_HEADER', "Names the header whose value GoTrue's log uses as the request id; Foyer's log numbers requests itself."),
  notApplicable('REQUEST_ID_HEADER', 'Bare name of GOTRUE_API_REQUEST_ID_HEADER.'),
  honoured('GOTRUE_API_API_EXTERNAL_URL'),
  honoured('API_EXTERNAL_URL'),
  foyerAlias('GOTRUE_API_EXTERNAL_URL', 'Foyer also accepts this spelling of API_EXTERNAL_URL (GoTrue reads GOTRUE_API_API_EXTERNAL_URL).'),
  notApplicable('GOTRUE_API_MAX_REQUEST_DURATION', "GoTrue's time limit per request; Foyer has none (its calls to CAPTCHA and OAuth providers have their own timeouts)."),

  honoured('GOTRUE_DB_DRIVER'),
  honoured('GOTRUE_DB_DATABASE_URL'),
  honoured('DATABASE_URL'),
  honoured('GOTRUE_DB_DB_NAMESPACE'),
  honoured('DB_NAMESPACE'),
  foyerAlias('GOTRUE_DB_NAMESPACE', 'Foyer also accepts this spelling of DB_NAMESPACE (GoTrue reads GOTRUE_DB_DB_NAMESPACE).'),
  notApplicable('GOTRUE_DB_CONN_PERCENTAGE', pool),
  notApplicable('GOTRUE_DB_MAX_POOL_SIZE', pool),
  notApplicable('GOTRUE_DB_MAX_IDLE_POOL_SIZE', pool),
  notApplicable('GOTRUE_DB_CONN_MAX_LIFETIME', pool),
  notApplicable('GOTRUE_DB_CONN_MAX_IDLE_TIME', pool),
  notApplicable('GOTRUE_DB_HEALTH_CHECK_PERIOD', pool),
  notApplicable('GOTRUE_DB_MIGRATIONS_PATH', 'Foyer\'s migrations are built in (`foyer migrate`, and at start).'),
  honoured('GOTRUE_DB_CLEANUP_ENABLED'),
  notApplicable('GOTRUE_DB_ADVISOR_ENABLED', "GoTrue's connection-pool advisor (hints in its log; on by default); Foyer has none."),
  notApplicable('GOTRUE_DB_ADVISOR_SAMPLING_INTERVAL', "GoTrue's connection-pool advisor."),
  notApplicable('GOTRUE_DB_ADVISOR_OBSERVATION_INTERVAL', "GoTrue's connection-pool advisor."),
];

export const operations: readonly GotrueVariable[] = [
  honoured('GOTRUE_LOG_LEVEL'),
  notApplicable('GOTRUE_LOG_FILE', 'GoTrue can log to a file; Foyer logs to standard output.'),
  notApplicable('GOTRUE_LOG_DISABLE_COLORS', goLog),
  notApplicable('GOTRUE_LOG_QUOTE_EMPTY_FIELDS', goLog),
  notApplicable('GOTRUE_LOG_TSFORMAT', goLog),
  notApplicable('GOTRUE_LOG_FIELDS', goLog),
  notApplicable('GOTRUE_LOG_SQL', "GoTrue's SQL statement log; Foyer logs no SQL."),
  notApplicable('GOTRUE_PROFILER_ENABLED', "Go's profiler in GoTrue."),
  notApplicable('GOTRUE_PROFILER_HOST', "Go's profiler in GoTrue."),
  notApplicable('GOTRUE_PROFILER_PORT', "Go's profiler in GoTrue."),
  notApplicable('GOTRUE_OPERATOR_TOKEN', unused),
  notApplicable('GOTRUE_TRACING_ENABLED', tracing),
  notApplicable('GOTRUE_TRACING_EXPORTER', tracing),
  notApplicable('GOTRUE_TRACING_OTEL_EXPORTER_OTLP_PROTOCOL', tracing),
  notApplicable('GOTRUE_TRACING_HOST', tracing),
  notApplicable('GOTRUE_TRACING_PORT', tracing),
  notApplicable('GOTRUE_TRACING_SERVICE_NAME', tracing),
  notApplicable('GOTRUE_TRACING_TAGS', tracing),
  notApplicable('GOTRUE_METRICS_ENABLED', metrics),
  notApplicable('GOTRUE_METRICS_EXPORTER', metrics),
  notApplicable('GOTRUE_METRICS_OTEL_EXPORTER_OTLP_PROTOCOL', metrics),
  notApplicable('GOTRUE_METRICS_OTEL_EXPORTER_PROMETHEUS_HOST', metrics),
  notApplicable('GOTRUE_METRICS_OTEL_EXPORTER_PROMETHEUS_PORT', metrics),
  notApplicable('OTEL_EXPORTER_OTLP_PROTOCOL', 'Bare name of the tracing and metrics exporter protocol.'),
  notApplicable('OTEL_EXPORTER_PROMETHEUS_HOST', 'Bare name of GOTRUE_METRICS_OTEL_EXPORTER_PROMETHEUS_HOST.'),
  notApplicable('OTEL_EXPORTER_PROMETHEUS_PORT', 'Bare name of GOTRUE_METRICS_OTEL_EXPORTER_PROMETHEUS_PORT.'),
  honoured('GOTRUE_INTERNAL_HTTP_TIMEOUT'),
  notApplicable('GOTRUE_RELOADING_NOTIFY_ENABLED', "GoTrue's reloading of --config-dir files; Foyer's console settings apply live instead."),
  notApplicable('GOTRUE_RELOADING_POLLERENABLED', "GoTrue's reloading of --config-dir files."),
  notApplicable('GOTRUE_RELOADING_POLLER_INTERVAL', "GoTrue's reloading of --config-dir files."),
  notApplicable('GOTRUE_RELOADING_SIGNAL_ENABLED', "GoTrue's reloading of --config-dir files."),
  notApplicable('GOTRUE_RELOADING_SIGNAL_NUMBER', "GoTrue's reloading of --config-dir files."),
  notApplicable('GOTRUE_RELOADING_GRACE_PERIOD_INTERVAL', "GoTrue's reloading of --config-dir files."),
  notApplicable('GOTRUE_INDEX_WORKER_ENSURE_USER_SEARCH_INDEXES_EXIST', "GoTrue's background creation of search indexes on auth.users."),
  notApplicable('GOTRUE_INDEX_WORKER_MAX_USERS_THRESHOLD', "GoTrue's background creation of search indexes on auth.users."),
];

/** GOTRUE_SECURITY_REFRESH_TOKEN_ALGORITHM_VERSION: 0 and 1 are the format Foyer issues; 2 is refused. */
const refreshTokenVersion2 = (value: string, name: string): boolean => {
  const version = parseInteger(name, value, 0);
  if (version > 2) throw new ConfigError(`${name} must be 0, 1 or 2, got ${version}`);
  return version === 2;
};

export const tokensAndSecurity: readonly GotrueVariable[] = [
  honoured('GOTRUE_JWT_SECRET'),
  honoured('GOTRUE_JWT_EXP'),
  honoured('GOTRUE_JWT_AUD'),
  inert('GOTRUE_JWT_ADMIN_GROUP_NAME', 'Deprecated in GoTrue (default "admin"): users with that role may set their own app_metadata through PUT /user. Foyer never lets users change app_metadata.'),
  honoured('GOTRUE_JWT_ADMIN_ROLES'),
  honoured('GOTRUE_JWT_DEFAULT_GROUP_NAME'),
  honoured('GOTRUE_JWT_ISSUER'),
  honoured('GOTRUE_JWT_KEY_ID'),
  honoured('GOTRUE_JWT_KEYS'),
  honoured('GOTRUE_JWT_VALID_METHODS'),

  honoured('GOTRUE_SESSIONS_TIMEBOX'),
  honoured('GOTRUE_SESSIONS_INACTIVITY_TIMEOUT'),
  refused('GOTRUE_SESSIONS_ALLOW_LOW_AAL', 'How long a session of a user with a verified MFA factor may stay at aal1 before it must be raised to aal2 (shorter access tokens, then no refresh); Foyer keeps such sessions as long as any other.', {
    when: (value, name) => parseDurationSeconds(name, value) > 0,
    feature: 'limiting how long aal1 sessions of MFA users live',
    fix: 'unset it or set it to 0',
    whenText: 'a duration above 0 stops the start',
  }),
  switchOn('GOTRUE_SESSIONS_SINGLE_PER_USER', 'one session per user (a new sign-in ends the others)'),
  inert('GOTRUE_SESSIONS_TAGS', 'Groups sessions for GOTRUE_SESSIONS_SINGLE_PER_USER.'),

  honoured('GOTRUE_SECURITY_CAPTCHA_ENABLED'),
  honoured('GOTRUE_SECURITY_CAPTCHA_PROVIDER'),
  honoured('GOTRUE_SECURITY_CAPTCHA_SECRET'),
  honoured('GOTRUE_SECURITY_CAPTCHA_TIMEOUT'),
  refused('GOTRUE_SECURITY_REFRESH_TOKEN_ALGORITHM_VERSION', 'Version 2 derives refresh tokens from a per-session key. Foyer keeps v2 tokens a database already holds working, but issues v1 tokens for new sessions.', {
    when: refreshTokenVersion2,
    feature: 'issuing version 2 refresh tokens for new sessions',
    fix: 'unset it or set it to 1 (sessions that already have v2 tokens keep refreshing)',
    whenText: '2 stops the start; 0, 1 or unset start',
  }),
  inert('GOTRUE_SECURITY_REFRESH_TOKEN_UPGRADE_PERCENTAGE', 'Moves sessions to version 2 refresh tokens; only with GOTRUE_SECURITY_REFRESH_TOKEN_ALGORITHM_VERSION=2.'),
  honoured('GOTRUE_SECURITY_REFRESH_TOKEN_ROTATION_ENABLED'),
  honoured('GOTRUE_SECURITY_REFRESH_TOKEN_REUSE_INTERVAL'),
  switchOn('GOTRUE_SECURITY_REFRESH_TOKEN_ALLOW_REUSE', 'accepting reused refresh tokens at any time', 'Lets a refresh token be used again at any time; Foyer ends the session of a token reused outside GOTRUE_SECURITY_REFRESH_TOKEN_REUSE_INTERVAL.'),
  honoured('GOTRUE_SECURITY_UPDATE_PASSWORD_REQUIRE_REAUTHENTICATION'),
  honoured('GOTRUE_SECURITY_UPDATE_PASSWORD_REQUIRE_CURRENT_PASSWORD'),
  honoured('GOTRUE_SECURITY_MANUAL_LINKING_ENABLED'),
  switchOn('GOTRUE_SECURITY_SB_FORWARDED_FOR_ENABLED', 'reading the client IP from the Sb-Forwarded-For header', undefined, 'unset it or set it to false; FOYER_TRUSTED_PROXIES says whose X-Forwarded-For to believe'),
  honoured('GOTRUE_SECURITY_DB_ENCRYPTION_ENCRYPT'),
  honoured('GOTRUE_SECURITY_DB_ENCRYPTION_ENCRYPTION_KEY_ID'),
  honoured('GOTRUE_SECURITY_DB_ENCRYPTION_ENCRYPTION_KEY'),
  honoured('GOTRUE_SECURITY_DB_ENCRYPTION_DECRYPTION_KEYS'),
  switchOn('GOTRUE_AUDIT_LOG_DISABLE_POSTGRES', 'an audit log kept out of the database', 'Makes GoTrue log audit events instead of writing auth.audit_log_entries; Foyer always writes them.'),

  honoured('GOTRUE_RATE_LIMIT_HEADER'),
  honoured('GOTRUE_RATE_LIMIT_EMAIL_SENT'),
  honoured('GOTRUE_RATE_LIMIT_SMS_SENT'),
  honoured('GOTRUE_RATE_LIMIT_VERIFY'),
  honoured('GOTRUE_RATE_LIMIT_TOKEN_REFRESH'),
  honoured('GOTRUE_RATE_LIMIT_SSO'),
  honoured('GOTRUE_RATE_LIMIT_ANONYMOUS_USERS'),
  honoured('GOTRUE_RATE_LIMIT_OTP'),
  honoured('GOTRUE_RATE_LIMIT_WEB3'),
  honoured('GOTRUE_RATE_LIMIT_PASSKEY'),
  honoured('GOTRUE_RATE_LIMIT_O_AUTH_DYNAMIC_CLIENT_REGISTER'),

  honoured('GOTRUE_SITE_URL'),
  honoured('GOTRUE_URI_ALLOW_LIST'),
  honoured('GOTRUE_DISABLE_SIGNUP'),
  whenSet('GOTRUE_CORS_ALLOWED_HEADERS', 'further request headers allowed by CORS', undefined, "unset it; Foyer allows supabase-js's headers and the Data API's"),

  honoured('GOTRUE_PASSWORD_MIN_LENGTH'),
  whenSet('GOTRUE_PASSWORD_REQUIRED_CHARACTERS', 'required character classes in passwords'),
  switchOn('GOTRUE_PASSWORD_HIBP_ENABLED', 'checking passwords against HaveIBeenPwned'),
  inert('GOTRUE_PASSWORD_HIBP_FAIL_CLOSED', 'Only with GOTRUE_PASSWORD_HIBP_ENABLED.'),
  inert('GOTRUE_PASSWORD_HIBP_USER_AGENT', 'Only with GOTRUE_PASSWORD_HIBP_ENABLED.'),
  inert('GOTRUE_PASSWORD_HIBP_BLOOM_ENABLED', 'Only with GOTRUE_PASSWORD_HIBP_ENABLED.'),
  inert('GOTRUE_PASSWORD_HIBP_BLOOM_ITEMS', 'Only with GOTRUE_PASSWORD_HIBP_ENABLED.'),
  inert('GOTRUE_PASSWORD_HIBP_BLOOM_FALSE_POSITIVES', 'Only with GOTRUE_PASSWORD_HIBP_ENABLED.'),
];

const mailKinds = ['INVITE', 'CONFIRMATION', 'RECOVERY', 'EMAIL_CHANGE', 'MAGIC_LINK', 'REAUTHENTICATION'] as const;
const notifications = [
  'PASSWORD_CHANGED',
  'EMAIL_CHANGED',
  'PHONE_CHANGED',
  'IDENTITY_LINKED',
  'IDENTITY_UNLINKED',
  'MFA_FACTOR_ENROLLED',
  'MFA_FACTOR_UNENROLLED',
] as const;
const words = (name: string) => name.toLowerCase().replace(/_/g, ' ');

/** Subjects, templates and link paths of every mail GoTrue sends. */
function mailContent(): GotrueVariable[] {
  const variables: GotrueVariable[] = [];
  for (const kind of mailKinds) variables.push(honoured(`GOTRUE_MAILER_SUBJECTS_${kind}`));
  for (const kind of notifications) variables.push(inert(`GOTRUE_MAILER_SUBJECTS_${kind}_NOTIFICATION`, `Only with GOTRUE_MAILER_NOTIFICATIONS_${kind}_ENABLED.`));
  for (const kind of mailKinds) variables.push(honoured(`GOTRUE_MAILER_TEMPLATES_${kind}`));
  for (const kind of notifications) variables.push(inert(`GOTRUE_MAILER_TEMPLATES_${kind}_NOTIFICATION`, `Only with GOTRUE_MAILER_NOTIFICATIONS_${kind}_ENABLED.`));
  for (const kind of ['INVITE', 'CONFIRMATION', 'RECOVERY', 'EMAIL_CHANGE']) variables.push(honoured(`GOTRUE_MAILER_URLPATHS_${kind}`));
  variables.push(notApplicable('GOTRUE_MAILER_URLPATHS_MAGIC_LINK', 'GoTrue builds magic links with GOTRUE_MAILER_URLPATHS_RECOVERY, and so does Foyer.'));
  variables.push(notApplicable('GOTRUE_MAILER_URLPATHS_REAUTHENTICATION', `${unused} The reauthentication mail carries a code, no link.`));
  for (const kind of notifications) variables.push(notApplicable(`GOTRUE_MAILER_URLPATHS_${kind}_NOTIFICATION`, unused));
  for (const kind of notifications) {
    variables.push(switchOn(`GOTRUE_MAILER_NOTIFICATIONS_${kind}_ENABLED`, `the "${words(kind)}" notification mail`));
  }
  return variables;
}

/** GOTRUE_MAILER_OTP_LENGTH: GoTrue mails 6-digit codes unless given 7 to 10 (other values mean 6). */
const longerMailCodes = (value: string, name: string): boolean => {
  const length = parseInteger(name, value);
  return length > 6 && length <= 10;
};

/** GOTRUE_EXTERNAL_FLOW_STATE_EXPIRY_DURATION: GoTrue raises anything shorter to Foyer's 5 minutes. */
const longerFlows = (value: string, name: string): boolean => parseDurationSeconds(name, value) > 300;

export const mail: readonly GotrueVariable[] = [
  honoured('GOTRUE_MAILER_AUTOCONFIRM'),
  switchOn('GOTRUE_MAILER_ALLOW_UNVERIFIED_EMAIL_SIGN_INS', 'sign-ins with unconfirmed addresses'),
  ...mailContent(),
  honoured('GOTRUE_MAILER_SECURE_EMAIL_CHANGE_ENABLED'),
  honoured('GOTRUE_MAILER_OTP_EXP'),
  refused('GOTRUE_MAILER_OTP_LENGTH', 'Length of mailed codes; Foyer mails 6 digits (GoTrue\'s default; GoTrue also reads values outside 6 to 10 as 6).', {
    when: longerMailCodes,
    feature: 'mailed codes longer than 6 digits',
    fix: 'unset it or set it to 6',
    whenText: '7 to 10 stop the start; 6, other numbers or unset start (6 digits)',
  }),
  whenSet('GOTRUE_MAILER_EXTERNAL_HOSTS', 'links built from the host a request came to', undefined, 'unset it; Foyer builds every link from API_EXTERNAL_URL'),
  notApplicable('GOTRUE_MAILER_EMAIL_BACKGROUND_SENDING', "Experimental: when GoTrue's mail goes out; nothing a client sees."),
  switchOn('GOTRUE_MAILER_EMAIL_VALIDATION_EXTENDED', 'checking that an address\'s domain receives mail'),
  whenSet('GOTRUE_MAILER_EMAIL_VALIDATION_SERVICE_URL', 'address checks by an external service'),
  inert('GOTRUE_MAILER_EMAIL_VALIDATION_SERVICE_HEADERS', 'Only with GOTRUE_MAILER_EMAIL_VALIDATION_SERVICE_URL.'),
  inert('GOTRUE_MAILER_EMAIL_VALIDATION_BLOCKED_MX', 'Only with GOTRUE_MAILER_EMAIL_VALIDATION_EXTENDED.'),
  honoured('GOTRUE_MAILER_TEMPLATE_MAX_SIZE'),
  honoured('GOTRUE_MAILER_TEMPLATE_MAX_AGE'),
  honoured('GOTRUE_MAILER_TEMPLATE_RETRY_INTERVAL'),
  notApplicable('GOTRUE_MAILER_TEMPLATE_RELOADING_ENABLED', 'Foyer always refreshes a stale template in the background: a mail never waits for that refresh.'),
  notApplicable('GOTRUE_MAILER_TEMPLATE_RELOADING_MAX_IDLE', 'Foyer refreshes a template only when a mail needs it, so an idle server fetches nothing.'),

  honoured('GOTRUE_SMTP_MAX_FREQUENCY'),
  honoured('GOTRUE_SMTP_HOST'),
  honoured('GOTRUE_SMTP_PORT'),
  honoured('GOTRUE_SMTP_USER'),
  honoured('GOTRUE_SMTP_PASS'),
  honoured('GOTRUE_SMTP_ADMIN_EMAIL'),
  honoured('GOTRUE_SMTP_SENDER_NAME'),
  whenSet('GOTRUE_SMTP_HEADERS', 'extra headers on every mail'),
  notApplicable('GOTRUE_SMTP_LOGGING_ENABLED', 'A log line per mail GoTrue sends (a debugging aid); Foyer writes none (without GOTRUE_SMTP_HOST, mail waits in its outbox).'),

  honoured('GOTRUE_EXTERNAL_EMAIL_ENABLED'),
  honoured('GOTRUE_EXTERNAL_EMAIL_MAGIC_LINK_ENABLED'),
  whenSet('GOTRUE_EXTERNAL_EMAIL_AUTHORIZED_ADDRESSES', 'sending mail only to listed addresses'),
  refused('GOTRUE_EXTERNAL_FLOW_STATE_EXPIRY_DURATION', 'How long an OAuth or PKCE flow may take; Foyer allows 5 minutes (GoTrue raises shorter values to 5 minutes too).', {
    when: longerFlows,
    feature: 'OAuth and PKCE flows longer than 5 minutes',
    fix: 'unset it or set it to 5m',
    whenText: 'more than 5m stops the start',
  }),
];

export const sms: readonly GotrueVariable[] = [
  honoured('GOTRUE_EXTERNAL_PHONE_ENABLED'),
  honoured('GOTRUE_SMS_AUTOCONFIRM'),
  honoured('GOTRUE_SMS_PROVIDER'),
  honoured('GOTRUE_SMS_TEST_OTP'),
  honoured('GOTRUE_SMS_TEST_OTP_VALID_UNTIL'),
  ...['MAX_FREQUENCY', 'OTP_EXP', 'OTP_LENGTH', 'TEMPLATE'].map((name) => honoured(`GOTRUE_SMS_${name}`)),
  ...[
    'TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_MESSAGE_SERVICE_SID', 'TWILIO_CONTENT_SID',
    'TWILIO_VERIFY_ACCOUNT_SID', 'TWILIO_VERIFY_AUTH_TOKEN', 'TWILIO_VERIFY_MESSAGE_SERVICE_SID',
    'MESSAGEBIRD_ACCESS_KEY', 'MESSAGEBIRD_ORIGINATOR',
    'TEXTLOCAL_API_KEY', 'TEXTLOCAL_SENDER',
    'VONAGE_API_KEY', 'VONAGE_API_SECRET', 'VONAGE_FROM',
  ].map((name) => honoured(`GOTRUE_SMS_${name}`)),
];
