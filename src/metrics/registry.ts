/**
 * Prometheus metrics of one project (label project="default"), with prom-client.
 *
 * Two kinds, on purpose:
 * - read from the database (users by kind, anonymous sign-ups, conversions by method, cleanup
 *   deletions and runs, the spike signal): the same on every process and across restarts; one read
 *   per scrape, shared by the collectors of that scrape. The totals pass over whole tables: on a large
 *   database a reading is reused for up to a minute (src/stats/reading-cache.ts), so a scrape's work
 *   does not grow with the users; foyer_totals_age_seconds says how old the one served is. The spike
 *   window, which counts every sign-up of the last day, is reused the same way (foyer_spike_age_seconds).
 * - counted in this process (HTTP latency per route, sign-ins, token refreshes, CAPTCHA and
 *   rate-limit refusals): cheap, reset on restart, summed over processes by Prometheus.
 *
 * With FOYER_WORKERS > 1 a scrape is answered for all workers together (src/cluster/metrics.ts): the
 * process's own counters are summed over them, and the database's values, the same on each, are not
 * (their `aggregator`).
 */
import { collectDefaultMetrics, Counter, Gauge, Registry, type Metric } from 'prom-client';
import { getAbuseCounters, type AbuseCounters } from '../security/abuse-counters.js';
import { batchStatsOf, type BatchStats } from '../store/coalesce.js';
import type { Queryable } from '../store/db.js';
import { escalationLevel, spikeFactor, type EscalationLevel, type EscalationLevelSettings } from '../stats/escalation-level.js';
import { PROJECT, servedSpike, totalsFrom, totalsReadings, type Spike, type SpikeSettings, type Totals } from '../stats/report.js';
import { shareWorkerMetrics } from '../cluster/metrics.js';
import { RequestHistogram } from './request-histogram.js';

export interface RequestObservation {
  readonly method: string;
  readonly route: string;
  readonly statusCode: number;
  readonly seconds: number;
}

export interface FoyerMetrics {
  readonly contentType: string;
  observeRequest(observation: RequestObservation): void;
  countSignIn(method: string): void;
  countRefresh(outcome: string): void;
  render(): Promise<string>;
}

interface DbSnapshot {
  readonly totals: Totals;
  /** When the totals were read (now, or up to about a minute ago on a large database). */
  readonly totalsReadAt: Date;
  readonly spike: Spike;
  /** When the spike window was read: the same rule as the totals. */
  readonly spikeReadAt: Date;
  readonly escalation: EscalationLevel;
}

export interface MetricsOptions {
  readonly db: Queryable;
  /** Read at every scrape: a project's settings may change while it serves. */
  readonly spike: () => SpikeSettings & EscalationLevelSettings;
  /** Anonymous sign-ins challenged because of escalation in this process, admitted and refused. */
  readonly escalationChallenged?: () => Readonly<{ admitted: number; refused: number }>;
  readonly project?: string;
  /** This project's CAPTCHA and rate-limit refusals; the whole process's when not given. */
  readonly abuse?: () => AbuseCounters;
  /** Node process metrics (CPU, memory, event loop lag); on by default. */
  readonly processMetrics?: boolean;
}

