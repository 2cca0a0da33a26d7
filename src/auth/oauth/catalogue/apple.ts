/**
 * Sign in with Apple: OAuth 2.0 with response_mode=form_post (Apple POSTs code, state and — the first
 * time only — a `user` JSON with the name to /callback), the client secret being the ES256 JWT the
 * developer generated from their Apple key (GoTrue takes it as is), and the profile from the ID token
 * of the token response, verified against Apple's keys. Apple's ID tokens are also taken by the
 * id_token grant (native iOS sign-in), audience = the services id(s) or GOTRUE_EXTERNAL_IOS_BUNDLE_ID.
 */
import { FoyerError } from '../../../errors.js';
import { tokenNonce, verifyIdToken } from '../id-token-verifier.js';
import { OAuth2Provider } from '../oauth2-provider.js';
import { buildProfile, joinName, text } from '../profile.js';
import type { ProviderProfile } from '../types.js';
import { clientOf, type ProviderDefinition, type ProviderSettings } from './definition.js';

export const APPLE_ISSUER = 'https://appleid.apple.com';
/** Apple also signs with this issuer name. */
const OTHER_APPLE_ISSUER = 'https://account.apple.com';

function appleProfile(claims: Record<string, unknown>, extraName?: string): ProviderProfile {
  const custom: Record<string, unknown> = {};
  const privateEmail = claims.is_private_email;
  if (privateEmail !== undefined) custom.is_private_email = privateEmail === true || privateEmail === 'true';
  if (typeof claims.auth_time === 'number') custom.auth_time = claims.auth_time;
  if (text(claims.transfer_sub)) custom.transfer_sub = claims.transfer_sub;
  const email = text(claims.email);
  return buildProfile({
    issuer: String(claims.iss),
    subject: text(claims.sub),
    // GoTrue counts every address in an Apple ID token as verified (Apple relays only checked ones).
    emails: email ? [{ email, verified: true, primary: true }] : [],
    claims: { name: extraName, full_name: extraName },
    custom,
  });
}

/** The `user` form field of Apple's first callback: {"name":{"firstName","lastName"},"email"}. */
function nameFromUserField(raw: string | null): string | undefined {
  if (!raw) return undefined;
  try {
    const user = JSON.parse(raw) as { name?: { firstName?: unknown; lastName?: unknown } };
    return joinName(user.name?.firstName, user.name?.lastName);
  } catch {
    throw new FoyerError('bad_oauth_callback', 'Apple sent a user field that is not JSON');
  }
}

const issuersOf = (settings: ProviderSettings) => (settings.url ? [settings.url] : [APPLE_ISSUER, OTHER_APPLE_ISSUER]);

export const apple: ProviderDefinition = {
  name: 'apple',
  key: 'Apple',
  build: (settings) => {
    const base = settings.url ?? APPLE_ISSUER;
    const jwksUri = `${base}/auth/keys`;
    const client = clientOf(settings);
    const check = (audiences: readonly string[], accessToken?: string) => ({
      issuer: base,
      issuers: issuersOf(settings),
      jwksUri,
      audiences,
      accessToken,
    });
    return new OAuth2Provider({
      name: 'apple',
      ...client,
      authorizationEndpoint: `${base}/auth/authorize`,
      tokenEndpoint: `${base}/auth/token`,
      scopes: ['email', 'name'],
      clientAuthentication: 'client_secret_post',
      authorizationParams: { response_mode: 'form_post' },
      skipNonceCheck: settings.skipNonceCheck,
      profile: async ({ tokens, accessToken, callbackParams }) => {
        if (typeof tokens.id_token !== 'string') {
          throw new FoyerError('unexpected_failure', 'Error getting user profile from external provider: no id_token in the token response');
        }
        const claims = await verifyIdToken(tokens.id_token, check([client.clientId], accessToken));
        return appleProfile(claims, nameFromUserField(callbackParams.get('user')));
      },
      verifyIdToken: async (idToken, options) => {
        const audiences = [...settings.clientIds, ...(settings.iosBundleId ? [settings.iosBundleId] : [])];
        const claims = await verifyIdToken(idToken, check(audiences, options.accessToken));
        return { profile: appleProfile(claims), nonce: tokenNonce(claims) };
      },
    });
  },
};
