/**
 * POST /sso/saml/acs: the identity provider's answer (HTTP-POST binding). SP-initiated when RelayState is
 * the id of a relay state written by POST /sso (taken once, within GOTRUE_SAML_RELAY_STATE_VALIDITY_PERIOD);
 * IdP-initiated when RelayState is empty or a URL (the provider is then the response's Issuer). The
 * response is checked (assertion.ts), its assertion id spent once for every process sharing the rate-limit
 * store, the user signed in (user.ts), and the browser sent on: `?code=` for a PKCE flow, the session in
 * the fragment otherwise. Every failure is a 303 to GOTRUE_SITE_URL with error, error_code and
 * error_description in the query, as GoTrue answers; never a 500 page.
 */
import { FoyerError } from '../../errors.js';
import { deleteFlowState } from '../../store/flow-state.js';
import { findSsoProviderByEntityId, findSsoProviderById, refreshSamlMetadata, type SsoProviderRow } from '../../store/sso-providers.js';
import { completeSsoFlowState, takeRelayState } from '../../store/sso-relay-states.js';
import { isUuid } from '../authenticate.js';
import type { AuthDeps, RequestMeta } from '../deps.js';
import { signSession, startUserSession, type StartedSession } from '../oauth/session.js';
import { resolveRedirect } from '../redirect.js';
import { fragmentRedirect, oauthErrorName } from '../redirect-url.js';
import { CLOCK_SKEW_MS, MAX_ISSUE_DELAY_MS, verifyResponse } from './assertion.js';
import { parseAttributeMapping } from './attribute-mapping.js';
import { fetchIdpMetadata, metadataStale, parseIdpMetadata, parseXml, type IdpMetadata } from './idp-metadata.js';
import { serviceProvider } from './service-provider.js';
import { signInSsoUser, ssoProfile } from './user.js';

export interface AcsForm {
  readonly SAMLResponse?: string;
  readonly RelayState?: string;
  readonly SAMLart?: string;
}

export interface AcsResult {
  readonly status: 302 | 303;
  readonly location: string;
  readonly failure?: FoyerError;
}

/**
 * How long a spent assertion id is remembered: an assertion is accepted only until its IssueInstant plus
 * GoTrue's issue delay and clock skew, and its IssueInstant can be at most one skew ahead of the clock.
 */
const SPENT_ASSERTION_TTL_MS = MAX_ISSUE_DELAY_MS + 2 * CLOCK_SKEW_MS;

const badRequest = (message: string) => new FoyerError('validation_failed', message);

interface Origin {
  readonly provider: SsoProviderRow;
  readonly requestId: string | null;
  readonly redirectTo: string | null;
  readonly flowStateId: string | null;
}

function isUrl(value: string): boolean {
  try {
    return Boolean(new URL(value).protocol);
  } catch {
    return false;
  }
}

async function identifyOrigin(deps: AuthDeps, form: AcsForm): Promise<Origin> {
  const relayState = form.RelayState ?? '';
  if (isUuid(relayState)) {
    const relay = await takeRelayState(deps.db, relayState);
    if (!relay) throw new FoyerError('saml_relay_state_not_found', 'SAML RelayState does not exist, try logging in again?');
    if (relay.age_seconds >= deps.config.samlRelayStateValiditySeconds) {
      if (relay.flow_state_id) await deleteFlowState(deps.db, relay.flow_state_id);
      throw new FoyerError('saml_relay_state_expired', 'SAML RelayState has expired. Try logging in again?');
    }
    const provider = await findSsoProviderById(deps.db, relay.sso_provider_id);
    if (!provider) throw new FoyerError('saml_idp_not_found', 'A SAML connection has not been established with this Identity Provider');
    return { provider, requestId: relay.request_id, redirectTo: relay.redirect_to, flowStateId: relay.flow_state_id };
  }
  if (relayState !== '' && !isUrl(relayState)) throw badRequest('SAML RelayState is not a valid UUID or URL');
  if (form.SAMLart) throw badRequest('SAML Artifact response can only be used with SP initiated flow');
  const response = responseXml(form);
  const root = (await parseXml(response, 'SAMLResponse')).documentElement;
  const issuer = Array.from(root.childNodes).find((node) => node.nodeType === 1 && (node as Element).localName === 'Issuer');
  const entityId = issuer?.textContent?.trim() ?? '';
  const provider = entityId ? await findSsoProviderByEntityId(deps.db, entityId) : undefined;
  if (!provider) throw new FoyerError('saml_idp_not_found', 'A SAML connection has not been established with this Identity Provider');
  return { provider, requestId: null, redirectTo: relayState || null, flowStateId: null };
}

