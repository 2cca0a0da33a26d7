/**
 * A rate-limiter-flexible store in this process's memory, with the same window rule as the database and
 * Redis stores: a consume adds to the current window, and that window ends no later than one window
 * length (the limiter's duration at that moment) from now. The library's own memory limiter keeps a
 * window's end however the duration changes later, and lives in the limiter object; this store lives as
 * long as the limiter whose points and duration live settings update in place, so changing a limit keeps
 * every client's count.
 */
import type { CounterState } from '../store/rate-limits.js';
import { RateLimiterRes, RateLimiterStoreAbstract } from './rate-limiter-library.js';

interface Window {
  points: number;
  /** Epoch milliseconds; null: never ends. */
  endsAtMs: number | null;
}

/** Ended windows are dropped now and then by whoever writes, in proportion to traffic. */
const SWEEP_EVERY = 1000;

export interface MemoryStoreOptions {
  readonly points: number;
  readonly duration: number;
  readonly keyPrefix: string;
}

export class RateLimiterWindowMemory extends RateLimiterStoreAbstract {
  private readonly windows: Map<string, Window>;
  private writes = 0;

  constructor(options: MemoryStoreOptions) {
    const windows = new Map<string, Window>();
    super({ storeClient: windows, points: options.points, duration: options.duration, keyPrefix: options.keyPrefix });
    this.windows = windows;
  }

  /** Called by the library for consume, penalty, reward, block and set. */
  async _upsert(rlKey: string, points: number, msDuration: number, forceExpire = false): Promise<CounterState> {
    const nowMs = Date.now();
    const latestEndMs = msDuration > 0 ? nowMs + msDuration : null;
    let window = this.windows.get(rlKey);
    if (!window || forceExpire || (window.endsAtMs !== null && window.endsAtMs <= nowMs)) {
      window = { points, endsAtMs: latestEndMs };
      this.windows.set(rlKey, window);
    } else {
      window.points += points;
      // A shortened window ends within its new length; a lengthened one keeps its end (and its count).
      if (latestEndMs !== null && (window.endsAtMs === null || window.endsAtMs > latestEndMs)) window.endsAtMs = latestEndMs;
    }
    if (++this.writes % SWEEP_EVERY === 0) this.sweep(nowMs);
    return stateOf(window, nowMs);
  }

  async _get(rlKey: string): Promise<CounterState | null> {
    const window = this.windows.get(rlKey);
    const nowMs = Date.now();
    if (!window || (window.endsAtMs !== null && window.endsAtMs <= nowMs)) return null;
    return stateOf(window, nowMs);
  }

  async _delete(rlKey: string): Promise<boolean> {
    return this.windows.delete(rlKey);
  }

  _getRateLimiterRes(_rlKey: string, changedPoints: number, state: CounterState): RateLimiterRes {
    const consumed = state.points;
    return new RateLimiterRes(Math.max(this.points - consumed, 0), state.ms_before_next, consumed, consumed === changedPoints);
  }

  private sweep(nowMs: number): void {
    for (const [key, window] of this.windows) if (window.endsAtMs !== null && window.endsAtMs <= nowMs) this.windows.delete(key);
  }
}

const stateOf = (window: Window, nowMs: number): CounterState => ({
  points: window.points,
  ms_before_next: window.endsAtMs === null ? -1 : Math.max(0, window.endsAtMs - nowMs),
});
