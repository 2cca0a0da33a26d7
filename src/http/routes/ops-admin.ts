/**
 * Admin API for operations (service_role): GET /admin/stats, the anonymous-user cleanup (dry run,
 * run, history) and GET /admin/audit (src/http/routes/audit-log.ts). docs/operations.md has the shapes.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { adminGuard } from '../caller.js';
import type { AuthDeps } from '../../auth/deps.js';
import { FoyerError } from '../../errors.js';
import { cleanupSettings, launchCleanup, planView, previewCleanup, stopBackgroundCleanups } from '../../jobs/cleanup.js';
import { defaultBuckets, maxBuckets, readStatsReport } from '../../stats/report.js';
import { getCleanupRun, listCleanupRuns, type CleanupRun } from '../../store/cleanup-runs.js';
import type { Bucket } from '../../store/stats.js';
import { requireBody } from '../body.js';
import { queryInt } from '../query.js';
import { auditLogRoutes } from './audit-log.js';

const StatsQuery = Type.Object({ bucket: Type.Optional(Type.String()), buckets: Type.Optional(Type.String()) });
const RunsQuery = Type.Object({ limit: Type.Optional(Type.String()), before: Type.Optional(Type.String()) });
const RunParams = Type.Object({ id: Type.String() });
const SampleQuery = Type.Object({ sample: Type.Optional(Type.String()) });

const runView = (run: CleanupRun) => run;

/** The optional body of POST /admin/cleanup: {dry_run?: boolean, wait?: boolean}. */
function cleanupBody(body: unknown): { dry_run: boolean; wait: boolean } {
  if (body === undefined || body === null) return { dry_run: false, wait: false };
  requireBody(body);
  const { dry_run: dryRun, wait } = body as Record<string, unknown>;
  for (const [name, value] of Object.entries({ dry_run: dryRun, wait })) {
    if (value !== undefined && value !== null && typeof value !== 'boolean') throw new FoyerError('validation_failed', `${name} must be a boolean`);
  }
  return { dry_run: dryRun === true, wait: wait === true };
}

export function opsAdminRoutes(app: FastifyInstance, deps: AuthDeps): void {
  const requireAdmin = adminGuard(deps);

  app.get<{ Querystring: Static<typeof StatsQuery> }>(
    '/admin/stats',
    { onRequest: requireAdmin, schema: { summary: 'Foyer: sign-ups, sign-ins and anonymous users over time', tags: ['ops'], querystring: StatsQuery } },
    async (request) => {
      const bucket = request.query.bucket ?? 'hour';
      if (bucket !== 'hour' && bucket !== 'day') throw new FoyerError('validation_failed', 'bucket must be hour or day');
      const buckets = queryInt(request.query.buckets, 'buckets', defaultBuckets[bucket as Bucket], maxBuckets[bucket as Bucket]);
      return readStatsReport(deps.db, deps.config, { bucket: bucket as Bucket, buckets, log: request.log });
    },
  );

  app.get<{ Querystring: Static<typeof SampleQuery> }>(
    '/admin/cleanup/preview',
    { onRequest: requireAdmin, schema: { summary: 'Foyer: what an anonymous-user cleanup would delete', tags: ['ops'], querystring: SampleQuery } },
    async (request) => planView(await previewCleanup(deps.db, cleanupSettings(deps.config), queryInt(request.query.sample, 'sample', 10, 1000))),
  );

  // {"dry_run": true} answers the preview; otherwise a run starts (202, or 200 when it is over with "wait": true).
  app.post<{ Body: unknown }>(
    '/admin/cleanup',
    { onRequest: requireAdmin, schema: { summary: 'Foyer: start an anonymous-user cleanup ({"dry_run": true} previews, {"wait": true} waits)', tags: ['ops'] } },
    async (request, reply) => {
      const body = cleanupBody(request.body);
      const settings = cleanupSettings(deps.config);
      if (body.dry_run) return planView(await previewCleanup(deps.db, settings));
      const launched = launchCleanup(deps.db, settings, 'api');
      const run = await launched.started;
      if (!run) {
        const outcome = await launched.done;
        if (outcome.status !== 'skipped') throw new FoyerError('unexpected_failure', 'The cleanup ended before it started');
        const holder = outcome.holder;
        throw new FoyerError(
          'conflict',
          holder
            ? `Another cleanup is running (run ${holder.id}, started ${holder.started_at} by ${holder.trigger} on ${holder.host ?? '?'}, pid ${holder.pid ?? '?'})`
            : 'Another cleanup is running',
        );
      }
      if (body.wait) {
        const outcome = await launched.done;
        return { status: outcome.status, run: outcome.status === 'skipped' ? run : runView(outcome.run) };
      }
      // Failures of a background run are recorded on the run (status failed, error) and logged here.
      launched.done.catch((error: unknown) => request.log.error({ err: error, run: run.id }, 'anonymous cleanup failed'));
      return reply.code(202).send({ status: 'running', run: runView(run) });
    },
  );

  app.get<{ Querystring: Static<typeof RunsQuery> }>(
    '/admin/cleanup/runs',
    { onRequest: requireAdmin, schema: { summary: 'Foyer: cleanup runs, newest first', tags: ['ops'], querystring: RunsQuery } },
    async (request) => {
      const limit = queryInt(request.query.limit, 'limit', 20, 500);
      const before = request.query.before === undefined ? undefined : queryInt(request.query.before, 'before', 0, Number.MAX_SAFE_INTEGER);
      return { runs: (await listCleanupRuns(deps.db, limit, before)).map(runView) };
    },
  );

  app.get<{ Params: Static<typeof RunParams> }>(
    '/admin/cleanup/runs/:id',
    { onRequest: requireAdmin, schema: { summary: 'Foyer: one cleanup run', tags: ['ops'], params: RunParams } },
    async (request) => {
      const id = queryInt(request.params.id, 'id', 0, 2 ** 31 - 1);
      const run = await getCleanupRun(deps.db, id);
      if (!run) throw new FoyerError('not_found', 'No such cleanup run');
      return runView(run);
    },
  );

  // Runs started here stop between batches when the server closes (their run is marked aborted).
  app.addHook('onClose', async () => {
    await stopBackgroundCleanups(deps.db);
  });

  auditLogRoutes(app, deps);
}
