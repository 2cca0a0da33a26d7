/**
 * Bad input to the Data API: unknown names, malformed syntax, injection attempts through every part of
 * the request, huge ranges, broken or foreign JWTs. Each answers a PostgREST-shaped 4xx (never a 500),
 * and the canary table proves no request ran SQL it did not ask for.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createSigner } from 'fast-jwt';
import type { LightMyRequestResponse } from 'fastify';
import { engines } from '../helpers/engines.js';
import { createTestProject, TEST_JWT_SECRET, type TestProject } from '../helpers/project.js';

const fixtureSql = `
  create table items (id int primary key, name text not null, data jsonb, tags text[]);
  create table canary (id int primary key);
  insert into canary values (1);
  insert into items values (1, 'plain', '{"a": 1}', '{x}'), (2, 'O''Brien; drop table canary; --', null, '{}'),
    (3, 'three', null, '{}'), (4, 'four', null, '{}'), (5, 'five', null, '{}');
  create function ping() returns text language sql stable as $$ select 'pong' $$;
`;

function expectError(response: LightMyRequestResponse, status: number, code?: string | RegExp): Record<string, unknown> {
  assert.equal(response.statusCode, status, `${response.statusCode}: ${response.body}`);
  const body = response.json() as Record<string, unknown>;
  assert.deepEqual(Object.keys(body).sort(), ['code', 'details', 'hint', 'message'], response.body);
  if (typeof code === 'string') assert.equal(body.code, code, response.body);
  else if (code) assert.match(String(body.code), code, response.body);
  assert.match(String(response.headers['content-type']), /^application\/json/);
  return body;
}

for (const engine of engines) {
  describe(`Data API bad input (${engine})`, () => {
    let t: TestProject;
    let key: Record<string, string>;
    const get = (url: string, headers: Record<string, string> = {}) => t.app.inject({ method: 'GET', url, headers: { ...key, ...headers } });
    const send = (method: 'POST' | 'PATCH' | 'DELETE', url: string, payload?: string, headers: Record<string, string> = {}) =>
      t.app.inject({ method, url, headers: { ...key, 'content-type': 'application/json', ...headers }, payload });

    before(async () => {
      t = await createTestProject(engine);
      await t.database.db.execScript(fixtureSql);
      key = { apikey: t.serviceRoleKey, authorization: `Bearer ${t.serviceRoleKey}` };
    });
    after(async () => {
      const rows = await t.database.db.query<{ n: number }>('select count(*)::int as n from canary');
      assert.equal(rows[0].n, 1, 'the canary table survived every request');
      await t.close();
    });

    it('unknown tables, columns, functions, relationships and paths', async () => {
      expectError(await get('/rest/v1/nope'), 404, 'PGRST205');
      const column = expectError(await get('/rest/v1/items?select=id,nope'), 400, '42703');
      assert.equal(column.message, 'column items.nope does not exist');
      expectError(await get('/rest/v1/items?nope=eq.1'), 400, '42703');
      expectError(await get('/rest/v1/items?order=nope.desc'), 400, '42703');
      expectError(await get('/rest/v1/items?select=id,canary(*)'), 400, 'PGRST200');
      expectError(await get('/rest/v1/items?canary.id=eq.1'), 400, 'PGRST108');
      expectError(await get('/rest/v1/rpc/nope'), 404, 'PGRST202');
      expectError(await get('/rest/v1/rpc/ping?arg=1'), 404, 'PGRST202');
      expectError(await get('/rest/v1/items/1/extra'), 404, 'PGRST125');
      expectError(await send('POST', '/rest/v1/items', '{"id": 9, "name": "x", "nope": 1}'), 400, 'PGRST204');
      expectError(await send('POST', '/rest/v1/items?columns=id,nope', '{"id": 9, "name": "x"}'), 400, 'PGRST204');
      expectError(await send('PATCH', '/rest/v1/items?id=eq.1', '{"nope": 1}'), 400, 'PGRST204');
      expectError(await get('/rest/v1/items', { 'accept-profile': 'auth' }), 406, 'PGRST106');
      expectError(await send('PATCH', '/rest/v1/rpc/ping', '{}'), 405, 'PGRST101');
      expectError(await t.app.inject({ method: 'PUT', url: '/rest/v1/items?id=eq.1', headers: key, payload: {} }), 405, 'PGRST117');
    });

    it('unknown operators and malformed filters, logic trees, order, select and ranges', async () => {
      for (const query of [
        'id=foo.1', 'id=eq', 'id=in.1,2', 'id=is.maybe', 'id=eq(some).{1}', 'id=cs(any).{1}', 'id=fts(bad-config).x',
        'or=(id.eq.1', 'or=id.eq.1', 'or=()', 'or=(id.eq.1,name)', 'and=(id.zz.1)', 'not.or=(id)',
        'order=id.sideways', 'order=id.asc.desc', 'order=', 'order=id,(',
        'select=id,(', 'select=id::', 'select=id::text;drop', 'select=a:', 'select=items(', 'select=id.nosuchagg()', 'select=data->',
        'limit=-1', 'limit=abc', 'offset=1.5', 'offset=99999999999999999999999', 'items.limit=x',
        `or=${'('.repeat(40)}id.eq.1${')'.repeat(40)}`, `select=${'a('.repeat(40)}id${')'.repeat(40)}`,
      ]) {
        const response = await get(`/rest/v1/items?${query.replace(/ /g, '%20')}`);
        assert.ok(response.statusCode >= 400 && response.statusCode < 500, `${query}: ${response.statusCode} ${response.body}`);
        expectError(response, response.statusCode, /^(PGRST1\d\d|42703|PGRST200)$/);
      }
      expectError(await get('/rest/v1/items?id=eq.abc'), 400, '22P02');
      expectError(await get('/rest/v1/items', { range: '5-1' }), 416, 'PGRST103');
      expectError(await get('/rest/v1/items?select=id,data::nosuchtype'), 400, '42704');
      expectError(await get('/rest/v1/items', { prefer: 'handling=strict, bogus=1' }), 400, 'PGRST122');
      expectError(await get('/rest/v1/items', { accept: 'text/html' }), 406, 'PGRST107');
    });

    it('injection attempts in column names, values, order, select and on_conflict run nothing', async () => {
      const attempts = [
        'select=id;drop table canary',
        'select=%22id%22%22;drop table canary;--%22',
        'select=id,x:name);drop table canary;--',
        'id);drop%20table%20canary;--=eq.1',
        '%22id%22%22%20or%201=1--=eq.1',
        'order=id;drop table canary',
        'order=id%20desc;drop%20table%20canary',
        'select=data->>x%27);drop table canary;--',
        'select=*,canary;drop(*)',
        'select=id::text);drop table canary;--',
      ];
      for (const query of attempts) {
        const response = await get(`/rest/v1/items?${query.replace(/ /g, '%20')}`);
        assert.ok(response.statusCode >= 400 && response.statusCode < 500, `${query}: ${response.statusCode} ${response.body}`);
        expectError(response, response.statusCode);
      }
      // Values are parameters: they match literally and never become SQL.
      const literal = await get(`/rest/v1/items?select=id&name=eq.${encodeURIComponent("O'Brien; drop table canary; --")}`);
      assert.deepEqual(literal.json(), [{ id: 2 }]);
      for (const value of ["x' or '1'='1", "x'); drop table canary; --", '1 or 1=1', '$1', "\\'; select pg_sleep(5); --"]) {
        const response = await get(`/rest/v1/items?select=id&name=eq.${encodeURIComponent(value)}`);
        assert.equal(response.statusCode, 200, response.body);
        assert.deepEqual(response.json(), []);
      }
      const inList = await get(`/rest/v1/items?select=id&name=in.(${encodeURIComponent('"x\'),drop table canary;--"')},plain)`);
      assert.deepEqual(inList.json(), [{ id: 1 }]);
      const jsonKey = await get(`/rest/v1/items?select=id,data->>${encodeURIComponent('"a\'); drop table canary; --"')}&id=eq.1`);
      assert.equal(jsonKey.statusCode, 200, jsonKey.body);
      const orValue = await get(`/rest/v1/items?select=id&or=(name.eq.${encodeURIComponent('"a,b); drop table canary"')},id.eq.3)`);
      assert.deepEqual(orValue.json(), [{ id: 3 }]);
      expectError(await send('POST', '/rest/v1/items?on_conflict=id);drop%20table%20canary;--', '{"id": 1, "name": "x"}', { prefer: 'resolution=merge-duplicates' }), 400, 'PGRST100');
      expectError(await send('POST', '/rest/v1/items?on_conflict=%22id);drop%20table%20canary;--%22', '{"id": 1, "name": "x"}', { prefer: 'resolution=merge-duplicates' }), 400, '42703');
      expectError(await send('POST', '/rest/v1/items?columns=id,name);drop%20table%20canary', '{"id": 1, "name": "x"}'), 400, /^PGRST/);
      expectError(await send('POST', '/rest/v1/items', '{"id": 9, "name); drop table canary; --": "x"}'), 400, 'PGRST204');
      expectError(await get('/rest/v1/items', { 'accept-profile': 'public"; drop table canary; --' }), 406, 'PGRST106');
      expectError(await get('/rest/v1/items?select=id&name=eq.%00'), 400, '22021');
      expectError(await get('/rest/v1/items?select=x%00:id'), 400, 'PGRST100');
      const stored = await send('POST', '/rest/v1/items', JSON.stringify({ id: 10, name: "Robert'); DROP TABLE canary;--" }), { prefer: 'return=representation' });
      assert.equal(stored.statusCode, 201, stored.body);
      assert.deepEqual(stored.json(), [{ id: 10, name: "Robert'); DROP TABLE canary;--", data: null, tags: null }]);
    });

    it('a huge limit is cut to the max-rows cap; a huge offset or range is refused or empty', async () => {
      const all = await get('/rest/v1/items?select=id&order=id&limit=99999999999999999999999');
      assert.equal(all.statusCode, 200, all.body);
      assert.ok((all.json() as unknown[]).length >= 5);
      const capped = await createTestProject(engine, { FOYER_REST_MAX_ROWS: '2' });
      try {
        await capped.database.db.execScript(fixtureSql);
        const response = await capped.app.inject({
          method: 'GET',
          url: '/rest/v1/items?select=id&order=id&limit=1000000',
          headers: { apikey: capped.serviceRoleKey, prefer: 'count=exact' },
        });
        assert.deepEqual(response.json(), [{ id: 1 }, { id: 2 }]);
        assert.equal(response.headers['content-range'], '0-1/5');
      } finally {
        await capped.close();
      }
      const beyond = await get('/rest/v1/items?select=id&offset=100000', { prefer: 'count=exact' });
      expectError(beyond, 416, 'PGRST103');
      const farRange = await get('/rest/v1/items?select=id', { range: '100000-99999999999999999999' });
      assert.equal(farRange.statusCode, 200, farRange.body);
    });

    it('bodies that are not JSON, not objects, or of the wrong media type', async () => {
      expectError(await send('POST', '/rest/v1/items', '{"id": '), 400, 'PGRST102');
      expectError(await send('POST', '/rest/v1/items', ''), 400, 'PGRST102');
      expectError(await send('POST', '/rest/v1/items', '"text"'), 400, 'PGRST102');
      expectError(await send('POST', '/rest/v1/items', '[1, 2]'), 400, 'PGRST102');
      expectError(await send('POST', '/rest/v1/items', '[{"id": 20, "name": "a"}, {"id": 21}]'), 400, 'PGRST102');
      expectError(await send('PATCH', '/rest/v1/items?id=eq.1', '[{"name": "a"}]'), 400, 'PGRST102');
      expectError(await send('POST', '/rest/v1/items', 'id,name\n1,a', { 'content-type': 'text/csv' }), 415, 'PGRST107');
      expectError(await send('PATCH', '/rest/v1/items', '{"name": "all"}'), 400, '21000');
      expectError(await send('DELETE', '/rest/v1/items'), 400, '21000');
      expectError(await send('POST', '/rest/v1/items', '{"id": 1, "name": "duplicate"}'), 409, '23505');
      expectError(await send('POST', '/rest/v1/items', '{"id": 30, "name": null}'), 400, '23502');
      expectError(await send('POST', '/rest/v1/rpc/ping', '{"x":'), 400, 'PGRST102');
    });

    it('invalid JWTs and apikeys', async () => {
      const bearer = (token: string) => t.app.inject({ method: 'GET', url: '/rest/v1/items', headers: { apikey: t.anonKey, authorization: `Bearer ${token}` } });
      const sign = (claims: Record<string, unknown>, secret = TEST_JWT_SECRET) => createSigner({ key: secret, algorithm: 'HS256' })(claims);
      const now = Math.floor(Date.now() / 1000);
      const garbage = expectError(await bearer('not-a-jwt'), 401, 'PGRST301');
      assert.ok(garbage.message);
      expectError(await bearer('a.b.c'), 401, 'PGRST301');
      expectError(await bearer(sign({ role: 'service_role', exp: now + 60 }, 'another-secret-that-is-long-enough-0123456789')), 401, 'PGRST301');
      expectError(await bearer(sign({ role: 'authenticated', exp: now - 60 })), 401, 'PGRST303');
      const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from('{"role":"service_role"}').toString('base64url')}.`;
      expectError(await bearer(none), 401, 'PGRST301');
      const ghost = expectError(await bearer(sign({ role: 'ghost', exp: now + 60 })), 401, '22023');
      assert.equal(ghost.message, 'role "ghost" does not exist');
      expectError(await bearer(sign({ role: 'anon"; drop table canary; --', exp: now + 60 })), 401, '22023');
      expectError(await bearer(sign({ role: 'postgres', exp: now + 60 })), 403, '42501');
      expectError(await bearer(sign({ role: 42, exp: now + 60 })), 401, 'PGRST301');
      const response = await t.app.inject({ method: 'GET', url: '/rest/v1/items', headers: { apikey: 'garbage', authorization: `Bearer ${t.serviceRoleKey}` } });
      expectError(response, 401, 'PGRST301');
      assert.match(String(response.headers['www-authenticate']), /^Bearer/);
      expectError(await t.app.inject({ method: 'GET', url: '/rest/v1/items' }), 401, 'PGRST302');
      const viaParam = await t.app.inject({ method: 'GET', url: `/rest/v1/items?select=id&id=eq.1&apikey=${t.serviceRoleKey}` });
      assert.equal(viaParam.statusCode, 200, viaParam.body);
    });
  });
}
