/** What the registry knows about a project, and a project being served. */
import type { FastifyInstance } from 'fastify';
import type { AuthDeps } from '../auth/deps.js';
import type { ApiKeys } from '../security/api-keys.js';
import type { Db } from '../store/db.js';
import type { ProjectEnvironment } from './effective.js';
import type { LiveDeps } from './live.js';

export interface ProjectRecord {
  readonly ref: string;
  name: string;
  readonly isDefault: boolean;
  readonly dbKind: 'embedded' | 'postgres';
  readonly createdAt: string;
  readonly apiKeys: ApiKeys | undefined;
  /** Why the project cannot be served (its secrets do not open), if so. */
  readonly problem: string | undefined;
}

export interface ServedProject {
  readonly record: ProjectRecord;
  readonly deps: AuthDeps;
  /** Everything the project serves: auth API, Data API (when it has one), /metrics. */
  readonly app: FastifyInstance;
  /** GoTrue's routes only: the drop-in auth listener's app for the default project; `app` itself otherwise. */
  readonly gotrueApp: FastifyInstance;
  readonly environment: ProjectEnvironment;
  /** The settings version in force. */
  version: number;
  /** Requests its app is answering now (counted by the front server), so a deletion can wait for them. */
  activeRequests: number;
  readonly live: LiveDeps;
  readonly db: Db;
}

export interface PlatformLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface DeletedProject {
  readonly ref: string;
  readonly dbKind: 'embedded' | 'postgres';
  /** Whether its data went with it: an embedded database's directory is removed, a PostgreSQL database is kept. */
  readonly databaseRemoved: boolean;
}
