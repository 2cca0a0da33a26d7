/**
 * The platform in-process: a default project on a test database (as `foyer start` opens it), the
 * platform around it and the front app, driven with inject(). New projects get an embedded database
 * in a temporary FOYER_DATA_DIR (PGlite engine) or a fresh PostgreSQL database of their own.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { loadConfig } from '../../src/config/load.js';
import { buildFront } from '../../src/http/platform/front.js';
import { Platform } from '../../src/platform/platform.js';
import { openProject, type Project } from '../../src/runtime.js';
import { createPostgresDatabase, openTestDatabase, type EngineName, type TestDatabase } from './engines.js';
import { TEST_JWT_SECRET } from './project.js';

export const TEST_MASTER_KEY = 'test-master-key-0123456789-abcdefghijklmnop';
export const ADMIN = { email: 'ops@example.com', password: 'correct horse battery staple' };
const quiet = { info: () => {}, warn: () => {}, error: () => {} };

export interface ProjectView {
  ref: string;
  name: string;
  is_default: boolean;
  database: { kind: string };
  api_url: string;
  auth_url: string;
  rest_url: string;
  anon_key: string;
  service_role_key: string;
  created_at: string;
}

export interface ConsoleLogin {
  readonly cookie: string;
  readonly csrf: string;
  readonly setCookie: string;
}

export interface TestPlatform {
  readonly engine: EngineName;
  readonly front: FastifyInstance;
  readonly platform: Platform;
  readonly database: TestDatabase;
  readonly dataDir: string;
  readonly project: Project;
  /** Sets the first administrator up (setup token) and returns the session. */
  setUp(): Promise<ConsoleLogin>;
  login(email?: string, password?: string): Promise<ConsoleLogin>;
  /** A request with the console session (and its CSRF token on mutations). */
  call(session: ConsoleLogin, method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, payload?: unknown): Promise<LightMyRequestResponse>;
  createProject(session: ConsoleLogin, name: string): Promise<ProjectView>;
  close(): Promise<void>;
}

/** `consoleDir`: a built console to serve (default: none, so /console says how to build it). */
export async function createTestPlatform(engine: EngineName, env: Record<string, string> = {}, options: { consoleDir?: string } = {}): Promise<TestPlatform> {
  const database = await openTestDatabase(engine);
  const dataDir = mkdtempSync(join(tmpdir(), 'foyer-platform-'));
  const drops: (() => Promise<void>)[] = [];
  const serverEnv: Record<string, string> = {
    GOTRUE_JWT_SECRET: TEST_JWT_SECRET,
    FOYER_DATA_DIR: dataDir,
    FOYER_MASTER_KEY: TEST_MASTER_KEY,
    GOTRUE_EXTERNAL_ANONYMOUS_USERS_ENABLED: 'true',
    GOTRUE_RATE_LIMIT_ANONYMOUS_USERS: '100000',
    ...(database.url ? { DATABASE_URL: database.url } : {}),
    ...env,
  };
  const project = await openProject(loadConfig(serverEnv), { db: database.db });
  const platform = await Platform.open({ env: serverEnv, project, log: quiet, consoleDir: options.consoleDir ?? join(dataDir, 'no-console') });
  const front = await buildFront(platform);
  await front.ready();

  const sessionOf = (response: LightMyRequestResponse): ConsoleLogin => {
    if (response.statusCode !== 200) throw new Error(`console login failed: ${response.statusCode} ${response.body}`);
    const setCookie = String(response.headers['set-cookie']);
    return { cookie: setCookie.split(';')[0], csrf: (response.json() as { csrf_token: string }).csrf_token, setCookie };
  };
  const call: TestPlatform['call'] = (session, method, url, payload) =>
    front.inject({
      method,
      url,
      headers: { cookie: session.cookie, ...(method === 'GET' ? {} : { 'x-csrf-token': session.csrf }) },
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    });

  return {
    engine,
    front,
    platform,
    database,
    dataDir,
    project,
    async setUp() {
      const token = await platform.auth.issueSetupToken();
      if (!token) throw new Error('an administrator exists already');
      return sessionOf(await front.inject({ method: 'POST', url: '/platform/v1/setup', payload: { token, ...ADMIN } }));
    },
    async login(email = ADMIN.email, password = ADMIN.password) {
      return sessionOf(await front.inject({ method: 'POST', url: '/platform/v1/login', payload: { email, password } }));
    },
    call,
    async createProject(session, name) {
      let databaseUrl: string | undefined;
      if (engine === 'postgres') {
        const created = await createPostgresDatabase();
        drops.push(created.drop);
        databaseUrl = created.url;
      }
      const response = await call(session, 'POST', '/platform/v1/projects', { name, ...(databaseUrl ? { database_url: databaseUrl } : {}) });
      if (response.statusCode !== 200) throw new Error(`project creation failed: ${response.statusCode} ${response.body}`);
      return response.json() as ProjectView;
    },
    async close() {
      await front.close();
      await project.deps.rateLimits.close();
      await database.close();
      for (const drop of drops) await drop().catch(() => {});
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const apiHeaders = (key: string, token?: string) => ({
  apikey: key,
  authorization: `Bearer ${token ?? key}`,
  'content-type': 'application/json',
  'x-supabase-api-version': '2024-01-01',
});
