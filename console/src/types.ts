/** The shapes of the management API (/platform/v1) and of the forwarded admin API, as the console reads them. */

export type AdminRole = 'owner' | 'admin' | 'read_only';

export interface Admin {
  readonly email: string;
  /** Absent from an older server: treated as an owner (it had no roles). */
  readonly role?: AdminRole;
}

export interface SessionInfo {
  readonly admin: Admin;
  readonly csrf_token: string;
}

export interface Project {
  readonly ref: string;
  readonly name: string;
  readonly is_default: boolean;
  readonly database: { readonly kind: string };
  readonly api_url: string;
  readonly auth_url: string;
  readonly rest_url: string;
  readonly anon_key: string;
  readonly service_role_key: string;
  readonly created_at: string;
  /** `<scheme>://<ref>.<FOYER_BASE_DOMAIN>` when a base domain is configured. */
  readonly host_url?: string;
  /** Why the project cannot be served, when it cannot. */
  readonly problem?: string;
}

export interface Setting {
  readonly key: string;
  readonly env: string;
  readonly value: string | null;
  readonly default_text: string;
  readonly doc: string;
  /** The environment variable that pins this setting (read-only here), or null. */
  readonly pinned_by: string | null;
  readonly secret: boolean;
  /** Where the value comes from: the environment (pinned), a console override, or the default. */
  readonly source?: 'env' | 'override' | 'default';
}

export interface SettingsDoc {
  readonly version: number;
  readonly settings: readonly Setting[];
}

export interface SettingsVersion {
  readonly version: number;
  readonly changed_by: string | null;
  readonly changed_at: string;
  readonly diff: Readonly<Record<string, { readonly from: string | null; readonly to: string | null }>>;
}

export interface DiffRow {
  readonly env: string;
  readonly a: string | null;
  readonly b: string | null;
}

export interface CaptchaTestResult {
  readonly ok: boolean;
  readonly error_codes: readonly string[];
  readonly detail: string | null;
}

export interface Identity {
  readonly id?: string;
  readonly identity_id?: string;
  readonly provider: string;
  readonly identity_data?: Readonly<Record<string, unknown>>;
  readonly email?: string;
  readonly created_at?: string;
  readonly last_sign_in_at?: string;
}

export interface AuthUser {
  readonly id: string;
  readonly email?: string;
  readonly phone?: string;
  readonly role?: string;
  readonly is_anonymous?: boolean;
  readonly created_at?: string;
  readonly updated_at?: string;
  readonly last_sign_in_at?: string;
  readonly email_confirmed_at?: string;
  /** An address awaiting confirmation (an anonymous user converting, or an email change). */
  readonly new_email?: string;
  readonly new_phone?: string;
  readonly email_change_sent_at?: string;
  readonly invited_at?: string;
  readonly banned_until?: string;
  readonly app_metadata?: Readonly<Record<string, unknown>>;
  readonly user_metadata?: Readonly<Record<string, unknown>>;
  readonly identities?: readonly Identity[];
}

export interface SeriesPoint {
  readonly start: string;
  readonly anonymous_signups: number;
  readonly conversions: number;
  readonly cohort_conversion_rate: number | null;
  readonly cleaned_up: number;
}

export interface StatsReport {
  readonly generated_at: string;
  readonly totals: {
    readonly users: { readonly anonymous: number; readonly permanent: number; readonly pending_conversion?: number; readonly invited?: number };
    readonly anonymous_signups: number;
    readonly conversions: { readonly total: number; readonly by_method: Readonly<Record<string, number>> };
    readonly conversion_rate: number | null;
    readonly cleanup: { readonly deleted: number };
  };
  readonly active_anonymous_users?: Readonly<Record<string, number>>;
  readonly series: { readonly bucket: 'hour' | 'day'; readonly points: readonly SeriesPoint[] };
  readonly spike: {
    readonly firing: boolean;
    readonly last_hour: number;
    readonly baseline_hours: number;
    readonly baseline_per_hour: number;
    readonly ratio: number | null;
    readonly threshold: number;
    readonly min_signups: number;
  };
  /** CAPTCHA escalation (FOYER_SECURITY_CAPTCHA_ANONYMOUS=spike): now, and its periods in the series' span. */
  readonly escalation?: {
    readonly mode: 'always' | 'spike' | 'never';
    readonly required: boolean;
    readonly escalated: boolean;
    readonly difficulty: number | null;
    readonly factor: number;
    readonly periods: readonly EscalationPeriod[];
  };
}

