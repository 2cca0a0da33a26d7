/** Status lines: errors (role=alert), successes (role=status), loading, and "not on this server". */
import type { ReactNode } from 'react';
import { ApiError, describeError } from '../api';

export function ErrorNotice({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  return (
    <div className="notice notice-error" role="alert">
      {title ? <strong>{title}: </strong> : null}
      {describeError(error)}
    </div>
  );
}

export function Success({ message }: { message: string | undefined }) {
  return (
    <div className="notice-slot" role="status" aria-live="polite">
      {message ? <div className="notice notice-ok">{message}</div> : null}
    </div>
  );
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> {label}
    </p>
  );
}

export function Unavailable({ what, endpoint }: { what: string; endpoint: string }) {
  return (
    <div className="notice notice-muted" role="status" data-state="unavailable">
      <strong>Not available on this server.</strong> {what} needs <code>{endpoint}</code>, which this Foyer does not answer
      (an older version, or the feature is not built in).
    </div>
  );
}

/** Loading, then the error (an absent endpoint becomes <Unavailable>), then the children. */
export function LoadState<T>({
  loaded,
  what,
  endpoint,
  children,
}: {
  loaded: { data: T | undefined; error: unknown; loading: boolean };
  what: string;
  endpoint: string;
  children: (data: T) => ReactNode;
}) {
  if (loaded.error instanceof ApiError && loaded.error.unavailable) return <Unavailable what={what} endpoint={endpoint} />;
  if (loaded.error) return <ErrorNotice error={loaded.error} />;
  if (loaded.data === undefined) return <Loading />;
  return <>{children(loaded.data)}</>;
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}
