/**
 * Which `redirect_to` URLs a flow may send the browser to, pinned to GoTrue's rules: the SITE_URL site
 * (scheme, host and port; any port only for loopback hosts), IP hosts only when loopback, and
 * GOTRUE_URI_ALLOW_LIST globs where `*` and `?` stop at `.` and `/` and `**` crosses them. An open
 * redirect hands the tokens in the link to whoever owns the target, so every row goes through the
 * public surface: GET /verify answers 303 to the redirect it settled on.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { engines } from '../helpers/engines.js';
import { createTestProject, TEST_JWT_SECRET, type TestProject } from '../helpers/project.js';

interface Row {
  readonly redirectTo: string;
  readonly allowed: boolean;
  readonly why: string;
}

interface Case {
  readonly siteUrl: string;
  readonly allowList: readonly string[];
  readonly rows: readonly Row[];
}

const allow = (redirectTo: string, why: string): Row => ({ redirectTo, allowed: true, why });
const refuse = (redirectTo: string, why: string): Row => ({ redirectTo, allowed: false, why });

const cases: readonly Case[] = [
  {
    siteUrl: 'https://app.example.com/app',
    allowList: [
      'https://*.example.org/callback',
      'https://**.example.net/**',
      'myapp://callback',
      'https://preview-??.example.dev/done',
      'https://tenant[0-9].example.io/done',
      'https://tenant[!0-9].example.io/done',
      'https://exact.example.se/cb',
    ],
    rows: [
      allow('https://app.example.com/other/path?x=1', 'SITE_URL site, any path: its path is no prefix rule'),
      refuse('http://app.example.com/other', 'SITE_URL host with another scheme'),
      refuse('https://app.example.com:8443/other', 'SITE_URL host with another port (not loopback)'),
      refuse('https://app.example.com.evil.com/other', 'SITE_URL as a string prefix of a foreign host'),
      refuse('https://app.example.com@evil.com/other', 'SITE_URL host as user info of a foreign host'),
      refuse('https://evil.com/https://app.example.com/app', 'SITE_URL inside a foreign path'),
      allow('https://a.example.org/callback', '`*` matches one label'),
      refuse('https://a.b.example.org/callback', '`*` does not cross `.`'),
      refuse('https://a/b.example.org/callback', '`*` does not cross `/`'),
      refuse('https://evil.com/.example.org/callback', '`*` does not cross `.` or `/`'),
      refuse('https://a.example.org/callback/more', 'a glob without `**` is matched whole'),
      allow('https://a.b.example.net/x/y', '`**` crosses `.` and `/`'),
      allow('https://example.org.b.example.net/', '`**` crosses `.`'),
      refuse('https://example.net.evil.com/', '`**` still needs the rest of the glob'),
      allow('myapp://callback', 'a custom scheme on the allow list'),
      refuse('myapp://callback/else', 'a custom scheme is matched whole'),
      refuse('otherapp://callback', 'a custom scheme not on the list'),
      allow('https://preview-42.example.dev/done', '`?` is one character'),
      refuse('https://preview-4.example.dev/done', '`??` needs two characters'),
      refuse('https://preview-4..example.dev/done', '`?` does not match `.`'),
      allow('https://tenant7.example.io/done', '`[0-9]` matches a digit'),
      allow('https://tenantx.example.io/done', '`[!0-9]` matches a non-digit'),
      allow('https://exact.example.se/cb#fragment', 'the fragment is not part of the match'),
      refuse('https://exact.example.se/cb?next=1', 'the query is part of the match'),
      refuse('https://EXACT.example.se/cb', 'globs are case-sensitive'),
      refuse('https://exact.example.se:444/cb', 'a port the glob does not name'),
      refuse('https://10.0.0.1/callback', 'a non-loopback IP address'),
      refuse('https://2130706433/callback', 'a host written as one decimal number'),
      refuse('https://exa_mple.example.org/callback', 'an http(s) host with unusual characters'),
      refuse('not a url', 'not an absolute URL'),
      refuse('//evil.com/callback', 'a scheme-relative URL'),
      refuse('javascript:alert(1)', 'a javascript: URL'),
    ],
  },
  {
    siteUrl: 'https://example.com:8443',
    allowList: [],
    rows: [
      allow('https://example.com:8443/callback', 'SITE_URL host and port'),
      refuse('https://example.com:9000/callback', 'another port: the any-port rule is for loopback hosts only'),
      refuse('https://example.com/callback', 'no port where SITE_URL names one'),
      refuse('http://example.com:8443/callback', 'another scheme'),
      refuse('https://sub.example.com:8443/callback', 'a subdomain of SITE_URL'),
    ],
  },
  {
    siteUrl: 'https://example.com',
    allowList: [],
    rows: [
      allow('https://example.com/callback', 'SITE_URL host'),
      refuse('https://example.com:8443/callback', 'a port where SITE_URL has none'),
      refuse('https://localhost:8443/callback', 'a loopback host that is not SITE_URL\'s host'),
    ],
  },
  {
    siteUrl: 'http://localhost:3000',
    allowList: [],
    rows: [
      allow('http://localhost:3000/callback', 'SITE_URL itself'),
      allow('http://localhost:8080/callback', 'loopback SITE_URL host: any port (RFC 8252)'),
      allow('http://localhost/callback', 'loopback SITE_URL host: no port'),
      refuse('https://localhost:8080/callback', 'loopback host with another scheme'),
      allow('http://127.0.0.1:9999/callback', 'a loopback IP address'),
      allow('http://[::1]:9999/callback', 'the IPv6 loopback address'),
      refuse('http://192.168.1.10:3000/callback', 'a private, not loopback, IP address'),
      refuse('http://2130706433:3000/callback', 'a decimal host, even one that means 127.0.0.1'),
      refuse('http://evil.com:3000/callback', 'a foreign host on SITE_URL\'s port'),
    ],
  },
];

/** Scheme, host and path: what decides where the browser lands. */
const landing = (url: string): string => {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
};

