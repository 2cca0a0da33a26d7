/**
 * Background jobs of `foyer start`: the anonymous-user cleanup (FOYER_ANONYMOUS_CLEANUP_ENABLED) and
 * GoTrue's housekeeping (GOTRUE_DB_CLEANUP_ENABLED) every FOYER_ANONYMOUS_CLEANUP_INTERVAL, and the
 * sign-up spike check every 5 minutes. Every process schedules them; the cleanup's advisory lock lets
 * one process run it at a time (the others skip that round). Timers never keep the process alive;
 * stop() cancels them and waits for a run in flight to end after its current batch.
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

export function startScheduler(deps: { readonly db: Db; readonly config: Config }, log: JobLogger, options: SchedulerOptions = {}): Scheduler {
  const { db, config } = deps;
  const controller = new AbortController();
  const timers: NodeJS.Timeout[] = [];
  const inFlight = new Set<Promise<void>>();
  let stopped = false;

  /** Runs `job` every `periodMs`; a round still running when the next is due makes that one skip. */
  const every = (firstMs: number, periodMs: number, job: () => Promise<void>) => {
    let busy = false;
    const tick = () => {
      if (stopped || busy) return;
      busy = true;
      const round = job()
        .catch((error: unknown) => log.error({ err: error }, 'background job failed'))
        .finally(() => {
          busy = false;
          inFlight.delete(round);
        });
      inFlight.add(round);
    };
    const first = setTimeout(() => {
      tick();
      const repeat = setInterval(tick, periodMs);
      repeat.unref();
      timers.push(repeat);
    }, firstMs);
    first.unref();
    timers.push(first);
  };

  const intervalMs = config.cleanupIntervalSeconds * 1000;
  if (config.cleanupEnabled || config.dbCleanupEnabled) {
    every(options.firstRunDelayMs ?? Math.min(60_000, intervalMs), intervalMs, async () => {
      if (config.dbCleanupEnabled) {
        const affected = await runHousekeeping(db, config);
        if (Object.values(affected).some((n) => n > 0)) log.info({ affected }, 'database housekeeping (GOTRUE_DB_CLEANUP_ENABLED)');
      }
      if (!config.cleanupEnabled || controller.signal.aborted) return;
      const outcome = await runCleanup(db, cleanupSettings(config), { trigger: 'schedule', signal: controller.signal });
      if (outcome.status === 'skipped') {
        log.info({ holder: outcome.holder?.id }, 'anonymous cleanup skipped: another process is running it');
      } else if (outcome.run.deleted > 0 || outcome.status !== 'completed' || outcome.interruptedRunsMarked > 0) {
        log.info(
          { run: outcome.run.id, status: outcome.status, deleted: outcome.run.deleted, kept_data_owners: outcome.run.kept_data_owners },
          `anonymous cleanup ${outcome.status}: ${outcome.run.deleted} stale anonymous user(s) deleted`,
        );
      }
    });
    log.info(
      {
        anonymous_cleanup: config.cleanupEnabled,
        housekeeping: config.dbCleanupEnabled,
        interval_seconds: config.cleanupIntervalSeconds,
        inactive_days: config.cleanupInactiveDays,
        keep_data_owners: config.cleanupKeepDataOwners,
      },
      'scheduled cleanup',
    );
  }

  let lastSpikeLog = 0;
  const spikeMs = options.spikeCheckIntervalMs ?? SPIKE_CHECK_MS;
  every(spikeMs, spikeMs, async () => {
    const now = Date.now();
    const quiet = now - lastSpikeLog < SPIKE_REPEAT_MS;
    const spike = await checkSpike(db, config, quiet ? undefined : log);
    if (spike.firing && !quiet) lastSpikeLog = now;
    if (!spike.firing) lastSpikeLog = 0;
  });

  return {
    async stop() {
      stopped = true;
      controller.abort();
      for (const timer of timers) clearTimeout(timer);
      await Promise.all(inFlight);
    },
  };
}
