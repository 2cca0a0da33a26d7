/**
 * Which bucket a request counts against: the socket address, or behind FOYER_TRUSTED_PROXIES the
 * right-most untrusted X-Forwarded-For hop (or GOTRUE_RATE_LIMIT_HEADER); IPv6 per /64. Spoofed,
 * garbage and very long headers must not let a client choose or multiply its buckets. Requests go
 * through inject() with a chosen peer address; rate-limit.test.ts drives real sockets.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { normalizeIp, rateLimitKey } from '../../src/security/client-ip.js';
import { engines } from '../helpers/engines.js';
import { createTestProject, versionHeaders, type TestProject } from '../helpers/project.js';

const times = <T>(n: number, make: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => make(i));

for (const engine of engines) {
  describe(`client IP without trusted proxies (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, { GOTRUE_RATE_LIMIT_ANONYMOUS_USERS: '3', GOTRUE_RATE_LIMIT_HEADER: 'X-Real-IP' });
    });
    after(() => t.close());

    it('ignores X-Forwarded-For and GOTRUE_RATE_LIMIT_HEADER from an untrusted peer: spoofing does not change the bucket', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i += 1) {
        const response = await t.app.inject({
          method: 'POST',
          url: '/auth/v1/signup',
          remoteAddress: '192.0.2.50',
          headers: { ...versionHeaders, 'x-forwarded-for': `198.51.100.${i}`, 'x-real-ip': `203.0.113.${i}` },
          payload: {},
        });
        statuses.push(response.statusCode);
      }
      assert.deepEqual(statuses, [200, 200, 200, 429, 429, 429]);
      const status = await t.app.inject({ method: 'GET', url: '/auth/v1/admin/protection', headers: { authorization: `Bearer ${t.serviceRoleKey}` } });
      const body = status.json();
      assert.equal(body.rate_limits.client_ip.source, 'socket');
      assert.equal(body.rate_limits.client_ip.rate_limit_header_used, false);
      assert.ok(body.warnings.some((w: string) => w.includes('GOTRUE_RATE_LIMIT_HEADER=x-real-ip is ignored')));
    });
  });

  describe(`client IP behind trusted proxies (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, { GOTRUE_RATE_LIMIT_ANONYMOUS_USERS: '2', FOYER_TRUSTED_PROXIES: '10.0.0.0/8' });
    });
    after(() => t.close());

    const viaProxy = (xff: string | undefined, remoteAddress = '10.0.0.2') =>
      t.app
        .inject({
          method: 'POST',
          url: '/auth/v1/signup',
          remoteAddress,
          headers: { ...versionHeaders, ...(xff === undefined ? {} : { 'x-forwarded-for': xff }) },
          payload: {},
        })
        .then((response) => response.statusCode);

    it('keys on the right-most untrusted X-Forwarded-For hop; what the client prepends is ignored', async () => {
      assert.deepEqual([await viaProxy('198.51.100.1'), await viaProxy('198.51.100.1'), await viaProxy('198.51.100.1')], [200, 200, 429]);
      assert.equal(await viaProxy('198.51.100.2'), 200, 'another client behind the proxy has its own bucket');
      const spoofs = ['1.1.1.1', '8.8.8.8', '9.9.9.9'].map((spoof) => `${spoof}, 198.51.100.3`);
      assert.deepEqual([await viaProxy(spoofs[0]), await viaProxy(spoofs[1]), await viaProxy(spoofs[2])], [200, 200, 429]);
    });

    it('walks through many trusted hops, whatever the client put before them', async () => {
      const chain = (spoofs: number) => [...times(spoofs, (i) => `192.0.2.${i % 250}`), '198.51.100.4', '10.0.0.7', '10.9.9.9'].join(', ');
      assert.deepEqual([await viaProxy(chain(500)), await viaProxy(chain(3)), await viaProxy(chain(0))], [200, 200, 429]);
    });

    it('never mints a bucket from garbage: an unparseable hop falls back to the proxy that sent it', async () => {
      const garbage = ['garbage', '%%%', ', , ', '999.1.1.1', '198.51.100.5 extra', 'unknown, 10.1.1.1'];
      const statuses = [];
      for (const xff of garbage) statuses.push(await viaProxy(xff, '10.1.1.1'));
      assert.deepEqual(statuses, [200, 200, 429, 429, 429, 429]);
    });

    it('limits IPv6 clients per /64 and treats IPv4-mapped addresses as IPv4', async () => {
      assert.deepEqual(
        [await viaProxy('2001:db8:1:2::1'), await viaProxy('2001:DB8:1:2:ffff:ffff:ffff:ffff'), await viaProxy('2001:db8:1:2::abcd')],
        [200, 200, 429],
      );
      assert.equal(await viaProxy('2001:db8:1:3::1'), 200, 'the next /64 is another client');
      assert.deepEqual([await viaProxy('::ffff:198.51.100.7'), await viaProxy('198.51.100.7'), await viaProxy('::ffff:c633:6407')], [200, 200, 429]);
    });

    it('ignores X-Forwarded-For when the peer itself is not a trusted proxy', async () => {
      assert.deepEqual(
        [await viaProxy('198.51.100.20', '192.0.2.99'), await viaProxy('198.51.100.21', '192.0.2.99'), await viaProxy('198.51.100.22', '192.0.2.99')],
        [200, 200, 429],
      );
    });

    it('does not limit admin-role callers (service_role)', async () => {
      const asAdmin = () =>
        t.app
          .inject({
            method: 'POST',
            url: '/auth/v1/signup',
            remoteAddress: '192.0.2.123',
            headers: { ...versionHeaders, authorization: `Bearer ${t.serviceRoleKey}` },
            payload: {},
          })
          .then((response) => response.statusCode);
      assert.deepEqual([await asAdmin(), await asAdmin(), await asAdmin()], [200, 200, 200]);
      const plain = () => viaProxy(undefined, '192.0.2.123');
      assert.deepEqual([await plain(), await plain(), await plain()], [200, 200, 429], 'admin calls consumed nothing');
    });

    it('records the client address on the session', async () => {
      const response = await t.app.inject({
        method: 'POST',
        url: '/auth/v1/signup',
        remoteAddress: '10.0.0.2',
        headers: { ...versionHeaders, 'x-forwarded-for': '198.51.100.30' },
        payload: {},
      });
      assert.equal(response.statusCode, 200);
      const rows = await t.database.db.query<{ ip: string }>('select host(ip) as ip from auth.sessions where user_id = $1', [response.json().user.id]);
      assert.equal(rows[0].ip, '198.51.100.30');
    });
  });

  describe(`GOTRUE_RATE_LIMIT_HEADER behind trusted proxies (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, {
        GOTRUE_RATE_LIMIT_ANONYMOUS_USERS: '1',
        FOYER_TRUSTED_PROXIES: '10.0.0.0/8, loopback',
        GOTRUE_RATE_LIMIT_HEADER: 'CF-Connecting-IP',
      });
    });
    after(() => t.close());

    const send = (headers: Record<string, string>, remoteAddress = '10.0.0.2') =>
      t.app
        .inject({ method: 'POST', url: '/auth/v1/signup', remoteAddress, headers: { ...versionHeaders, ...headers }, payload: {} })
        .then((response) => response.statusCode);

    it('keys on the first value of that header, and only from a trusted peer', async () => {
      assert.equal(await send({ 'cf-connecting-ip': '198.51.100.40, 10.0.0.1' }), 200);
      assert.equal(await send({ 'cf-connecting-ip': '198.51.100.40', 'x-forwarded-for': '198.51.100.99' }), 429);
      assert.equal(await send({ 'cf-connecting-ip': '198.51.100.41' }), 200);
      // Absent or garbage: X-Forwarded-For through the trusted proxies, as without the header.
      assert.equal(await send({ 'x-forwarded-for': '198.51.100.42' }), 200);
      assert.equal(await send({ 'cf-connecting-ip': 'garbage', 'x-forwarded-for': '198.51.100.42' }), 429);
      // From an untrusted peer the header means nothing.
      assert.equal(await send({ 'cf-connecting-ip': '198.51.100.43' }, '192.0.2.7'), 200);
      assert.equal(await send({ 'cf-connecting-ip': '198.51.100.44' }, '192.0.2.7'), 429);
    });
  });

}

describe('client addresses and buckets', () => {
  it('normalises addresses', () => {
    assert.equal(normalizeIp('::ffff:127.0.0.1'), '127.0.0.1');
    assert.equal(normalizeIp('::FFFF:7f00:1'), '127.0.0.1');
    assert.equal(normalizeIp('fe80::1%eth0'), 'fe80::1');
    assert.equal(normalizeIp(' 2001:DB8::1 '), '2001:db8::1');
    assert.equal(normalizeIp('garbage'), null);
    assert.equal(normalizeIp('1.2.3.4:80'), null);
    assert.equal(normalizeIp(''), null);
  });

  it('keys IPv4 by address and IPv6 by /64', () => {
    assert.equal(rateLimitKey('198.51.100.1'), '198.51.100.1');
    assert.equal(rateLimitKey('2001:db8:1:2::1'), '2001:db8:1:2::/64');
    assert.equal(rateLimitKey('2001:0db8:0001:0002:ffff:ffff:ffff:ffff'), '2001:db8:1:2::/64');
    assert.equal(rateLimitKey('::1'), '0:0:0:0::/64');
    assert.equal(rateLimitKey('::ffff:10.0.0.1'), '10.0.0.1');
    assert.equal(rateLimitKey('1::'), '1:0:0:0::/64');
  });
});