for (const engine of engines) {
  for (const { siteUrl, allowList, rows } of cases) {
    describe(`redirect_to with SITE_URL ${siteUrl} and ${allowList.length} allow-list globs (${engine})`, () => {
      let t: TestProject;
      before(async () => {
        t = await createTestProject(engine, {
          GOTRUE_SITE_URL: siteUrl,
          GOTRUE_URI_ALLOW_LIST: allowList.join(','),
          GOTRUE_RATE_LIMIT_VERIFY: '100000',
        });
      });
      after(() => t.close());

      for (const { redirectTo, allowed, why } of rows) {
        it(`${allowed ? 'allows' : 'refuses'} ${redirectTo}: ${why}`, async () => {
          const response = await t.app.inject({ method: 'GET', url: `/auth/v1/verify?${new URLSearchParams({ redirect_to: redirectTo })}` });
          assert.equal(response.statusCode, 303, response.body);
          const location = String(response.headers.location);
          assert.equal(landing(location), landing(allowed ? redirectTo : siteUrl), location);
        });
      }
    });
  }
}

// The list is split at every comma first, as GoTrue splits it, so `{one,two}` arrives as two broken globs.
describe('GOTRUE_URI_ALLOW_LIST globs GoTrue cannot compile', () => {
  for (const glob of ['https://[a-z.example.com/', 'https://{one.example.com/', 'https://{one,two}.example.com/']) {
    it(`stop the start: ${glob}`, () => {
      assert.throws(
        () => loadConfig({ GOTRUE_JWT_SECRET: TEST_JWT_SECRET, GOTRUE_URI_ALLOW_LIST: glob }),
        (error: Error) => error.message.includes('GOTRUE_URI_ALLOW_LIST'),
      );
    });
  }
});
