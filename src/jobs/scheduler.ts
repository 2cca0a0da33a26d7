/**
 * Background jobs of `foyer start`: the anonymous-user cleanup (FOYER_ANONYMOUS_CLEANUP_ENABLED) and
 * GoTrue's housekeeping (GOTRUE_DB_CLEANUP_ENABLED) every FOYER_ANONYMOUS_CLEANUP_INTERVAL, and the
 * sign-up spike check every 5 minutes. Every process schedules them; the cleanup's advisory lock lets
 * one process run it at a time (the others skip that round).
 *
 * Settings are read at every round from `deps.config`, which the console may change live: switching
 * the cleanup on, or a new interval, takes effect from the next round without a restart. Timers never
 * keep the process alive; stop() cancels them and waits for a round in flight to end after its batch.
 */
import type { Config } from '../config/load.js';
import type { Db } from '../store/db.js';
import { checkSpike } from '../stats/report.js';
import { cleanupSettings, runCleanup } from './cleanup.js';
import { runHousekeeping } from './housekeeping.js';

export interface JobLogger {
  info(object: Record<string, unknown>, message: string): void;
  warn(object: Record<string, unknown>, message: string): void;
  error(object: Record<string, unknown>, message: string): void;
}

export interface Scheduler {
  stop(): Promise<void>;
}

export interface SchedulerOptions {
  /** Delay before the first cleanup round (default: one minute after start, or the interval if shorter). */
  readonly firstRunDelayMs?: number;
  readonly spikeCheckIntervalMs?: number;
}

const SPIKE_CHECK_MS = 5 * 60_000;
/** A spike that keeps firing is logged again after this long. */
const SPIKE_REPEAT_MS = 60 * 60_000;

/** The project's database and its settings as they are now (a live AuthDeps fits). */
export interface JobDeps {
  readonly db: Db;
  readonly config: Config;
}

export function startScheduler(deps: JobDeps, log: JobLogger, options: SchedulerOptions = {}): Scheduler {
  const controller = new AbortController();
  const timers = new Set<NodeJS.Timeout>();
  const inFlight = new Set<Promise<void>>();
  let stopped = false;

  /** Runs `job` after `firstMs`, then again `nextMs()` after each round ends (so rounds never overlap). */
  const repeat = (firstMs: number, nextMs: () => number, job: () => Promise<void>) => {
    const arm = (delay: number) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (stopped) return;
        const round = job()
          .catch((error: unknown) => log.error({ err: error }, 'background job failed'))
          .finally(() => {
            inFlight.delete(round);
            if (!stopped) arm(nextMs());
          });
        inFlight.add(round);
      }, delay);
      timer.unref();
      timers.add(timer);
    };
    arm(firstMs);
  };

  const intervalMs = () => deps.config.cleanupIntervalSeconds * 1000;
  repeat(options.firstRunDelayMs ?? Math.min(60_000, intervalMs()), intervalMs, async () => {
    const config = deps.config;
    if (config.dbCleanupEnabled) {
      const affected = await runHousekeeping(deps.db, config);
      if (Object.values(affected).some((n) => n > 0)) log.info({ affected }, 'database housekeeping (GOTRUE_DB_CLEANUP_ENABLED)');
    }
    if (!config.cleanupEnabled || controller.signal.aborted) return;
    const outcome = await runCleanup(deps.db, cleanupSettings(config), { trigger: 'schedule', signal: controller.signal });
    if (outcome.status === 'skipped') {
      log.info({ holder: outcome.holder?.id }, 'anonymous cleanup skipped: another process is running it');
    } else if (outcome.run.deleted > 0 || outcome.status !== 'completed' || outcome.interruptedRunsMarked > 0) {
      log.info(
        { run: outcome.run.id, status: outcome.status, deleted: outcome.run.deleted, kept_data_owners: outcome.run.kept_data_owners },
        `anonymous cleanup ${outcome.status}: ${outcome.run.deleted} stale anonymous user(s) deleted`,
      );
    }
  });

  let lastSpikeLog = 0;
  const spikeMs = options.spikeCheckIntervalMs ?? SPIKE_CHECK_MS;
  repeat(spikeMs, () => spikeMs, async () => {
    const now = Date.now();
    const quiet = now - lastSpikeLog < SPIKE_REPEAT_MS;
    const spike = await checkSpike(deps.db, deps.config, quiet ? undefined : log);
    if (spike.firing && !quiet) lastSpikeLog = now;
    if (!spike.firing) lastSpikeLog = 0;
  });

  return {
    async stop() {
      stopped = true;
      controller.abort();
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await Promise.all(inFlight);
    },
  };
}

/** One line for the start banner. */
export function schedulerBannerLine(config: Config): string {
  return config.cleanupEnabled
    ? `  Anonymous cleanup:        every ${config.cleanupIntervalSeconds}s, users inactive ${config.cleanupInactiveDays} days, ${config.cleanupKeepDataOwners ? 'data owners kept' : 'data owners deleted too'}`
    : '  Anonymous cleanup:        off (FOYER_ANONYMOUS_CLEANUP_ENABLED=true to expire stale anonymous users; `foyer cleanup --dry-run` to preview)';
}
