/**
 * GET /openapi.json: the description of the whole API, built from the routes the server registered.
 * Checked against the server's own route tables (so a route added later cannot be left out), for the
 * shape OpenAPI 3.1 requires (paths, operations, declared path parameters, JSON Schema 2020-12 schemas
 * that compile), for what the schemas say (the limits the server validates), and for where it is served.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { FastifyInstance } from 'fastify';
import { buildOpenApiDocument } from '../../src/http/openapi/document.js';
import { FIELD_LIMITS } from '../../src/http/schemas.js';
import { buildFront } from '../../src/http/platform/front.js';
import { registeredRoutes, type RegisteredRoute } from '../../src/http/route-table.js';
import { FOYER_VERSION } from '../../src/version.js';
import { engines } from '../helpers/engines.js';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.js';
import { createTestProject } from '../helpers/project.js';

interface Operation {
  operationId: string;
  tags: string[];
  summary: string;
  parameters?: { name: string; in: string; required: boolean; schema: Record<string, unknown> }[];
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: Record<string, unknown> }> }>;
}
type PathItem = Record<string, Operation> & { 'x-other-methods'?: string[] };
interface Document {
  openapi: string;
  info: { title: string; version: string; description: string };
  tags: { name: string; description: string }[];
  paths: Record<string, PathItem>;
  components: { schemas: Record<string, Record<string, unknown>>; securitySchemes: Record<string, unknown> };
}

const OPERATIONS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
/** Fastify's `:name` is OpenAPI's `{name}`; a trailing wildcard is the rest of the path. */
const templated = (url: string) => url.replace(/:(\w+)/g, '{$1}').replace(/\*$/, '{path}');

/** Where the description lists a registered route: HEAD with GET, GoTrue's root routes under /auth/v1. */
function listedAs(route: RegisteredRoute, all: ReadonlySet<string>): { method: string; path: string } {
  const method = route.method === 'HEAD' && all.has(`GET ${route.url}`) ? 'GET' : route.method;
  const underPrefix = !route.url.startsWith('/auth/v1') && all.has(`${route.method} /auth/v1${route.url}`);
  return { method, path: templated(underPrefix ? `/auth/v1${route.url}` : route.url) };
}