export interface EscalationPeriod {
  readonly id: number;
  readonly started_at: string;
  readonly ended_at: string | null;
  readonly peak_factor: number;
  readonly peak_difficulty: number | null;
  readonly challenged: number;
  readonly refused: number;
}

export interface ProtectionStatus {
  readonly counters?: {
    readonly captcha: Readonly<Record<string, Readonly<Record<string, number>>>>;
    readonly captchaPassed?: Readonly<Record<string, number>>;
    readonly rateLimited: Readonly<Record<string, Readonly<Record<string, number>>>>;
  };
  readonly warnings?: readonly string[];
}

export interface CleanupRun {
  readonly id: number;
  readonly started_at: string;
  readonly finished_at: string | null;
  readonly status: 'running' | 'completed' | 'aborted' | 'interrupted' | 'failed';
  readonly trigger: string;
  readonly inactive_days: number;
  readonly keep_data_owners: boolean;
  readonly cutoff: string;
  readonly deleted: number;
  readonly kept_data_owners: number;
  readonly spared: number;
  readonly batches: number;
  readonly error: string | null;
}

export interface CleanupPlan {
  readonly settings: { readonly inactive_days: number; readonly keep_data_owners: boolean; readonly batch_size: number; readonly pace_percent: number };
  readonly stale: number;
  readonly would_delete: number;
  readonly kept_data_owners: number;
  readonly sample_ids: readonly string[];
  readonly oldest_last_active_at: string | null;
  readonly data_tables: readonly { table: string; column: string; on_delete: string; stale_owners: number; owners_kept: boolean }[];
}

export interface RlsFinding {
  readonly kind: string;
  readonly severity: 'high' | 'medium';
  readonly schema: string;
  readonly table: string;
  readonly policy?: string;
  readonly trigger?: string;
  readonly message: string;
  readonly current?: string;
  readonly fix: string;
}

export interface RlsReport {
  readonly ok: boolean;
  readonly exposedSchemas: readonly string[];
  readonly checked: { readonly policies: number; readonly relations: number; readonly authUsersTriggers: number };
  readonly findings: readonly RlsFinding[];
}

export interface OutboxMessage {
  readonly id: string | number;
  readonly created_at: string;
  readonly kind: string;
  readonly recipient: string;
  readonly subject: string;
  readonly text_body: string;
}

export interface AuditEntry {
  readonly id: string;
  readonly created_at: string;
  readonly ip_address?: string;
  readonly payload: Readonly<Record<string, unknown>>;
}

/** POST /projects/:ref/sms/test. */
export interface SmsTestResult {
  readonly ok: boolean;
  readonly via: 'provider' | 'outbox' | 'hook';
  readonly provider: string | null;
  readonly message_id: string;
  readonly detail: string;
}

/** POST /projects/:ref/mail/test. */
export interface MailTestResult {
  readonly ok: boolean;
  readonly via: 'smtp' | 'outbox' | null;
  readonly subject: string;
  readonly html: string;
  readonly text: string;
  readonly customised: boolean;
  readonly detail: string;
}

/** POST /projects/:ref/hooks/:name/test. */
export interface HookTestResult {
  readonly ok: boolean;
  readonly hook: string;
  readonly target: 'postgres' | 'http';
  readonly enabled: boolean;
  readonly duration_ms: number;
  readonly payload: unknown;
  readonly response?: unknown;
  readonly error?: { readonly status: number; readonly code: string; readonly message: string };
}
