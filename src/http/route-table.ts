/**
 * Every route an app registers, as Fastify announces them (onRoute), kept beside the app. Fastify has
 * no public list of its routes (printRoutes draws a tree that loses wildcard prefixes), and the route
 * fuzzer (test/security/fuzz-routes.test.ts) needs one, so a route added later is fuzzed without anyone
 * listing it.
 */
import type { FastifyInstance } from 'fastify';

export interface RegisteredRoute {
  readonly method: string;
  /** The full path with the prefixes of its plugins, e.g. `/auth/v1/admin/users/:id`. */
  readonly url: string;
}

const tables = new WeakMap<FastifyInstance, RegisteredRoute[]>();

/** Call on the root instance before any route is added: child plugins inherit the hook. */
export function recordRoutes(app: FastifyInstance): void {
  const table: RegisteredRoute[] = [];
  tables.set(app, table);
  app.addHook('onRoute', (route) => {
    for (const method of Array.isArray(route.method) ? route.method : [route.method]) table.push({ method, url: route.url });
  });
}

export const registeredRoutes = (app: FastifyInstance): readonly RegisteredRoute[] => tables.get(app) ?? [];
