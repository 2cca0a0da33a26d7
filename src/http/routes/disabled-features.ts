/**
 * GoTrue features Foyer does not implement answer as GoTrue answers when they are turned off, so a client
 * (and supabase-js) sees the same error it would see on a GoTrue with the feature disabled.
 * SAML single sign-on: every route under /sso is 404 saml_provider_disabled.
 * (Web3 sign-in is a grant of POST /token: see routes/token.ts.)
 */
import type { FastifyInstance } from 'fastify';
import { FoyerError } from '../../errors.js';

export function disabledFeatureRoutes(app: FastifyInstance): void {
  const samlDisabled = async (): Promise<never> => {
    throw new FoyerError('saml_provider_disabled', 'SAML 2.0 is disabled');
  };
  const schema = { summary: 'SAML single sign-on: not implemented, answers as GoTrue with SAML off (404 saml_provider_disabled)' };
  app.all('/sso', { schema }, samlDisabled);
  app.all('/sso/*', { schema }, samlDisabled);
}