export function createMetrics(options: MetricsOptions): FoyerMetrics {
  const registry = new Registry();
  const abuseCounters = options.abuse ?? getAbuseCounters;
  registry.setDefaultLabels({ project: options.project ?? PROJECT });
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry });
  const registers = [registry];

  // One database read per scrape: every collector of a scrape awaits the same promise (reset by render).
  let snapshot: Promise<DbSnapshot | undefined> | undefined;
  const readSnapshot = (): Promise<DbSnapshot | undefined> => {
    const spike = options.spike();
    snapshot ??= Promise.all([totalsReadings.get(options.db), servedSpike(options.db, spike)])
      .then(([totals, served]) => ({
        totals: totalsFrom(totals.value),
        totalsReadAt: totals.readAt,
        spike: served.spike,
        spikeReadAt: served.readAt,
        escalation: escalationLevel(spike, served.spike.firing, spikeFactor(served.spike)),
      }))
      .catch(() => undefined);
    return snapshot;
  };

  new Gauge({
    name: 'foyer_database_up',
    help: 'Whether the last scrape could read the database-backed metrics (1) or not (0).',
    registers,
    aggregator: 'min',
    async collect() {
      this.set((await readSnapshot()) ? 1 : 0);
    },
  });
  new Gauge({
    name: 'foyer_users',
    help: 'Users in auth.users by kind: anonymous, pending_conversion (anonymous, an address awaiting confirmation), permanent, invited (not accepted yet). Soft-deleted users excluded. From the database.',
    labelNames: ['kind'],
    registers,
    aggregator: 'max',
    async collect() {
      const db = await readSnapshot();
      this.reset();
      if (!db) return;
      this.set({ kind: 'anonymous' }, db.totals.users.anonymous);
      this.set({ kind: 'pending_conversion' }, db.totals.users.pending_conversion);
      this.set({ kind: 'permanent' }, db.totals.users.permanent);
      this.set({ kind: 'invited' }, db.totals.users.invited);
    },
  });
  dbCounter('foyer_anonymous_signups_total', 'Anonymous sign-ups: still anonymous + converted + merged + deleted while anonymous. From the database.', (db) => [
    [{}, db.totals.anonymous_signups],
  ]);
  dbCounter('foyer_conversions_total', 'Anonymous users made permanent, by method (email, phone, oauth, id_token, admin, merge). From the audit log.', (db) =>
    Object.entries(db.totals.conversions.by_method).map(([method, n]) => [{ method }, n]),
    ['method'],
  );
  dbCounter('foyer_anonymous_cleanup_deleted_total', 'Stale anonymous users deleted by the cleanup. From auth.foyer_cleanup_runs.', (db) => [
    [{}, db.totals.cleanup.deleted],
  ]);
  dbCounter('foyer_anonymous_cleanup_runs_total', 'Cleanup runs by final status. From auth.foyer_cleanup_runs.', (db) =>
    Object.entries(db.totals.cleanup.runs).map(([status, n]) => [{ status }, n]),
    ['status'],
  );
  dbGauge('foyer_totals_age_seconds', 'Age of the totals above (users, sign-ups, conversions, cleanup) in this scrape: about 0 when read for it; up to about a minute once auth.users and the audit log hold 100 000 rows.', (db) =>
    Math.max(0, (Date.now() - db.totalsReadAt.getTime()) / 1000),
  );
  dbGauge('foyer_spike_age_seconds', 'Age of the spike readings below (sign-ups in the last hour and the baseline, the spike and escalation gauges): the same rule as foyer_totals_age_seconds.', (db) =>
    Math.max(0, (Date.now() - db.spikeReadAt.getTime()) / 1000),
  );
  dbGauge('foyer_anonymous_signups_last_hour', 'Anonymous sign-ups in the last hour. From the database.', (db) => db.spike.last_hour);
  dbGauge('foyer_anonymous_signups_baseline_per_hour', 'Average hourly anonymous sign-ups over the baseline window before the last hour.', (db) => db.spike.baseline_per_hour);
  dbGauge('foyer_anonymous_signup_spike', 'Spike signal: 1 when the last hour exceeds FOYER_ANONYMOUS_SPIKE_THRESHOLD × baseline (and the minimum).', (db) =>
    db.spike.firing ? 1 : 0,
  );

  dbGauge('foyer_captcha_escalation', 'CAPTCHA escalation: 1 while the spike signal makes anonymous sign-ins need a CAPTCHA (FOYER_SECURITY_CAPTCHA_ANONYMOUS=spike).', (db) =>
    db.escalation.escalated ? 1 : 0,
  );
  dbGauge('foyer_captcha_anonymous_required', 'Whether anonymous sign-ins need a CAPTCHA now (always, or escalated), 1 or 0; the budget may ask for one besides.', (db) =>
    db.escalation.required ? 1 : 0,
  );
  dbGauge('foyer_captcha_difficulty', 'Difficulty of the built-in proof-of-work challenges now (key derivations at most); 0 when none is required or another provider is used.', (db) =>
    db.escalation.difficulty ?? 0,
  );
  new Counter({
    name: 'foyer_captcha_escalation_challenged_total',
    help: 'Anonymous sign-ins that needed a CAPTCHA because of escalation, in this process, by outcome (admitted, refused).',
    labelNames: ['outcome'],
    registers,
    collect() {
      this.reset();
      const totals = options.escalationChallenged?.();
      if (!totals) return;
      this.inc({ outcome: 'admitted' }, totals.admitted);
      this.inc({ outcome: 'refused' }, totals.refused);
    },
  });

  const signIns = new Counter({
    name: 'foyer_sign_ins_total',
    help: 'Sessions started by this process, by method (anonymous, password, pkce, id_token).',
    labelNames: ['method'],
    registers,
  });
  const refreshes = new Counter({
    name: 'foyer_token_refreshes_total',
    help: 'POST /token?grant_type=refresh_token answered by this process, by outcome (success or the error code).',
    labelNames: ['outcome'],
    registers,
  });
  new Counter({
    name: 'foyer_captcha_rejections_total',
    help: 'Requests refused by the CAPTCHA check in this process, by endpoint and reason (missing, rejected, unavailable).',
    labelNames: ['endpoint', 'reason'],
    registers,
    collect() {
      this.reset();
      for (const [endpoint, reasons] of Object.entries(abuseCounters().captcha)) {
        for (const [reason, n] of Object.entries(reasons)) this.inc({ endpoint, reason }, n ?? 0);
      }
    },
  });
  new Counter({
    name: 'foyer_rate_limited_requests_total',
    help: 'Requests refused with 429 by a rate limit in this process, by endpoint and limiter.',
    labelNames: ['endpoint', 'limiter'],
    registers,
    collect() {
      this.reset();
      for (const [endpoint, limiters] of Object.entries(abuseCounters().rateLimited)) {
        for (const [limiter, n] of Object.entries(limiters)) this.inc({ endpoint, limiter }, n);
      }
    },
  });
  batchMetric(Counter, 'foyer_db_batches_total', 'Statements run by a hot path that batches concurrent requests (anonymous_sign_in, refresh_rotation), in this process.', 'batches');
  batchMetric(Counter, 'foyer_db_batched_requests_total', 'Requests carried by those statements; divided by foyer_db_batches_total, the mean batch size.', 'requests');
  batchMetric(Counter, 'foyer_db_batch_retries_total', 'Batches whose statement failed, after which each of their requests ran alone.', 'retried');
  batchMetric(Gauge, 'foyer_db_batch_waiting', 'Requests waiting for the next batch right now (the hot path is busy).', 'waiting');
  const latency = new RequestHistogram(
    'foyer_http_request_duration_seconds',
    'HTTP request duration by method, route pattern and status code (this process).',
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  );
  registry.registerMetric(latency as unknown as Metric);
  // A worker of several: its scrapes are answered for all of them.
  const worker = shareWorkerMetrics(options.project ?? PROJECT, registry, () => {
    snapshot = undefined;
  });

  function dbCounter(
    name: string,
    help: string,
    values: (db: DbSnapshot) => [Record<string, string>, number][],
    labelNames: string[] = [],
  ): void {
    new Counter({
      name,
      help,
      labelNames,
      registers,
      aggregator: 'max',
      async collect() {
        const db = await readSnapshot();
        this.reset();
        if (!db) return;
        for (const [labels, n] of values(db)) this.inc(labels, n);
      },
    });
  }

  function batchMetric(kind: typeof Counter | typeof Gauge, name: string, help: string, field: keyof BatchStats): void {
    new kind({
      name,
      help,
      labelNames: ['path'],
      registers,
      collect(this: Counter | Gauge) {
        this.reset();
        for (const [path, stats] of Object.entries(batchStatsOf(options.db))) {
          if (this instanceof Gauge) this.set({ path }, stats[field]);
          else this.inc({ path }, stats[field]);
        }
      },
    });
  }

  function dbGauge(name: string, help: string, value: (db: DbSnapshot) => number): void {
    new Gauge({
      name,
      help,
      registers,
      aggregator: 'max',
      async collect() {
        const db = await readSnapshot();
        this.reset();
        if (db) this.set(value(db));
      },
    });
  }

  return {
    contentType: registry.contentType,
    observeRequest: ({ method, route, statusCode, seconds }) => {
      latency.observe(method, route, statusCode, seconds);
      worker?.countRequest();
    },
    countSignIn: (method) => signIns.inc({ method }),
    countRefresh: (outcome) => refreshes.inc({ outcome }),
    async render() {
      snapshot = undefined;
      return worker ? worker.render() : registry.metrics();
    },
  };
}
