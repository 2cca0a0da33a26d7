/**
 * Console login throttling: at most 10 failed logins per client IP and address in 15 minutes; then
 * every attempt (right password or not) is refused until the oldest failure leaves the window.
 * Kept in this process's memory: with several Foyer processes each allows its own 10.
 */
export interface LoginLimiter {
  /** Seconds to wait before trying again, or 0 when an attempt is allowed. */
  retryAfter(key: string): number;
  fail(key: string): void;
  succeed(key: string): void;
}

export function createLoginLimiter(options: { maxFailures?: number; windowMs?: number; now?: () => number } = {}): LoginLimiter {
  const maxFailures = options.maxFailures ?? 10;
  const windowMs = options.windowMs ?? 15 * 60_000;
  const now = options.now ?? Date.now;
  const failures = new Map<string, number[]>();

  const recent = (key: string): number[] => {
    const cutoff = now() - windowMs;
    const kept = (failures.get(key) ?? []).filter((at) => at > cutoff);
    if (kept.length) failures.set(key, kept);
    else failures.delete(key);
    return kept;
  };
  // Forget idle keys so the map cannot grow without bound.
  const sweep = setInterval(() => {
    for (const key of [...failures.keys()]) recent(key);
  }, windowMs);
  sweep.unref();

  return {
    retryAfter(key) {
      const list = recent(key);
      if (list.length < maxFailures) return 0;
      return Math.max(1, Math.ceil((list[list.length - maxFailures] + windowMs - now()) / 1000));
    },
    fail(key) {
      const list = recent(key);
      list.push(now());
      failures.set(key, list.slice(-maxFailures * 2));
    },
    succeed(key) {
      failures.delete(key);
    },
  };
}
