/** Errors of the management API (/platform/v1): `{code, message}` with an HTTP status. */
export class PlatformError extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'PlatformError';
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

export const invalid = (message: string) => new PlatformError(422, 'validation_failed', message);
/** A ref is at most 63 characters: a longer "ref" is echoed only that far. */
export const projectNotFound = (ref: string) =>
  new PlatformError(404, 'project_not_found', `No project with ref ${JSON.stringify(ref.length > 63 ? `${ref.slice(0, 63)}…` : ref)}`);
export const defaultProjectProtected = () =>
  new PlatformError(409, 'default_project', 'The default project cannot be deleted: it is configured by the environment and holds the control database');
export const masterKeyRequired = (what: string) =>
  new PlatformError(
    503,
    'master_key_required',
    `FOYER_MASTER_KEY is not set: Foyer needs it to ${what} (project secrets are sealed with it). ` +
      'Set FOYER_MASTER_KEY (at least 32 characters, e.g. `openssl rand -base64 32`) on every Foyer process and restart.',
  );
