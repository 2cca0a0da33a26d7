/**
 * How a project comes to be served: its record from its row, its database opened and claimed for its
 * ref, its app(s) built over live settings. The registry decides when; this is the how.
 */
import { randomInt } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { FastifyServerOptions } from 'fastify';
import { buildApp, projectMetrics } from '../app.js';
import { ConfigError, type Config, type Env } from '../config/load.js';
import { PlatformError } from '../platform/errors.js';
import { openProject, type Project } from '../runtime.js';
import type { ApiKeys } from '../security/api-keys.js';
import type { Db, Queryable } from '../store/db.js';
import {
  claimDatabase,
  currentSettings,
  ensureDefaultProject,
  listProjectRows,
  notifyPlatform,
  releaseDatabase,
  type ProjectRow,
  type StoredOverrides,
} from '../store/platform-projects.js';
import { effectiveConfig, pinnedBy, type ProjectEnvironment } from './effective.js';
import { makeLive } from './live.js';
import type { PlatformLog, ProjectRecord, ServedProject } from './types.js';

export const DEFAULT_REF = 'default';

const REF_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
/** A new project's ref: 20 lowercase letters and digits, as Supabase's. */
export const newRef = (): string => Array.from({ length: 20 }, () => REF_ALPHABET[randomInt(REF_ALPHABET.length)]).join('');

/** Where an embedded project's database lives: under the deployment's data directory. */
export const embeddedDir = (defaultConfig: Config, ref: string): string => join(resolve(defaultConfig.dataDir), 'projects', ref);

export function projectRecord(row: ProjectRow, apiKeys: ApiKeys | undefined, problem: string | undefined): ProjectRecord {
  return {
    ref: row.ref,
    name: row.name,
    isDefault: row.ref === DEFAULT_REF,
    dbKind: row.db_kind,
    createdAt: row.created_at,
    apiKeys,
    problem,
  };
}

export interface AppOptions {
  readonly logger: FastifyServerOptions['logger'] | undefined;
  /** Drop-in mode: GoTrue's routes on their own listener, Data APIs on logins of their own. */
  readonly dropIn: boolean;
}

export interface DefaultProjectInput extends AppOptions {
  readonly control: Db;
  readonly defaultProject: Project;
  readonly serverEnv: Env;
  /** The Data API's connection when it is not the control database; null: no Data API. */
  readonly dataApiDb: Db | null | undefined;
  readonly openOverrides: (ref: string, stored: StoredOverrides) => Record<string, string>;
  readonly log: PlatformLog;
}

/**
 * The default project, whose database is the control database: registered, claimed, its stored
 * settings put in force (a version that no longer fits the environment is logged and left out), its
 * app built. Returns it with the rows of the other projects.
 */
export async function openDefaultProject(input: DefaultProjectInput): Promise<{ served: ServedProject; otherRows: ProjectRow[] }> {
  const { control: db, defaultProject, serverEnv, log } = input;
  const config = defaultProject.deps.config;
  await ensureDefaultProject(db, config.embedded ? 'embedded' : 'postgres');
  const owner = await claimDatabase(db, DEFAULT_REF);
  if (owner !== DEFAULT_REF) log.warn(`this database is also project ${owner} of a Foyer deployment; serving it as the default project`);
  const environment: ProjectEnvironment = { base: serverEnv, pinned: pinnedBy(serverEnv) };
  const rows = await listProjectRows(db);
  const record = projectRecord(rows.find((row) => row.ref === DEFAULT_REF)!, defaultProject.apiKeys, undefined);
  const { version, overrides } = await currentSettings(db, DEFAULT_REF);
  const live = makeLive(defaultProject.deps);
  if (version > 0) {
    try {
      await live.apply(effectiveConfig(environment, input.openOverrides(DEFAULT_REF, overrides)));
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      log.error(`default project: settings version ${version} is not valid with this environment, so it is not applied: ${error.message}`);
    }
  }
  const common = { deps: live.deps, logger: input.logger, project: DEFAULT_REF, metrics: projectMetrics(live.deps, DEFAULT_REF) };
  const dataApiDb = input.dataApiDb !== undefined ? input.dataApiDb : input.dropIn ? null : db;
  const app = await buildApp({ ...common, dataApiDb });
  // Drop-in mode: the auth listener's app, GoTrue's routes only, counting into the same metrics.
  const gotrueApp = input.dropIn ? await buildApp({ ...common, surface: 'auth' }) : app;
  const served: ServedProject = { record, deps: live.deps, app, gotrueApp, environment, version, live, db, activeRequests: 0 };
  return { served, otherRows: rows.filter((row) => row.ref !== DEFAULT_REF) };
}

