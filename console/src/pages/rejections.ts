/** Refusals per endpoint from GET /admin/protection: CAPTCHA (missing, rejected, unavailable) and rate limits. */
import type { ProtectionStatus } from '../types';

export interface RejectionRow {
  readonly endpoint: string;
  readonly captcha: number;
  readonly rateLimited: number;
}

const sum = (record: Readonly<Record<string, number>> | undefined) => Object.values(record ?? {}).reduce((a, b) => a + b, 0);

export function rejectionRows(status: ProtectionStatus): RejectionRow[] {
  const counters = status.counters;
  if (!counters) return [];
  const endpoints = new Set([...Object.keys(counters.captcha), ...Object.keys(counters.rateLimited)]);
  return [...endpoints].sort().map((endpoint) => ({
    endpoint,
    captcha: sum(counters.captcha[endpoint]),
    rateLimited: sum(counters.rateLimited[endpoint]),
  }));
}
