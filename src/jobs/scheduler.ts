/**
 * Background jobs of `foyer start`: the anonymous-user cleanup (FOYER_ANONYMOUS_CLEANUP_ENABLED) and
 * GoTrue's housekeeping (GOTRUE_DB_CLEANUP_ENABLED) every FOYER_ANONYMOUS_CLEANUP_INTERVAL, and the
 * sign-up spike check every FOYER_ANONYMOUS_SPIKE_CHECK_INTERVAL (30 s; it also turns CAPTCHA escalation
 * on and off, src/security/escalation.ts). Every process schedules them for every project it serves; the
 * cleanup's advisory lock (per project database) lets one process run it at a time (the others skip
 * that round), and housekeeping's `for update skip locked` batches never touch a row twice.
 *
 * Workers of one `foyer start` (FOYER_WORKERS) are such processes, but started together their rounds
 * would meet every time: all but one skipping the cleanup (and saying so in the log) and repeating
 * housekeeping's scans for nothing. So one worker runs the cleanup and housekeeping (`maintenance`),
 * the others only the spike check, which every process needs for its own escalation reading.
 *
 * Settings are read at every round from `deps.config`, which the console may change live. When the
 * change is watched (`options.watchConfig`), switching the cleanup or housekeeping on brings the next round
 * as close as the first one after a start (a minute), and a new interval counts from the last round's
 * end, without a restart. Timers never keep the process alive; stop() cancels them and waits for a round
 * in flight to end after its batch.
 */
import type { Config } from '../config/load.js';
import type { Escalation } from '../security/escalation.js';
import type { Db } from '../store/db.js';
import { checkSpike, warmStatsReadings } from '../stats/report.js';
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
  /** Delay before the first cleanup round, and after the cleanup is switched on (default: one minute, or the interval if shorter). */
  readonly firstRunDelayMs?: number;
  /** Default: FOYER_ANONYMOUS_SPIKE_CHECK_INTERVAL, read at every round. */
  readonly spikeCheckIntervalMs?: number;
  /** false: the cleanup and housekeeping are left to another process (a sibling worker); default true. */
  readonly maintenance?: boolean;
  /** Calls `listener` after each change of `deps.config`, with the settings before and after; returns the unsubscribe. */
  readonly watchConfig?: (listener: (previous: Config, next: Config) => void) => () => void;
}

/** A spike that keeps firing is logged again after this long. */
const SPIKE_REPEAT_MS = 60 * 60_000;

/** The project's database and its settings as they are now (a live AuthDeps fits). */
export interface JobDeps {
  readonly db: Db;
  readonly config: Config;
  /** The project's escalation: the spike round reads the signal through it (every process must). */
  readonly escalation?: Escalation;
}

interface Repeating {
  /** Re-arms the pending round to start `delayMs` from now; while a round runs, the next one starts `delayMs` after it ends. */
  rearm(delayMs: number): void;
  /** When the pending round will start (ms since the epoch), or undefined while one runs. */
  readonly dueAt: number | undefined;
  /** When the last round ended, or undefined before the first. */
  readonly lastEndedAt: number | undefined;
}

export function startScheduler(deps: JobDeps, log: JobLogger, options: SchedulerOptions = {}): Scheduler {
  const controller = new AbortController();
  const timers = new Set<NodeJS.Timeout>();
  const inFlight = new Set<Promise<void>>();
  let stopped = false;

  /** Runs `job` after `firstMs`, then again `nextMs()` after each round ends (so rounds never overlap). */
  const repeat = (firstMs: number, nextMs: () => number, job: () => Promise<void>): Repeating => {
    let pending: NodeJS.Timeout | undefined;
    let dueAt: number | undefined;
    let lastEndedAt: number | undefined;
    let requestedDelayMs: number | undefined;
    const arm = (delay: number) => {
      if (pending) {
        clearTimeout(pending);
        timers.delete(pending);
      }
      dueAt = Date.now() + delay;
      const timer = setTimeout(() => {
        timers.delete(timer);
        pending = undefined;
        dueAt = undefined;
        if (stopped) return;
        const round = job()
          .catch((error: unknown) => log.error({ err: error }, 'background job failed'))
          .finally(() => {
            inFlight.delete(round);
            lastEndedAt = Date.now();
            const delay = requestedDelayMs ?? nextMs();
            requestedDelayMs = undefined;
            if (!stopped) arm(delay);
          });
        inFlight.add(round);
      }, delay);
      timer.unref();
      timers.add(timer);
      pending = timer;
    };
    arm(firstMs);
    return {
      rearm(delayMs) {
        if (stopped) return;
        if (pending) arm(Math.max(0, delayMs));
        else requestedDelayMs = Math.max(0, delayMs);
      },
      get dueAt() {
        return dueAt;
      },
      get lastEndedAt() {
        return lastEndedAt;
      },
    };
  };

  const intervalMs = () => deps.config.cleanupIntervalSeconds * 1000;
  const firstDelayMs = () => options.firstRunDelayMs ?? Math.min(60_000, intervalMs());
  const cleanup = options.maintenance === false ? undefined : repeat(firstDelayMs(), intervalMs, async () => {
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

  const unwatch = cleanup && options.watchConfig?.((previous, next) => {
    const now = Date.now();
    // A round in flight arms the next one with the new interval when it ends.
    if (next.cleanupIntervalSeconds !== previous.cleanupIntervalSeconds && cleanup.dueAt !== undefined && cleanup.lastEndedAt !== undefined) {
      cleanup.rearm(cleanup.lastEndedAt + intervalMs() - now);
    }
    // A round in flight may have read the settings before the switch: the next one comes as soon as after a start.
    const switchedOn = (next.cleanupEnabled && !previous.cleanupEnabled) || (next.dbCleanupEnabled && !previous.dbCleanupEnabled);
    if (switchedOn && (cleanup.dueAt === undefined || cleanup.dueAt - now > firstDelayMs())) cleanup.rearm(firstDelayMs());
  });

  // On a large database the first /metrics scrape and stats call would wait for whole-table counts
  // (seconds at a million users): they are taken now, in the background; on a small one, nothing.
  // Not awaited by stop(): a failure (the database closing) leaves them to the first call.
  warmStatsReadings(deps.db, deps.config).catch(() => undefined);

  let lastSpikeLog = 0;
  const spikeMs = () => options.spikeCheckIntervalMs ?? deps.config.spikeCheckIntervalSeconds * 1000;
  repeat(spikeMs(), spikeMs, async () => {
    const now = Date.now();
    const quiet = now - lastSpikeLog < SPIKE_REPEAT_MS;
    const config = deps.config;
    const spike = deps.escalation
      ? await deps.escalation.refresh(config, quiet ? undefined : log)
      : await checkSpike(deps.db, config, quiet ? undefined : log);
    if (spike.firing && !quiet) lastSpikeLog = now;
    if (!spike.firing) lastSpikeLog = 0;
  });

  return {
    async stop() {
      stopped = true;
      unwatch?.();
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
