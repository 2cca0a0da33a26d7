/** OAuth scopes as GoTrue handles them: space-separated, each one of the supported set. */
import { OAUTH_SERVER_SCOPES } from '../../config/oauth-server-settings.js';

export const parseScopes = (scope: string | null | undefined): string[] => (scope ?? '').split(' ').map((part) => part.trim()).filter(Boolean);

export const isSupportedScope = (scope: string): boolean => (OAUTH_SERVER_SCOPES as readonly string[]).includes(scope);

/** Whether every requested scope is among the granted ones (a consent that covers a new request). */
export const coversScopes = (granted: readonly string[], requested: readonly string[]): boolean =>
  requested.every((scope) => granted.includes(scope));
