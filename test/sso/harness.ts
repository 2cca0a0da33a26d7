/**
 * A project with SAML on, listening on a real port (its URL is the SAML entity id and ACS, so it is
 * chosen before the configuration), a test identity provider registered with it through the admin API,
 * and supabase-js clients for it.
 */
import { createClient, type SupabaseClient, type WebSocketLikeConstructor } from '@supabase/supabase-js';
import WebSocket from 'ws';
import type { EngineName } from '../helpers/engines.js';
import { freePort } from '../helpers/ports.js';
import { createTestProject, versionHeaders, type TestProject } from '../helpers/project.js';
import { samlPrivateKeyValue, TestIdp } from '../helpers/saml-idp.js';

export const SITE_URL = 'http://localhost:3000';
export const DOMAIN = 'example.com';

export interface SsoSetup {
  readonly t: TestProject;
  readonly idp: TestIdp;
  readonly apiUrl: string;
  readonly sp: { entityId: string; acsUrl: string; certificatePem: string };
  readonly providerId: string;
  client(flowType?: 'pkce' | 'implicit'): SupabaseClient;
  adminHeaders: Record<string, string>;
  close(): Promise<void>;
}

export async function setUpSso(engine: EngineName, env: Record<string, string> = {}): Promise<SsoSetup> {
  const port = await freePort();
  const apiUrl = `http://127.0.0.1:${port}/auth/v1`;
  const t = await createTestProject(engine, {
    API_EXTERNAL_URL: apiUrl,
    GOTRUE_SITE_URL: SITE_URL,
    GOTRUE_URI_ALLOW_LIST: `${SITE_URL}/**`,
    GOTRUE_SAML_ENABLED: 'true',
    GOTRUE_SAML_PRIVATE_KEY: samlPrivateKeyValue(),
    GOTRUE_SAML_RATE_LIMIT_ASSERTION: '1000',
    ...env,
  });
  try {
    await t.app.listen({ host: '127.0.0.1', port });
    const adminHeaders = { ...versionHeaders, authorization: `Bearer ${t.serviceRoleKey}`, apikey: t.serviceRoleKey };
    const idp = new TestIdp();
    const created = await t.app.inject({
      method: 'POST',
      url: '/auth/v1/admin/sso/providers',
      headers: adminHeaders,
      payload: {
        type: 'saml',
        metadata_xml: idp.metadataXml(),
        domains: [DOMAIN],
        attribute_mapping: { keys: { email: { name: 'mail' }, name: { names: ['displayName', 'cn'] }, groups: { name: 'memberOf', array: true }, plan: { name: 'plan', default: 'free' } } },
      },
    });
    if (created.statusCode !== 201) throw new Error(`creating the provider failed: ${created.statusCode} ${created.body}`);
    const metadata = await t.app.inject({ method: 'GET', url: '/auth/v1/sso/saml/metadata' });
    const certificateBase64 = /<KeyDescriptor use="signing">.*?<X509Certificate>([^<]+)</.exec(metadata.body)?.[1] ?? '';
    const certificatePem = `-----BEGIN CERTIFICATE-----\n${certificateBase64.match(/.{1,64}/g)?.join('\n')}\n-----END CERTIFICATE-----\n`;
    return {
      t,
      idp,
      apiUrl,
      sp: { entityId: `${apiUrl}/sso/saml/metadata`, acsUrl: `${apiUrl}/sso/saml/acs`, certificatePem },
      providerId: (created.json() as { id: string }).id,
      adminHeaders,
      client: (flowType = 'pkce') =>
        createClient(new URL(apiUrl).origin, t.anonKey, { auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false, flowType },
          realtime: { transport: WebSocket as unknown as WebSocketLikeConstructor },
        }),
      close: () => t.close(),
    };
  } catch (error) {
    await t.close();
    throw error;
  }
}

/** POST /sso through inject; the relay state and request id the IdP would receive. */
export async function startSignIn(s: SsoSetup, body: Record<string, unknown> = { domain: DOMAIN }): Promise<{ relayState: string; requestId: string }> {
  const response = await s.t.app.inject({ method: 'POST', url: '/auth/v1/sso', headers: versionHeaders, payload: { ...body, skip_http_redirect: true } });
  if (response.statusCode !== 200) throw new Error(`POST /sso failed: ${response.statusCode} ${response.body}`);
  const seen = s.idp.readRequest((response.json() as { url: string }).url, s.sp.certificatePem);
  return { relayState: seen.relayState, requestId: seen.id };
}

/** The error GoTrue puts in the ACS's redirect to the site URL. */
export function redirectError(location: string): { error: string | null; code: string | null; description: string | null } {
  const url = new URL(location);
  return { error: url.searchParams.get('error'), code: url.searchParams.get('error_code'), description: url.searchParams.get('error_description') };
}
