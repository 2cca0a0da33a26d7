/**
 * POST /sso (supabase-js signInWithSSO): finds the provider by id or by the user's email domain, writes a
 * relay state (and a PKCE flow when the client sent a code challenge) and answers the identity provider's
 * single sign-on URL with a signed AuthnRequest (HTTP-Redirect binding, RSA-SHA256), as GoTrue does.
 * The relay state's id travels as RelayState; the request's id comes back as InResponseTo.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { FoyerError } from '../../errors.js';
import { findSsoProviderByDomain, findSsoProviderById, type SsoProviderRow } from '../../store/sso-providers.js';
import { insertRelayState, insertSsoFlowState } from '../../store/sso-relay-states.js';
import { isUuid } from '../authenticate.js';
import type { AuthDeps } from '../deps.js';
import { parsePkceParams } from '../oauth/flow.js';
import { HTTP_REDIRECT, parseIdpMetadata } from './idp-metadata.js';
import { loadNodeSaml } from './saml-library.js';
import { serviceProvider } from './service-provider.js';

export interface StartSsoInput {
  readonly providerId?: string;
  readonly domain?: string;
  readonly redirectTo?: string;
  readonly codeChallenge?: string;
  readonly codeChallengeMethod?: string;
}

const PERSISTENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';

async function findProvider(deps: AuthDeps, input: StartSsoInput): Promise<SsoProviderRow> {
  const { providerId, domain } = input;
  if (providerId && domain) throw new FoyerError('validation_failed', 'Only one of provider_id or domain supported');
  if (!providerId && !domain) throw new FoyerError('validation_failed', 'A provider_id or domain needs to be provided');
  if (providerId) {
    if (!isUuid(providerId)) throw new FoyerError('bad_json', 'Could not parse request body as JSON: provider_id is not a UUID');
    const row = await findSsoProviderById(deps.db, providerId);
    if (!row) throw new FoyerError('sso_provider_not_found', 'No such SSO provider');
    return row;
  }
  const row = await findSsoProviderByDomain(deps.db, domain as string);
  if (!row) throw new FoyerError('sso_provider_not_found', 'No SSO provider assigned for this domain');
  return row;
}

/** The identity provider's URL to send the browser to. */
export async function startSso(deps: AuthDeps, input: StartSsoInput): Promise<string> {
  const sp = serviceProvider(deps.config);
  const provider = await findProvider(deps, input);
  if (provider.disabled) throw new FoyerError('sso_provider_disabled', 'SSO Provider is currently disabled');
  const pkce = parsePkceParams(input.codeChallenge, input.codeChallengeMethod);
  const metadata = await parseIdpMetadata(provider.metadata_xml);
  const entryPoint = metadata.ssoLocations.get(HTTP_REDIRECT);
  if (!entryPoint) {
    throw new FoyerError('validation_failed', "The identity provider's metadata offers no SingleSignOnService with the HTTP-Redirect binding");
  }
  // GoTrue's (crewjam's) request ids: "id-" and 20 random bytes in hex.
  const requestId = `id-${randomBytes(20).toString('hex')}`;
  const { SAML } = await loadNodeSaml();
  const saml = new SAML({
    entryPoint,
    issuer: sp.entityId,
    callbackUrl: sp.acsUrl,
    idpCert: metadata.signingCertificates.length > 0 ? [...metadata.signingCertificates] : ['unused: requests are not checked with it'],
    privateKey: sp.current.keyPem,
    signatureAlgorithm: 'sha256',
    identifierFormat: provider.name_id_format ?? PERSISTENT,
    allowCreate: true,
    disableRequestedAuthnContext: true,
    generateUniqueId: () => requestId,
  });
  const relayStateId = randomUUID();
  const url = await saml.getAuthorizeUrlAsync(relayStateId, undefined, {});
  const flowStateId = pkce ? randomUUID() : null;
  await deps.db.transaction(async (tx) => {
    if (pkce && flowStateId) {
      await insertSsoFlowState(tx, { id: flowStateId, codeChallenge: pkce.challenge, codeChallengeMethod: pkce.method, referrer: input.redirectTo ?? null });
    }
    await insertRelayState(tx, { id: relayStateId, ssoProviderId: provider.id, requestId, redirectTo: input.redirectTo ?? null, flowStateId });
  });
  return url;
}
