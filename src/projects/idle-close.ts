/**
 * Closing what an idle project holds. An embedded project's database is a PGlite instance of its own
 * (some 150 MB of WebAssembly memory), so a deployment with ten embedded projects kept ten of them for
 * as long as it ran. The registry opens such a project on its first request and, through this watch,
 * closes it once nothing has used it for FOYER_EMBEDDED_PROJECT_IDLE_SECONDS: no request in flight
 * (the front counts them) and no serve() since. Its next request opens it again.
 */
import { requestCompaction } from '../jobs/heap-compaction.js';
import { closeServed, drained } from './served.js';
import type { PlatformLog, ServedProject } from './types.js';

/** How often the watch looks, at most: a project closes within this much after its idle time. */
const MAX_CHECK_MS = 30_000;

export class IdleWatch {
  readonly #idleMs: number;
  readonly #close: (ref: string) => void;
  readonly #open = new Map<string, ServedProject>();
  readonly #lastUsed = new Map<string, number>();
  readonly #timer: NodeJS.Timeout | undefined;

  /** `close(ref)` is called (once per opening) when `ref` has idled long enough; 0 seconds: never. */
  constructor(idleSeconds: number, close: (ref: string) => void) {
    this.#idleMs = idleSeconds * 1000;
    this.#close = close;
    if (idleSeconds > 0) {
      this.#timer = setInterval(() => this.#check(), Math.min(MAX_CHECK_MS, Math.max(100, this.#idleMs / 4)));
      this.#timer.unref();
    }
  }

  get enabled(): boolean {
    return this.#timer !== undefined;
  }

  /** The project is open now: watched from here on. */
  watch(served: ServedProject): void {
    if (!this.enabled) return;
    this.#open.set(served.record.ref, served);
    this.touch(served.record.ref);
  }

  /** The project is being used (a request, a console action): its idle time starts again. */
  touch(ref: string): void {
    if (this.enabled) this.#lastUsed.set(ref, Date.now());
  }

  /** The project is closed or gone: no longer watched. */
  forget(ref: string): void {
    this.#open.delete(ref);
    this.#lastUsed.delete(ref);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#open.clear();
  }

  #check(): void {
    const now = Date.now();
    for (const [ref, served] of this.#open) {
      // A long request keeps it open; its idle time counts from when it was last seen busy.
      if (served.activeRequests > 0) this.#lastUsed.set(ref, now);
      else if (now - (this.#lastUsed.get(ref) ?? now) >= this.#idleMs) {
        this.forget(ref);
        this.#close(ref);
      }
    }
  }
}

export interface IdleCloseSteps {
  /** Stops the project's background jobs (after their current batch). */
  readonly stopJobs: () => Promise<void>;
  /** A settings reload in progress, to let finish. */
  readonly settingsReload: () => Promise<void> | undefined;
  readonly log: PlatformLog;
  readonly idleSeconds: number;
  readonly drainMs: number;
}

/**
 * Closes a project the registry no longer hands out: its jobs, then its app and its database once the
 * requests that reached it before are answered. Never throws (a failure is logged).
 */
export async function closeIdleProject(ref: string, opening: Promise<ServedProject>, steps: IdleCloseSteps): Promise<void> {
  try {
    await steps.stopJobs();
    const served = await opening.catch(() => undefined);
    if (!served) return;
    await drained(served, steps.drainMs);
    await steps.settingsReload();
    await closeServed(served, { database: true });
    // Its WebAssembly memory goes back to the system at the next full collection.
    requestCompaction();
    steps.log.info(`project ${ref}: closed after ${steps.idleSeconds} s without requests; its next request opens it again`);
  } catch (error) {
    steps.log.error(`project ${ref}: closing it failed: ${(error as Error).message}`);
  }
}
