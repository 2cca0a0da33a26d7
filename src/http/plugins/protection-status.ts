/** GET /admin/protection: which protections are active, their warnings and what they refused so far. */
import type { FastifyInstance } from 'fastify';
import { authenticateAdmin } from '../../auth/authenticate.js';
import type { AuthDeps } from '../../auth/deps.js';
import { adminProtectionStatus } from '../../security/protection-status.js';

export function protectionStatusRoutes(app: FastifyInstance, deps: AuthDeps): void {
  app.get(
    '/admin/protection',
    {
      schema: { summary: 'Foyer: the abuse protections in force (CAPTCHA, rate limits) and what they refused', tags: ['ops'] },
      onRequest: async (request) => {
        authenticateAdmin(deps, request.headers.authorization);
      },
    },
    async () => ({
      ...adminProtectionStatus({
        config: deps.config,
        captcha: deps.captcha,
        clientIp: deps.clientIp,
        store: deps.rateLimits.store,
        escalation: await deps.escalation.current(deps.config),
      }),
      counters: { ...deps.abuse.snapshot(), escalation_challenged: deps.escalation.challengedTotals },
    }),
  );
}
