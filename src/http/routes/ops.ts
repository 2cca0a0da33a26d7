/**
 * At the root of the server: GET /metrics (Prometheus) and the onResponse hook that times every
 * request and counts sign-ins and refreshes. The hook reads a few fields and updates in-memory
 * counters: no I/O on the request path. A project served by two apps (drop-in mode: the auth
 * listener's and the admin listener's) counts into one FoyerMetrics, which the admin one serves.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authenticateAdmin } from '../../auth/authenticate.js';
import type { AuthDeps } from '../../auth/deps.js';
import { createMetrics, type FoyerMetrics } from '../../metrics/registry.js';

function countAuthEvents(metrics: FoyerMetrics, route: string, request: FastifyRequest, reply: FastifyReply): void {
  if (request.method !== 'POST') return;
  if (route.endsWith('/token')) {
    const grant = (request.query as { grant_type?: unknown } | undefined)?.grant_type;
    if (grant === 'refresh_token') {
      const code = reply.getHeader('x-sb-error-code');
      metrics.countRefresh(reply.statusCode === 200 ? 'success' : typeof code === 'string' ? code : String(reply.statusCode));
    } else if (reply.statusCode === 200 && typeof grant === 'string') {
      metrics.countSignIn(grant);
    }
  } else if (route.endsWith('/signup') && reply.statusCode === 200) {
    const body = request.body as { email?: unknown; phone?: unknown } | undefined;
    if (!body?.email && !body?.phone) metrics.countSignIn('anonymous');
  }
}

/** A project's metrics (one per project, shared by every app serving it). */
export const projectMetrics = (deps: AuthDeps, project?: string): FoyerMetrics =>
  createMetrics({ db: deps.db, spike: () => deps.config, escalationChallenged: () => deps.escalation.challengedTotals, abuse: () => deps.abuse.snapshot(), project });

export interface OpsOptions {
  readonly metrics: FoyerMetrics;
  /** Serve GET /metrics here (the hook counts this app's requests either way). */
  readonly route: boolean;
}

/** Registers the hook (and /metrics) on the root instance (call before the API plugins). */
export function registerOps(app: FastifyInstance, deps: AuthDeps, options: OpsOptions): FoyerMetrics {
  const { metrics } = options;

  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.observeRequest({ method: request.method, route, statusCode: reply.statusCode, seconds: reply.elapsedTime / 1000 });
    countAuthEvents(metrics, route, request, reply);
    done();
  });

  if (!options.route) return metrics;
  app.get(
    '/metrics',
    {
      schema: { summary: 'Prometheus metrics (the service_role key when FOYER_METRICS_AUTH=service_role)', tags: ['ops'] },
      onRequest: async (request) => {
        if (deps.config.metricsAuth === 'service_role') authenticateAdmin(deps, request.headers.authorization);
      },
    },
    async (_request, reply) => {
      reply.header('content-type', metrics.contentType).header('cache-control', 'no-store');
      return metrics.render();
    },
  );
  return metrics;
}