function responseXml(form: AcsForm): string {
  const encoded = form.SAMLResponse?.replace(/\s+/g, '') ?? '';
  if (!encoded) throw badRequest('SAMLResponse is missing');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encoded) || encoded.length % 4 !== 0) throw badRequest('SAMLResponse is not a valid Base64 string');
  return Buffer.from(encoded, 'base64').toString('utf8');
}

/** The provider's metadata, fetched again from its metadata_url when stale (kept as it was if that fails). */
async function currentMetadata(deps: AuthDeps, provider: SsoProviderRow): Promise<IdpMetadata> {
  const metadata = await parseIdpMetadata(provider.metadata_xml);
  if (!provider.metadata_url || !metadataStale(metadata, new Date(provider.saml_updated_at))) return metadata;
  try {
    const xml = await fetchIdpMetadata(provider.metadata_url);
    const fresh = await parseIdpMetadata(xml);
    if (fresh.entityId !== provider.entity_id) return metadata;
    await refreshSamlMetadata(deps.db, provider.id, xml);
    return fresh;
  } catch {
    return metadata;
  }
}

async function consume(deps: AuthDeps, form: AcsForm, meta: RequestMeta, origin: Origin): Promise<string> {
  const { config } = deps;
  const { provider } = origin;
  if (provider.disabled) throw new FoyerError('sso_provider_disabled', 'SSO Provider assigned for this domain is currently disabled');
  responseXml(form);
  const metadata = await currentMetadata(deps, provider);
  const assertion = await verifyResponse({
    samlResponse: (form.SAMLResponse as string).replace(/\s+/g, ''),
    sp: serviceProvider(config),
    idpEntityId: provider.entity_id,
    idpCertificates: metadata.signingCertificates,
    requestId: origin.requestId,
  });
  if (!(await deps.rateLimits.claimOnce(`saml-assertion:${provider.id}:${assertion.assertionId}`, SPENT_ASSERTION_TTL_MS))) {
    throw badRequest('SAML Assertion is not valid: it has already been used');
  }
  const profile = ssoProfile(assertion, provider.entity_id, parseAttributeMapping(provider.attribute_mapping ?? {}, false));
  const target = resolveRedirect(config, origin.redirectTo);
  const outcome = await deps.db.transaction(async (tx): Promise<{ code: string } | { started: StartedSession }> => {
    const userId = await signInSsoUser(deps, tx, provider.id, profile, meta);
    if (origin.flowStateId) {
      const flow = await completeSsoFlowState(tx, origin.flowStateId, userId);
      if (!flow) throw new FoyerError('flow_state_not_found', 'invalid flow state, no valid flow state found');
      if ('used' in flow) throw new FoyerError('flow_state_already_used', 'State has already been used');
      return { code: flow.authCode };
    }
    return { started: await startUserSession(deps, tx, userId, 'sso/saml', meta) };
  });
  if ('code' in outcome) {
    const url = new URL(target);
    url.searchParams.set('code', outcome.code);
    return url.toString();
  }
  const session = await signSession(deps, outcome.started, null);
  return fragmentRedirect(target, {
    access_token: session.access_token,
    expires_at: session.expires_at,
    expires_in: session.expires_in,
    refresh_token: session.refresh_token,
    token_type: 'bearer',
  });
}

/** GoTrue's ACS error redirect: to the site URL, the error in the query. */
function errorLocation(siteUrl: string, error: FoyerError): string {
  const url = new URL(siteUrl);
  const name =
    error.code === 'signup_disabled' || error.code === 'user_banned' || error.code === 'provider_email_needs_verification'
      ? 'access_denied'
      : oauthErrorName(error.status);
  url.searchParams.set('error', name);
  url.searchParams.set('error_code', error.code);
  url.searchParams.set('error_description', error.message);
  return url.toString();
}

export async function assertionConsumerService(deps: AuthDeps, form: AcsForm, meta: RequestMeta): Promise<AcsResult> {
  let origin: Origin | undefined;
  try {
    origin = await identifyOrigin(deps, form);
    return { status: 302, location: await consume(deps, form, meta, origin) };
  } catch (error) {
    if (origin?.flowStateId) await deleteFlowState(deps.db, origin.flowStateId).catch(() => undefined);
    const failure = error instanceof FoyerError ? error : new FoyerError('unexpected_failure', 'Unexpected failure in the SAML assertion consumer service', { cause: error });
    return { status: 303, location: errorLocation(deps.config.siteUrl, failure), failure };
  }
}
