/**
 * The bench for the provider catalogue: Foyer right behind a gateway that strips /auth/v1 (as Kong does
 * in front of GoTrue), every provider enabled against the local fakes (test/helpers/provider-fakes.ts),
 * supabase-js clients pointed at the gateway, and a browser that follows the provider's redirects —
 * or submits Apple's form_post page — until Foyer sends it back to the app.
 */
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClient, type SupabaseClient, type WebSocketLikeConstructor } from '@supabase/supabase-js';
import WebSocket from 'ws';
import type { EngineName } from './engines.js';
import { FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, startProviderFakes, type ProviderFakes } from './provider-fakes.js';
import { fixtures, type Account, type ProviderFixture } from './provider-fixtures.js';
import { createTestProject, type TestProject } from './project.js';

export const SITE_URL = 'http://localhost:3000';
export const APP_REDIRECT = 'http://localhost:3000/welcome';

export interface ProviderBench {
  t: TestProject;
  fakes: ProviderFakes;
  /** The gateway's origin: supabase-js's URL. */
  origin: string;
  close(): Promise<void>;
}

/** Forwards /auth/v1/* to Foyer's root routes with the prefix removed, as the drop-in gateway does. */
async function startGateway(): Promise<{ origin: string; server: Server; attach(t: TestProject): void }> {
  let app: TestProject['app'] | undefined;
  const server = createServer((request, response) => {
    const url = request.url ?? '/';
    if (!app || !url.startsWith('/auth/v1/')) {
      response.statusCode = 404;
      return response.end('not behind /auth/v1');
    }
    request.url = url.slice('/auth/v1'.length);
    app.routing(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    server,
    attach: (t) => {
      app = t.app;
    },
  };
}

export async function startProviderBench(engine: EngineName, env: Record<string, string> = {}): Promise<ProviderBench> {
  const fakes = await startProviderFakes(fixtures);
  const gateway = await startGateway();
  const providerEnv: Record<string, string> = {};
  for (const fixture of fixtures) {
    const prefix = `GOTRUE_EXTERNAL_${fixture.env}`;
    Object.assign(providerEnv, {
      [`${prefix}_ENABLED`]: 'true',
      [`${prefix}_CLIENT_ID`]: FAKE_CLIENT_ID,
      [`${prefix}_SECRET`]: FAKE_CLIENT_SECRET,
      [`${prefix}_URL`]: fakes.baseUrl(fixture),
    });
  }
  const t = await createTestProject(engine, {
    API_EXTERNAL_URL: `${gateway.origin}/auth/v1`,
    GOTRUE_SITE_URL: SITE_URL,
    GOTRUE_URI_ALLOW_LIST: 'http://localhost:3000/**',
    GOTRUE_SECURITY_MANUAL_LINKING_ENABLED: 'true',
    // Spotify's addresses are never verified: without autoconfirm its sign-in ends in a confirmation mail.
    GOTRUE_MAILER_AUTOCONFIRM: 'true',
    ...providerEnv,
    ...env,
  });
  gateway.attach(t);
  return {
    t,
    fakes,
    origin: gateway.origin,
    close: async () => {
      await t.close();
      gateway.server.closeAllConnections();
      await new Promise<void>((resolve) => gateway.server.close(() => resolve()));
      await fakes.close();
    },
  };
}

export const newAccount = (overrides: Partial<Account> = {}): Account => {
  const id = String(randomInt(1_000_000, 2_000_000_000));
  const name = `Ada Person${id}`;
  // Apple's first callback carries the name (only there: its ID token has none).
  const appleUserField = JSON.stringify({ name: { firstName: 'Ada', lastName: `Person${id}` }, email: `person-${id}@example.com` });
  return { id, email: `person-${id}@example.com`, name, username: `ada${id}`, appleUserField, ...overrides };
};

export const client = (bench: ProviderBench): SupabaseClient =>
  createClient(bench.origin, bench.t.anonKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false, flowType: 'pkce' },
    realtime: { transport: WebSocket as unknown as WebSocketLikeConstructor },
  });

/**
 * A browser from `url` (Foyer's /authorize or the provider's page) through the provider to Foyer's
 * /callback, which must be the gateway's; returns where Foyer finally sends it (not followed).
 */
export async function browse(bench: ProviderBench, url: string): Promise<URL> {
  const callback = `${bench.origin}/auth/v1/callback`;
  let next = new URL(url);
  for (let step = 0; step < 6; step += 1) {
    const response = await fetch(next, { redirect: 'manual' });
    if (response.status >= 300 && response.status < 400) {
      const location = new URL(response.headers.get('location') as string, next);
      if (next.href.startsWith(callback)) return location;
      next = location;
      continue;
    }
    const html = await response.text();
    const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
    assert.ok(response.status === 200 && action, `${next.pathname} answered ${response.status}: ${html.slice(0, 300)}`);
    const target = action.replace(/&amp;/g, '&');
    assert.ok(target.startsWith(callback), `form_post goes to Foyer's callback, not ${target}`);
    const form = new URLSearchParams([...html.matchAll(/name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1], m[2].replace(/&quot;/g, '"').replace(/&amp;/g, '&')]));
    const posted = await fetch(target, { method: 'POST', body: form, redirect: 'manual' });
    assert.ok(posted.status === 302 || posted.status === 303, `POST /callback answered ${posted.status}`);
    return new URL(posted.headers.get('location') as string);
  }
  throw new Error('too many redirects');
}

/** Every expected identity_data key, compared one by one (GoTrue's other keys may be there too). */
export function assertIdentityData(actual: Record<string, unknown>, fixture: ProviderFixture, account: Account, base: string): void {
  for (const [key, value] of Object.entries(fixture.identity(account, base))) {
    assert.deepEqual(actual[key], value, `${fixture.name} identity_data.${key}`);
  }
  assert.equal(actual.provider_id, actual.sub, `${fixture.name} provider_id`);
}

export const landingError = (location: URL) => {
  const query = location.searchParams;
  const fragment = new URLSearchParams(location.hash.slice(1));
  return { code: query.get('error_code') ?? fragment.get('error_code'), description: query.get('error_description') ?? fragment.get('error_description') };
};
