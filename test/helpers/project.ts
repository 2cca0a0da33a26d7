/** A migrated project on a test database, its app (for inject) and its keys. */
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/load.js';
import { openProject, type Project } from '../../src/runtime.js';
import { openTestDatabase, type EngineName, type TestDatabase } from './engines.js';

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';

export interface TestProject {
  readonly engine: EngineName;
  readonly app: FastifyInstance;
  readonly project: Project;
  readonly database: TestDatabase;
  readonly anonKey: string;
  readonly serviceRoleKey: string;
  close(): Promise<void>;
}

/** `env` holds GoTrue variables as an operator would set them (strings). */
export async function createTestProject(engine: EngineName, env: Record<string, string> = {}): Promise<TestProject> {
  const database = await openTestDatabase(engine);
  try {
    const config = loadConfig({
      GOTRUE_JWT_SECRET: TEST_JWT_SECRET,
      GOTRUE_EXTERNAL_ANONYMOUS_USERS_ENABLED: 'true',
      // Every inject() comes from 127.0.0.1, so API tests would share one anonymous-sign-in bucket
      // (30/hour by default). Limits have their own tests (test/security/), which set them explicitly.
      GOTRUE_RATE_LIMIT_ANONYMOUS_USERS: '100000',
      ...(database.url ? { DATABASE_URL: database.url } : {}),
      ...env,
    });
    const project = await openProject(config, { db: database.db });
    const app = await buildApp({ deps: project.deps });
    await app.ready();
    return {
      engine,
      app,
      project,
      database,
      anonKey: project.apiKeys.anonKey,
      serviceRoleKey: project.apiKeys.serviceRoleKey,
      close: async () => {
        await app.close();
        await database.close();
      },
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}

export const versionHeaders = { 'x-supabase-api-version': '2024-01-01', 'content-type': 'application/json' };

/** Decodes a JWT's payload without verifying it (what a client does). */
export function decodeJwt(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as Record<string, unknown>;
}

export async function signUpAnonymously(app: FastifyInstance, data: Record<string, unknown> = {}) {
  const response = await app.inject({ method: 'POST', url: '/auth/v1/signup', headers: versionHeaders, payload: { data } });
  if (response.statusCode !== 200) throw new Error(`anonymous sign-up failed: ${response.statusCode} ${response.body}`);
  return response.json() as {
    access_token: string;
    refresh_token: string;
    expires_in: number;
    expires_at: number;
    user: { id: string; is_anonymous: boolean; [key: string]: unknown };
  };
}
