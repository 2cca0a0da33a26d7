/**
 * GoTrue's SAML single sign-on routes: POST /sso (signInWithSSO; rate limit GOTRUE_RATE_LIMIT_SSO and
 * the CAPTCHA), GET /sso/saml/metadata and POST /sso/saml/acs (GOTRUE_SAML_RATE_LIMIT_ASSERTION). With
 * GOTRUE_SAML_ENABLED off, everything under /sso answers 404 saml_provider_disabled, as GoTrue does
 * (read per request: settings change live). The ACS always answers with a redirect, errors included.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthDeps } from '../../auth/deps.js';
import { assertionConsumerService, type AcsForm } from '../../auth/sso/acs.js';
import { serviceProvider } from '../../auth/sso/service-provider.js';
import { spMetadata } from '../../auth/sso/sp-metadata.js';
import { startSso } from '../../auth/sso/start.js';
import { FoyerError } from '../../errors.js';
import { BODY_LIMIT_BYTES, requireJsonBody, stringDefect } from '../body.js';
import { captchaGuard } from '../plugins/captcha.js';
import { rateLimitGuard } from '../plugins/rate-limit.js';
import { requestMeta } from '../request-meta.js';
import { FIELD_LIMITS } from '../schemas.js';

const SsoBody = {
  type: 'object',
  properties: {
    provider_id: { type: 'string', maxLength: FIELD_LIMITS.name },
    domain: { type: 'string', maxLength: FIELD_LIMITS.name },
    redirect_to: { type: 'string', maxLength: FIELD_LIMITS.url },
    skip_http_redirect: { type: 'boolean' },
    // supabase-js sends null for both outside the PKCE flow.
    code_challenge: { anyOf: [{ type: 'string', maxLength: FIELD_LIMITS.token }, { type: 'null' }] },
    code_challenge_method: { anyOf: [{ type: 'string', maxLength: FIELD_LIMITS.name }, { type: 'null' }] },
  },
} as const;

interface SsoRequestBody {
  provider_id?: string;
  domain?: string;
  redirect_to?: string;
  skip_http_redirect?: boolean;
  code_challenge?: string | null;
  code_challenge_method?: string | null;
}

export function ssoRoutes(app: FastifyInstance, deps: AuthDeps): void {
  const requireSaml = async (): Promise<void> => {
    if (!deps.config.samlEnabled) throw new FoyerError('saml_provider_disabled', 'SAML 2.0 is disabled');
  };

  app.post<{ Body: SsoRequestBody }>(
    '/sso',
    {
      preValidation: [requireSaml, rateLimitGuard(deps, 'sso', 'POST /sso'), captchaGuard(deps, { endpoint: 'POST /sso' }), requireJsonBody],
      schema: {
        summary: "Sign in with SAML SSO (signInWithSSO): the identity provider's URL (303, or {url} with skip_http_redirect)",
        body: SsoBody,
        response: { 200: { type: 'object', properties: { url: { type: 'string' } }, required: ['url'] } },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const url = await startSso(deps, {
        providerId: body.provider_id || undefined,
        domain: body.domain || undefined,
        redirectTo: body.redirect_to || undefined,
        codeChallenge: body.code_challenge || undefined,
        codeChallengeMethod: body.code_challenge_method || undefined,
      });
      if (body.skip_http_redirect) return { url };
      return reply.redirect(url, 303);
    },
  );

  app.get<{ Querystring: { download?: string } }>(
    '/sso/saml/metadata',
    {
      preValidation: requireSaml,
      schema: { summary: "The service provider's SAML metadata (?download=true: as a file, valid 5 years)", querystring: { type: 'object', properties: { download: { type: 'string' } } } },
    },
    async (request, reply) => {
      const download = request.query.download === 'true';
      const metadata = spMetadata(serviceProvider(deps.config), download);
      reply.header('content-type', 'application/xml').header('cache-control', metadata.cacheControl);
      if (download) reply.header('content-disposition', 'attachment; filename="metadata.xml"');
      return reply.send(metadata.xml);
    },
  );

  // Its own scope: the identity provider posts a form, whose SAMLResponse may be longer than a JSON value may.
  void app.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: BODY_LIMIT_BYTES }, (_request, body, done) => {
      const form = Object.fromEntries(new URLSearchParams(body as string));
      for (const [key, value] of Object.entries(form)) {
        const defect = key === 'SAMLResponse' ? (value.includes('\u0000') ? 'with a NUL character (U+0000)' : undefined) : stringDefect(value);
        if (defect) return done(new FoyerError('validation_failed', `Request body has a string ${defect}`), undefined);
      }
      done(null, form);
    });
    const acs = async (request: FastifyRequest, reply: FastifyReply) => {
      const form = (request.body && typeof request.body === 'object' ? request.body : {}) as AcsForm;
      const result = await assertionConsumerService(deps, form, requestMeta(request));
      if (result.failure) {
        const level = result.failure.status >= 500 ? 'warn' : 'info';
        request.log[level]({ code: result.failure.code, err: (result.failure as { cause?: unknown }).cause }, result.failure.message);
      }
      reply.header('cache-control', 'no-store');
      return reply.redirect(result.location, result.status);
    };
    scope.post(
      '/sso/saml/acs',
      {
        preValidation: [requireSaml, rateLimitGuard(deps, 'saml_assertion', 'POST /sso/saml/acs')],
        schema: { summary: "The identity provider's answer (HTTP-POST binding): 302 to the app with a code or the session, or 303 to the site URL with the error" },
      },
      acs,
    );
  });

  // Anything else under /sso: GoTrue's answer with SAML off, a plain 404 with it on.
  const elsewhere = async (): Promise<never> => {
    await requireSaml();
    throw new FoyerError('not_found', 'Not found');
  };
  const schema = { summary: 'Other paths under /sso: 404 (saml_provider_disabled when SAML is off)' };
  app.all('/sso/*', { schema }, elsewhere);
}