for (const engine of engines) {
  describe(`the API description (${engine})`, () => {
    let t: TestPlatform;
    let document: Document;
    let routes: RegisteredRoute[];

    before(async () => {
      t = await createTestPlatform(engine);
      const response = await t.front.inject({ method: 'GET', url: '/openapi.json' });
      assert.equal(response.statusCode, 200, response.body);
      document = response.json() as Document;
      routes = [...registeredRoutes(t.front), ...registeredRoutes(t.platform.registry.default.app)];
    });
    after(() => t.close());

    it('is served at GET /openapi.json as an OpenAPI document (application/vnd.oai.openapi+json, version 3.1)', async () => {
      const response = await t.front.inject({ method: 'GET', url: '/openapi.json' });
      const [mediaType, ...parameters] = String(response.headers['content-type']).split(';').map((part) => part.trim());
      assert.equal(mediaType, 'application/vnd.oai.openapi+json');
      assert.ok(parameters.includes('version="3.1"') || parameters.includes('version=3.1'), String(response.headers['content-type']));
      assert.equal(document.openapi, '3.1.0');
      assert.equal(document.info.title, 'Foyer');
      assert.equal(document.info.version, FOYER_VERSION);
      assert.match(document.info.description, /\/rest\/v1\//, 'it points at the Data API’s own description');
    });

    it('is served over a connection too, where the front hands everything it does not serve to the project', async () => {
      await t.front.listen({ port: 0, host: '127.0.0.1' });
      const { port } = t.front.server.address() as AddressInfo;
      const response = await fetch(`http://127.0.0.1:${port}/openapi.json`);
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /^application\/vnd\.oai\.openapi\+json;/);
      assert.equal(((await response.json()) as Document).openapi, '3.1.0');
      assert.equal((await fetch(`http://127.0.0.1:${port}/auth/v1/health`)).status, 200);
    });

    it('lists every route the server registered, and nothing else', () => {
      const all = new Set(routes.map((route) => `${route.method} ${route.url}`));
      let checked = 0;
      for (const route of routes) {
        // CORS preflight answers OPTIONS on every path; the description says so instead of listing `*`.
        if (route.method === 'OPTIONS' && route.url === '*') continue;
        const { method, path } = listedAs(route, all);
        const item = document.paths[path];
        assert.ok(item, `${route.method} ${route.url}: no path ${path}`);
        const listed = OPERATIONS.includes(method.toLowerCase()) ? Boolean(item[method.toLowerCase()]) : Boolean(item['x-other-methods']?.includes(method));
        assert.ok(listed, `${route.method} ${route.url}: ${path} has no ${method}`);
        checked += 1;
      }
      assert.ok(checked > 150, `only ${checked} routes checked`);
      // The other way: every operation is a route the server has (under /auth/v1 or at the root).
      for (const [path, item] of Object.entries(document.paths)) {
        for (const method of Object.keys(item).filter((key) => OPERATIONS.includes(key))) {
          const registered = routes.some((route) => templated(route.url) === path && route.method.toLowerCase() === method);
          assert.ok(registered, `${method.toUpperCase()} ${path} is described but not registered`);
        }
      }
      for (const [method, path] of [
        ['post', '/auth/v1/signup'], ['post', '/auth/v1/token'], ['put', '/auth/v1/admin/users/{id}'], ['get', '/metrics'], ['get', '/openapi.json'],
        ['post', '/platform/v1/projects/{ref}/invite'],
      ]) {
        assert.ok(document.paths[path]?.[method], `${method} ${path}`);
      }
      // The Data API is described where it is served: the embedded default project has it; the drop-in
      // one (PostgreSQL here) only with a login of its own (FOYER_REST_DATABASE_URL). The next test
      // describes a project app that serves it, on both engines.
      const servesDataApi = routes.some((route) => route.url === '/rest/v1/:relation');
      assert.equal(Boolean(document.paths['/rest/v1/{relation}']), servesDataApi);
    });

    it('describes the Data API routes of an app that serves them (each project’s own app)', async () => {
      const project = await createTestProject(engine);
      try {
        const described = buildOpenApiDocument(registeredRoutes(project.app));
        for (const method of ['get', 'post', 'patch', 'delete']) {
          const operation = described.paths['/rest/v1/{relation}'][method];
          assert.equal(operation?.tags[0], 'data-api');
          assert.deepEqual(operation?.responses['4XX'].content?.['application/json'].schema, { $ref: '#/components/schemas/PostgrestError' });
        }
        assert.deepEqual(described.paths['/rest/v1/rpc/{fn}'].post?.parameters, [{ name: 'fn', in: 'path', required: true, schema: { type: 'string' } }]);
      } finally {
        await project.close();
      }
    });

    it('has the shape OpenAPI 3.1 asks for: path parameters declared, unique operation ids, summaries, responses, known tags', () => {
      const tags = new Set(document.tags.map((tag) => tag.name));
      assert.deepEqual([...tags].sort(), ['admin', 'auth', 'data-api', 'ops', 'platform']);
      const ids = new Set<string>();
      for (const [path, item] of Object.entries(document.paths)) {
        assert.match(path, /^\//);
        const templateNames = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]);
        for (const [method, operation] of Object.entries(item).filter(([key]) => OPERATIONS.includes(key)) as [string, Operation][]) {
          const where = `${method.toUpperCase()} ${path}`;
          assert.ok(operation.summary.trim(), `${where}: a summary`);
          assert.ok(!ids.has(operation.operationId), `${where}: operationId ${operation.operationId} is unique`);
          ids.add(operation.operationId);
          assert.ok(operation.tags.length === 1 && tags.has(operation.tags[0]), `${where}: tag ${operation.tags}`);
          assert.ok(Object.keys(operation.responses).length > 0, `${where}: responses`);
          const inPath = (operation.parameters ?? []).filter((parameter) => parameter.in === 'path');
          assert.deepEqual(inPath.map((parameter) => parameter.name).sort(), [...templateNames].sort(), `${where}: path parameters`);
          assert.ok(inPath.every((parameter) => parameter.required === true), `${where}: path parameters are required`);
          const names = (operation.parameters ?? []).map((parameter) => `${parameter.in}:${parameter.name}`);
          assert.equal(new Set(names).size, names.length, `${where}: no parameter twice`);
        }
      }
    });

    it('holds schemas that compile as JSON Schema 2020-12, and every $ref resolves', () => {
      const ajv = new Ajv2020({ strict: true, allErrors: true });
      for (const [name, schema] of Object.entries(document.components.schemas)) ajv.addSchema(schema, `#/components/schemas/${name}`);
      let compiled = 0;
      const compile = (schema: Record<string, unknown>, where: string) => {
        const ref = schema.$ref;
        if (typeof ref === 'string') {
          assert.ok(ref.startsWith('#/components/schemas/') && document.components.schemas[ref.slice('#/components/schemas/'.length)], `${where}: ${ref}`);
          return;
        }
        assert.doesNotThrow(() => ajv.compile(schema), `${where}`);
        compiled += 1;
      };
      for (const [path, item] of Object.entries(document.paths)) {
        for (const [method, operation] of Object.entries(item).filter(([key]) => OPERATIONS.includes(key)) as [string, Operation][]) {
          const where = `${method.toUpperCase()} ${path}`;
          for (const parameter of operation.parameters ?? []) compile(parameter.schema, `${where} ${parameter.name}`);
          for (const media of Object.values(operation.requestBody?.content ?? {})) compile(media.schema, `${where} body`);
          for (const [status, response] of Object.entries(operation.responses)) {
            for (const media of Object.values(response.content ?? {})) compile(media.schema, `${where} ${status}`);
          }
        }
      }
      assert.ok(compiled > 50, `only ${compiled} schemas`);
    });

    it('says what the server validates: bodies, query strings and limits from the routes’ own schemas', () => {
      const signup = document.paths['/auth/v1/signup'].post;
      const body = signup.requestBody?.content['application/json'].schema as { properties: Record<string, { anyOf?: Record<string, unknown>[] }> };
      assert.ok(body.properties.email && body.properties.gotrue_meta_security);
      assert.deepEqual(body.properties.channel.anyOf?.[0], { maxLength: FIELD_LIMITS.name, type: 'string' });
      const redirect = signup.parameters?.find((parameter) => parameter.name === 'redirect_to');
      assert.deepEqual(redirect, { name: 'redirect_to', in: 'query', required: false, schema: { maxLength: FIELD_LIMITS.url, type: 'string' } });
      const user = document.paths['/auth/v1/user'].get.responses['200'].content?.['application/json'].schema as { properties: Record<string, unknown> };
      assert.ok(user.properties.is_anonymous && user.properties.user_metadata);
      // Routes without schemas are listed with their method, a summary and the error shape of their area.
      const projects = document.paths['/platform/v1/projects/{ref}'].delete;
      assert.equal(projects.tags[0], 'platform');
      assert.match(projects.summary, /Delete a project/);
      assert.deepEqual(projects.responses['4XX'].content?.['application/json'].schema, { $ref: '#/components/schemas/PlatformError' });
      assert.deepEqual(document.paths['/auth/v1/admin/users'].get.responses['4XX'].content?.['application/json'].schema, { $ref: '#/components/schemas/GoTrueError' });
    });

    it('is not on the drop-in auth listener, which serves GoTrue’s routes only', async () => {
      const authListener: FastifyInstance = await buildFront(t.platform, { serves: 'gotrue' });
      try {
        const response = await authListener.inject({ method: 'GET', url: '/openapi.json', headers: { 'x-supabase-api-version': '2024-01-01' } });
        assert.equal(response.statusCode, 404, response.body);
        assert.equal((response.json() as { code: string }).code, 'not_found');
      } finally {
        await authListener.close();
      }
    });
  });
}
