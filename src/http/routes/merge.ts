/** POST /user/merge (Foyer): Bearer = the account just signed in to; body = the anonymous session to fold in. */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { authenticateUser } from '../../auth/authenticate.js';
import type { AuthDeps } from '../../auth/deps.js';
import { mergeAnonymousUser } from '../../auth/merge.js';
import { requireJsonBody } from '../body.js';
import { requestMeta } from '../request-meta.js';
import { FIELD_LIMITS } from '../schemas.js';

const MergeBody = Type.Object({ anonymous_access_token: Type.String({ minLength: 1, maxLength: FIELD_LIMITS.token }) });

const mergeResponse = {
  type: 'object',
  properties: {
    user_id: { type: 'string' },
    merged_user_id: { type: 'string' },
    moved: { type: 'object', additionalProperties: { type: 'integer' } },
  },
} as const;

export function mergeRoutes(app: FastifyInstance, deps: AuthDeps): void {
  app.post<{ Body: Static<typeof MergeBody> }>(
    '/user/merge',
    {
      preValidation: requireJsonBody,
      schema: { summary: "Foyer: fold an anonymous user's data into the signed-in account", body: MergeBody, response: { 200: mergeResponse } },
    },
    async (request) => {
      const owner = await authenticateUser(deps, request.headers.authorization);
      return mergeAnonymousUser(deps, owner, request.body.anonymous_access_token, requestMeta(request));
    },
  );
}
