/**
 * Route schemas compile on each route's first request (src/http/lazy-schemas.ts), so a schema Ajv or
 * fast-json-stringify cannot compile would no longer stop the start: it would fail its route's first
 * request. This test compiles every schema of every app a server builds (the platform's front, a
 * project's full app and the drop-in port's GoTrue-only app) and fails on the first that does not
 * compile. It also checks what the lazy compilers change: nothing is compiled before a request needs it,
 * a request compiles only its own route's schemas, validation errors keep Ajv's messages, and no route
 * declares a `headers` schema (Fastify lower-cases those only for its own default compiler).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { compileAllSchemas } from '../../src/http/lazy-schemas.js';
import { registeredRoutes } from '../../src/http/route-table.js';
import { engines } from '../helpers/engines.js';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.js';
import { createTestProject, type TestProject } from '../helpers/project.js';

for (const engine of engines) {
  describe(`route schemas compile on first use (${engine})`, () => {
    let platform: TestPlatform;
    let project: TestProject;
    let gotrueOnly: FastifyInstance;

    before(async () => {
      platform = await createTestPlatform(engine);
      project = await createTestProject(engine);
      gotrueOnly = await buildApp({ deps: project.project.deps, surface: 'auth' });
      await gotrueOnly.ready();
    });
    after(async () => {
      await gotrueOnly?.close();
      await project?.close();
      await platform?.close();
    });

    it('every schema of the front, the full app and the GoTrue-only app compiles', () => {
      for (const [name, app] of [
        ['front', platform.front],
        ['full app', platform.platform.registry.default.app],
        ['GoTrue-only app', gotrueOnly],
      ] as const) {
        const compiled = compileAllSchemas(app);
        assert.ok(compiled > 0, `${name}: nothing was left to compile`);
        assert.equal(compileAllSchemas(app), 0, `${name}: compiled twice`);
      }
    });

    it('a request compiles its own route only, and validation keeps Ajv’s messages', async () => {
      const app = await buildApp({ deps: project.project.deps });
      try {
        await app.ready();
        const malformed = await app.inject({ method: 'POST', url: '/auth/v1/token?grant_type=refresh_token', headers: { apikey: project.anonKey }, payload: { refresh_token: 42 } });
        assert.equal(malformed.statusCode, 400);
        assert.match(malformed.json().msg, /refresh_token.*must be string/);
        const untouched = compileAllSchemas(app);
        const fresh = await buildApp({ deps: project.project.deps });
        try {
          await fresh.ready();
          // The first app compiled what that one request needed, and nothing else.
          assert.ok(compileAllSchemas(fresh) > untouched, 'the request compiled nothing of its own');
        } finally {
          await fresh.close();
        }
      } finally {
        await app.close();
      }
    });

    it('no route declares a headers schema', () => {
      for (const app of [platform.front, platform.platform.registry.default.app, gotrueOnly]) {
        const withHeaders = registeredRoutes(app).filter((route) => route.schema?.headers !== undefined);
        assert.deepEqual(withHeaders.map((route) => `${route.method} ${route.url}`), []);
      }
    });
  });
}
