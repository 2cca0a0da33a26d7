/** GET /settings, GET /health, GET /.well-known/jwks.json, /.well-known/openid-configuration and oauth-authorization-server. */
import type { FastifyInstance } from 'fastify';
import type { AuthDeps } from '../../auth/deps.js';
import { openIdConfiguration } from '../../auth/discovery.js';
import { FoyerError } from '../../errors.js';
import { publicProtectionStatus } from '../../security/protection-status.js';
import { FOYER_VERSION } from '../../version.js';

export function metaRoutes(app: FastifyInstance, deps: AuthDeps): void {
  app.get('/settings', { schema: { summary: "The server's public settings: enabled providers, sign-up, autoconfirm" } }, async () => {
    // Read per request: project settings change live (src/projects/live.ts).
    const { config } = deps;
    // In spike mode this starts a reading of the signal when the last one is old (without waiting for it).
    const escalation = await deps.escalation.current(config);
    return {
      external: {
        anonymous_users: config.anonymousUsersEnabled,
        email: config.emailEnabled,
        phone: config.phoneEnabled,
        apple: config.externalAppleEnabled,
        azure: config.externalAzureEnabled,
        bitbucket: config.externalBitbucketEnabled,
        discord: config.externalDiscordEnabled,
        facebook: config.externalFacebookEnabled,
        snapchat: config.externalSnapchatEnabled,
        figma: config.externalFigmaEnabled,
        fly: config.externalFlyEnabled,
        github: config.externalGithubEnabled,
        gitlab: config.externalGitlabEnabled,
        google: config.externalGoogleEnabled,
        keycloak: config.externalKeycloakEnabled,
        kakao: config.externalKakaoEnabled,
        linkedin: config.externalLinkedinEnabled,
        linkedin_oidc: config.externalLinkedinOidcEnabled,
        notion: config.externalNotionEnabled,
        spotify: config.externalSpotifyEnabled,
        slack: config.externalSlackEnabled,
        slack_oidc: config.externalSlackOidcEnabled,
        workos: config.externalWorkosEnabled,
        twitch: config.externalTwitchEnabled,
        twitter: config.externalTwitterEnabled,
        zoom: config.externalZoomEnabled,
        // GoTrue's /settings has no `x` or `vercel_marketplace` key; Foyer adds them (clients ignore keys they do not know).
        x: config.externalXEnabled,
        vercel_marketplace: config.externalVercelMarketplaceEnabled,
        // The generic OpenID Connect provider, under its configured name (FOYER_EXTERNAL_OIDC_NAME).
        [config.externalOidcName]: config.externalOidcEnabled,
      },
      disable_signup: config.disableSignup,
      mailer_autoconfirm: config.mailerAutoconfirm,
      phone_autoconfirm: config.smsAutoconfirm,
      sms_provider: config.smsProvider ?? '',
      saml_enabled: config.samlEnabled,
      passkeys_enabled: config.passkeyEnabled,
      // Foyer's own field (GoTrue's above are unchanged): which abuse protections a client will meet.
      foyer_protections: publicProtectionStatus({ config, captcha: deps.captcha, escalation }),
    };
  });

  app.get('/health', { schema: { summary: 'Liveness: name and version', tags: ['ops'] } }, async () => ({
    version: FOYER_VERSION,
    name: 'GoTrue',
    description: 'Foyer is a GoTrue-compatible auth server with anonymous users',
  }));

  app.get('/.well-known/jwks.json', { schema: { summary: 'The public keys that verify access tokens (JWKS)' } }, async (_request, reply) => {
    reply.header('cache-control', 'public, max-age=600');
    return { keys: deps.keyring.publicJwks };
  });

  // From the configuration (read per request: settings change live), never from the request's headers.
  app.get('/.well-known/openid-configuration', { schema: { summary: 'OpenID Connect discovery' } }, async (_request, reply) => {
    reply.header('cache-control', 'public, max-age=600');
    return openIdConfiguration(deps.config, deps.keyring.signingAlgorithm);
  });

  // RFC 8414's metadata: the same document, served only while the OAuth server is on (as GoTrue).
  app.get('/.well-known/oauth-authorization-server', { schema: { summary: 'OAuth 2.1 authorization server metadata (RFC 8414)' } }, async (_request, reply) => {
    if (!deps.config.oauthServerEnabled) throw new FoyerError('feature_disabled', 'OAuth server is disabled');
    reply.header('cache-control', 'public, max-age=600');
    return openIdConfiguration(deps.config, deps.keyring.signingAlgorithm);
  });
}