/**
 * Puts the newest stored settings of a served project in force, unless they already are. Returns the
 * version applied, if any.
 */
export async function applyNewestSettings(
  control: Db,
  served: ServedProject,
  open: (stored: StoredOverrides) => Record<string, string>,
): Promise<number | undefined> {
  const { version, overrides } = await currentSettings(control, served.record.ref);
  if (version === served.version) return undefined;
  await served.live.apply(effectiveConfig(served.environment, open(overrides)));
  served.version = version;
  return version;
}

/**
 * The config a project other than the default is opened with: its stored settings, or its defaults
 * when they no longer fit (logged), so that a bad version does not take the project down.
 */
export function openingConfig(ref: string, environment: ProjectEnvironment, version: number, overrides: Record<string, string>, log: PlatformLog): Config {
  try {
    return effectiveConfig(environment, overrides);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    log.error(`project ${ref}: settings version ${version} is not valid, serving it with defaults: ${error.message}`);
    return effectiveConfig(environment, {});
  }
}

/** Opens a project's database and claims it; a database another project claimed is closed again. */
export async function openClaimed(ref: string, config: Config): Promise<Project> {
  const project = await openProject(config);
  const owner = await claimDatabase(project.deps.db, ref).catch(async (error: unknown) => {
    await project.deps.db.close();
    throw error;
  });
  if (owner !== ref) {
    await project.deps.db.close();
    throw new PlatformError(503, 'project_unavailable', `The database of project ${ref} belongs to project ${owner}`);
  }
  return project;
}

/** A project other than the default one, served by one app over live settings. */
export async function servedProject(
  record: ProjectRecord,
  environment: ProjectEnvironment,
  project: Project,
  version: number,
  options: AppOptions,
): Promise<ServedProject> {
  const live = makeLive(project.deps);
  // In drop-in mode a project's Data API would need a login of its own, and projects have none: off.
  const dataApiDb = options.dropIn ? null : project.deps.db;
  const app = await buildApp({ deps: live.deps, logger: options.logger, project: record.ref, dataApiDb });
  await app.ready();
  return { record, deps: live.deps, app, gotrueApp: app, environment, version, live, db: project.deps.db, activeRequests: 0 };
}

export interface NewProjectInput {
  readonly ref: string;
  readonly config: Config;
  readonly control: Db;
  /** Inserts the project's row (its sealed secrets with it) in the control database's transaction. */
  readonly insertRow: (tx: Queryable) => Promise<ProjectRow>;
  /** Removes what opening it left on disk (an embedded database's directory). */
  readonly removeFiles: () => void;
}

/**
 * A new project: its database opened and claimed for its ref, its row recorded (other processes are
 * notified), then `serve`. A failure at any step undoes the others: the claim is released, the
 * database closed, its files removed.
 */
export async function openNewProject<T>(input: NewProjectInput, serve: (project: Project, row: ProjectRow) => Promise<T>): Promise<T> {
  const { ref } = input;
  let project: Project;
  try {
    project = await openProject(input.config);
  } catch (error) {
    input.removeFiles();
    throw new PlatformError(422, 'database_unavailable', `The project database could not be opened: ${(error as Error).message}`);
  }
  let claimed = false;
  try {
    const owner = await claimDatabase(project.deps.db, ref);
    if (owner !== ref) throw new PlatformError(409, 'database_in_use', `That database is already served by Foyer as project ${owner}`);
    claimed = true;
    const row = await input.control.transaction(async (tx) => {
      const inserted = await input.insertRow(tx);
      await notifyPlatform(tx, { type: 'project', ref });
      return inserted;
    });
    return await serve(project, row);
  } catch (error) {
    if (claimed) await releaseDatabase(project.deps.db, ref).catch(() => {});
    await project.deps.rateLimits.close().catch(() => {});
    await project.deps.db.close().catch(() => {});
    input.removeFiles();
    throw error;
  }
}
