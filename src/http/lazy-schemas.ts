/**
 * Schema compilers that compile a route's validator or response serializer on the route's first
 * request instead of at start. Fastify compiles every schema of every route when the app is built:
 * Ajv validators and fast-json-stringify serializers are generated source, compiled by V8 and kept
 * with their source text for good. Foyer builds two apps per project (GoTrue's routes alone for the
 * drop-in port, and the full app) with over a hundred routes each, and most of them (admin, MFA,
 * SSO, the OAuth server…) are never called on a given server: compiling them up front held about
 * 4 MB of an idle server's 96–100 MB (measured: `process.memoryUsage()` 12 s after start, PostgreSQL
 * mode, heap used 24.5 → 22.3 MB, resident 96–99 → 93–94 MB).
 *
 * The compilers are Fastify's own defaults (`@fastify/ajv-compiler`, `@fastify/fast-json-stringify-
 * compiler`) with the same options; only the moment changes. A first request pays its route's
 * compilation once (about a millisecond per schema). `compileAllSchemas` compiles everything at
 * once, for the test that proves every route's schemas still compile (test/security/schemas-compile).
 *
 * One difference Fastify makes for any custom validator compiler: it no longer lower-cases the
 * property names of a `headers` schema. Foyer's routes declare none (they read headers in their
 * handlers); the same test keeps it so.
 */
import ajvCompiler from '@fastify/ajv-compiler';
import serializerCompiler from '@fastify/fast-json-stringify-compiler';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';

type CompilersFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;
type ValidatorFactory = NonNullable<CompilersFactory['buildValidator']>;
type SerializerFactory = NonNullable<CompilersFactory['buildSerializer']>;
type Validate = ReturnType<ReturnType<ValidatorFactory>>;
type Serialize = ReturnType<ReturnType<SerializerFactory>>;

/** Every compilation put off so far, by the factories it came from: `compileAllSchemas` runs them. */
const pendingByFactories = new WeakMap<CompilersFactory, Set<() => void>>();
/** The factories each app was built with (`rememberSchemaCompilers`). */
const factoriesByApp = new WeakMap<FastifyInstance, CompilersFactory>();

/** `compile`, run on the first `get()`; listed in `pending` until then (`compileAllSchemas` runs it). */
function deferred<T>(compile: () => T, pending: Set<() => void>): { readonly get: () => T; readonly compiled: () => T | undefined } {
  let compiled: T | undefined;
  const get = (): T => {
    if (compiled === undefined) {
      compiled = compile();
      pending.delete(get);
    }
    return compiled;
  };
  pending.add(get);
  return { get, compiled: () => compiled };
}

/**
 * An Ajv validator that compiles on first use. Fastify calls it as `validate(data, { parentData,
 * parentDataProperty })` when it has `schemaEnv` (Ajv's own functions do: defaults on a root value need
 * the parent), then reads `errors` after a `false`: both are forwarded to the compiled function.
 */
function lazyValidator(compile: () => Validate, pending: Set<() => void>): Validate {
  const validator = deferred(compile, pending);
  const validate = ((data: unknown, context?: unknown) =>
    (validator.get() as (data: unknown, context?: unknown) => unknown)(data, context)) as unknown as Validate;
  Object.defineProperties(validate, {
    schemaEnv: { get: () => validator.get().schemaEnv },
    errors: { get: () => validator.compiled()?.errors ?? null },
  });
  return validate;
}

function lazySerializer(compile: () => Serialize, pending: Set<() => void>): Serialize {
  const serializer = deferred(compile, pending);
  return (document) => serializer.get()(document);
}

/** `schemaController.compilersFactory` for a Fastify instance: Fastify's compilers, run on first use. */
export function lazySchemaCompilers(): CompilersFactory {
  const pending = new Set<() => void>();
  const buildValidator = ajvCompiler();
  const buildSerializer = serializerCompiler();
  const factories: CompilersFactory = {
    buildValidator: (externalSchemas, options) => {
      const compilerFor = buildValidator(externalSchemas, options);
      return (route) => lazyValidator(() => compilerFor(route), pending);
    },
    buildSerializer: (externalSchemas, options) => {
      const compilerFor = buildSerializer(externalSchemas, options);
      return (route) => lazySerializer(() => compilerFor(route), pending);
    },
  };
  pendingByFactories.set(factories, pending);
  return factories;
}

/** Records that `app` was built with `factories`, for `compileAllSchemas`. */
export function rememberSchemaCompilers(app: FastifyInstance, factories: CompilersFactory): void {
  factoriesByApp.set(app, factories);
}

/**
 * Compiles every schema `app` has put off so far (call once it is ready: Fastify sets its routes up
 * then); throws the first failure. Returns how many it compiled.
 */
export function compileAllSchemas(app: FastifyInstance): number {
  const factories = factoriesByApp.get(app);
  const pending = [...((factories && pendingByFactories.get(factories)) ?? [])];
  for (const compile of pending) compile();
  return pending.length;
}
