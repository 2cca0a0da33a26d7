/**
 * Every route an app registers, as Fastify announces them (onRoute), kept beside the app. Fastify has
 * no public list of its routes (printRoutes draws a tree that loses wildcard prefixes), and the route
 * fuzzer (test/security/fuzz-routes.test.ts) and the API description (GET /openapi.json,
 * src/http/openapi/) need one, so a route added later is fuzzed and described without anyone listing it.
 */
import type { FastifyInstance, FastifySchema } from 'fastify';

declare module 'fastify' {
  /** What the API description reads beside the schemas Fastify validates with (Fastify ignores these). */
  interface FastifySchema {
    /** One line saying what the route does. */
    summary?: string;
    description?: string;
    /** The route's area in the description, when its path alone does not say it (src/http/openapi/areas.ts). */
    tags?: readonly string[];
  }
}

export interface RegisteredRoute {
  readonly method: string;
  /** The full path with the prefixes of its plugins, e.g. `/auth/v1/admin/users/:id`. */
  readonly url: string;
  /** The route's schema as registered (body, querystring, params, response, summary), if it has one. */
  readonly schema?: FastifySchema;
}

const tables = new WeakMap<FastifyInstance, RegisteredRoute[]>();

/** Call on the root instance before any route is added: child plugins inherit the hook. */
export function recordRoutes(app: FastifyInstance): void {
  const table: RegisteredRoute[] = [];
  tables.set(app, table);
  app.addHook('onRoute', (route) => {
    for (const method of Array.isArray(route.method) ? route.method : [route.method]) {
      table.push({ method, url: route.url, ...(route.schema ? { schema: route.schema } : {}) });
    }
  });
}

export const registeredRoutes = (app: FastifyInstance): readonly RegisteredRoute[] => tables.get(app) ?? [];
