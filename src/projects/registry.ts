/**
 * Every project this deployment serves: the default one (configured by the environment, its database
 * is the control database) and those created since, each with its own database, JWT secret (so its own
 * anon/service_role keys) and settings, served by its own app instance. Projects other than the default
 * are opened on first use; an embedded one is closed again when idle (idle-close.ts) and reopened by
 * its next request. The default project stays open: its database is the control database (projects,
 * settings, console), and `foyer start` serves it from start to stop.
 */
import { rmSync } from 'node:fs';
import type { FastifyServerOptions } from 'fastify';
import { ConfigError, type Config, type Env } from '../config/load.js';
import { defaultProjectProtected, invalid, masterKeyRequired, PlatformError, projectNotFound } from '../platform/errors.js';
import type { Project } from '../runtime.js';
import { deriveApiKeys } from '../security/api-keys.js';
import { randomSecret } from '../security/crypto.js';
import { createKeyring } from '../security/jwt.js';
import { type SecretBox } from '../security/secret-box.js';
import type { Db, Queryable } from '../store/db.js';
import {
  currentSettings,
  deleteProjectRow,
  currentVersions,
  insertProject,
  listProjectRows,
  notifyPlatform,
  releaseDatabase,
  type ProjectRow,
  type StoredOverrides,
} from '../store/platform-projects.js';
import { effectiveConfig, projectEnvironment, type ProjectEnvironment, type ProjectSecrets } from './effective.js';
import { Companions, type CompanionStarter } from './companions.js';
import { closeIdleProject, IdleWatch } from './idle-close.js';
import { applyNewestSettings, DEFAULT_REF, embeddedDir, newRef, openClaimed, openDefaultProject, openingConfig, openNewProject, projectRecord, servedProject } from './opening.js';
import { openOverrides, openProjectSecrets, sealProjectSecrets } from './sealed.js';
import { closeServed, drained } from './served.js';
import type { DeletedProject, PlatformLog, ProjectRecord, ServedProject } from './types.js';

export type { DeletedProject, PlatformLog, ProjectRecord, ServedProject } from './types.js';
export type { CompanionStarter, ProjectCompanion } from './companions.js';

export { DEFAULT_REF } from './opening.js';

/** How long a deletion waits for the requests a project is answering before it closes the project. */
const DRAIN_MS = 10_000;

export interface RegistryOptions {
  /** The variables the default project was configured with (process environment and .env files). */
  readonly serverEnv: Env;
  readonly defaultProject: Project;
  readonly box: SecretBox | undefined;
  readonly logger?: FastifyServerOptions['logger'];
  readonly log: PlatformLog;
  /**
   * The default project's Data API connection (runtime.ts openDataApi); null: none. Unset: the project
   * database in embedded mode, none in drop-in mode (it never runs on the auth server's login).
   */
  readonly dataApiDb?: Db | null;
}

export { overrideContext } from './sealed.js';

export class ProjectRegistry {
  readonly control: Db;
  readonly box: SecretBox | undefined;
  readonly defaultConfig: Config;
  private readonly records = new Map<string, ProjectRecord>();
  private readonly secrets = new Map<string, ProjectSecrets>();
  private readonly served = new Map<string, Promise<ServedProject>>();
  private readonly reloads = new Map<string, Promise<void>>();
  private readonly companions = new Companions();
  /** Embedded projects being closed for idleness: their next opening waits for it (one PGlite per directory). */
  private readonly closing = new Map<string, Promise<void>>();
  private readonly idle: IdleWatch;
  /** Projects this process is deleting: the notification of its own deletion must not forget them first. */
  private readonly deleting = new Set<string>();
  private defaultServed!: ServedProject;
  private closed = false;

  private constructor(private readonly options: RegistryOptions) {
    this.control = options.defaultProject.deps.db;
    this.box = options.box;
    this.defaultConfig = options.defaultProject.deps.config;
    this.idle = new IdleWatch(this.defaultConfig.embeddedProjectIdleSeconds, (ref) => this.closeIdle(ref));
  }

  static async open(options: RegistryOptions): Promise<ProjectRegistry> {
    const registry = new ProjectRegistry(options);
    await registry.openDefault();
    return registry;
  }

  /** Drop-in mode (the default project on PostgreSQL): GoTrue's routes on their own listener, Data APIs on logins of their own. */
  get dropIn(): boolean {
    return !this.defaultConfig.embedded;
  }

  get log(): PlatformLog {
    return this.options.log;
  }

  get default(): ServedProject {
    return this.defaultServed;
  }

  list(): ProjectRecord[] {
    return [...this.records.values()];
  }

  get(ref: string): ProjectRecord | undefined {
    return this.records.get(ref);
  }

  require(ref: string): ProjectRecord {
    const record = this.records.get(ref);
    if (!record) throw projectNotFound(ref);
    return record;
  }

  /** The project's app and live deps, opening it on first use. */
  serve(ref: string): Promise<ServedProject> {
    if (ref === DEFAULT_REF) return Promise.resolve(this.defaultServed);
    const record = this.require(ref);
    this.idle.touch(ref);
    let opening = this.served.get(ref);
    if (!opening) {
      opening = (this.closing.get(ref) ?? Promise.resolve()).then(() => this.openServed(record));
      this.served.set(ref, opening);
      // A failure is not cached: the next request tries again.
      opening.catch(() => this.served.delete(ref));
    }
    return opening;
  }

  /** What the project's configuration is built from. */
  environment(ref: string): ProjectEnvironment {
    if (ref === DEFAULT_REF) return this.defaultServed.environment;
    const record = this.require(ref);
    const secrets = this.secrets.get(ref);
    if (!secrets) throw new PlatformError(503, 'project_unavailable', record.problem ?? 'project secrets unavailable');
    return this.environmentFor(ref, record.dbKind, secrets);
  }

  /** Stored overrides with secret values opened (one that does not open is left out, with a warning). */
  openOverrides(ref: string, stored: StoredOverrides): Record<string, string> {
    return openOverrides(this.box, ref, stored, (message) => this.log.warn(message));
  }

  async create(input: { name: string; databaseUrl: string | undefined }): Promise<ProjectRecord> {
    if (!this.box) throw masterKeyRequired('create projects');
    const { databaseUrl } = input;
    if (!databaseUrl && !this.defaultConfig.embedded) {
      throw invalid(
        'database_url is required: Foyer runs on PostgreSQL, and an embedded project database could not be shared by several Foyer processes',
      );
    }
    const ref = newRef();
    const kind = databaseUrl ? 'postgres' : 'embedded';
    const secrets: ProjectSecrets = { jwtSecret: randomSecret(48), databaseUrl };
    const environment = this.environmentFor(ref, kind, secrets);
    let config: Config;
    try {
      config = effectiveConfig(environment, {});
    } catch (error) {
      if (error instanceof ConfigError) throw invalid(error.message.replace(/DATABASE_URL/g, 'database_url'));
      throw error;
    }
    const removeFiles = () => this.removeEmbeddedDir(ref, kind);
    const insertRow = (tx: Queryable) => insertProject(tx, { ref, name: input.name, db_kind: kind, ...sealProjectSecrets(this.box!, ref, secrets) });
    return openNewProject({ ref, config, control: this.control, insertRow, removeFiles }, async (project, row) => {
      const record = await this.addRecord(row);
      const served = this.wrap(record, environment, project, 0);
      this.served.set(ref, served);
      await served;
      return record;
    });
  }

  async rename(ref: string, name: string): Promise<void> {
    this.require(ref);
    await this.control.transaction(async (tx) => {
      await tx.query(`update auth.foyer_projects set name = $2 where ref = $1`, [ref, name]);
      await notifyPlatform(tx, { type: 'project', ref });
    });
    this.require(ref).name = name;
  }

  /**
   * Deletes a project other than the default one: its row and settings history (control database), its
   * background jobs, and its app once the requests it is answering end (at most DRAIN_MS). An embedded
   * database is removed with its directory. A PostgreSQL database is the operator's: it keeps its data,
   * and is released, so it can be served as a project again. Other processes forget the project on the
   * notification.
   */
  async delete(ref: string): Promise<DeletedProject> {
    if (ref === DEFAULT_REF) throw defaultProjectProtected();
    const record = this.require(ref);
    if (this.deleting.has(ref)) throw projectNotFound(ref);
    this.deleting.add(ref);
    try {
      await this.control.transaction(async (tx) => {
        if (!(await deleteProjectRow(tx, ref))) throw projectNotFound(ref);
        await notifyPlatform(tx, { type: 'project', ref });
      });
      await this.forget(ref, { release: true });
    } finally {
      this.deleting.delete(ref);
    }
    const databaseRemoved = record.dbKind === 'embedded';
    if (databaseRemoved) this.removeEmbeddedDir(ref, 'embedded');
    return { ref, dbKind: record.dbKind, databaseRemoved };
  }

  /** Re-reads the projects table: projects another process created or deleted, new names. */
  async refreshProjects(): Promise<void> {
    const rows = await listProjectRows(this.control);
    for (const row of rows) {
      const known = this.records.get(row.ref);
      if (known) known.name = row.name;
      else if (row.ref !== DEFAULT_REF) await this.addRecord(row);
    }
    const listed = new Set(rows.map((row) => row.ref));
    const gone = [...this.records.keys()].filter((ref) => ref !== DEFAULT_REF && !listed.has(ref) && !this.deleting.has(ref));
    // The deleting process released the database and removed what was to be removed.
    await Promise.all(gone.map((ref) => this.forget(ref, { release: false })));
  }

  /** Puts the newest stored settings of `ref` in force in this process (when it is open here). */
  reloadSettings(ref: string): Promise<void> {
    const previous = this.reloads.get(ref) ?? Promise.resolve();
    const next = previous.then(() => this.reloadNow(ref)).catch((error: unknown) => {
      this.log.error(`project ${ref}: settings reload failed: ${(error as Error).message}`);
    });
    this.reloads.set(ref, next);
    return next;
  }

  /** Whether `ref` is open (or opening) in this process: the default project always is. */
  isOpen(ref: string): boolean {
    return ref === DEFAULT_REF || this.served.has(ref);
  }

  /**
   * Opens every project in the background, so the first request to each does not wait for it; not the
   * embedded ones that close when idle (each is a PGlite: ten would cost ten at start).
   */
  warm(): void {
    for (const record of this.records.values()) {
      if (record.isDefault || record.problem || this.closesWhenIdle(record)) continue;
      this.serve(record.ref).catch((error: unknown) => this.log.error(`project ${record.ref} could not be opened: ${(error as Error).message}`));
    }
  }

  /** Everything another process may have changed (after a missed notification, and as a slow poll). */
  async refreshAll(): Promise<void> {
    await this.refreshProjects();
    const versions = await currentVersions(this.control);
    const open = [DEFAULT_REF, ...this.served.keys()];
    await Promise.all(open.map(async (ref) => {
      const served = ref === DEFAULT_REF ? this.defaultServed : await this.served.get(ref)?.catch(() => undefined);
      if (served && served.version !== (versions.get(ref) ?? 0)) await this.reloadSettings(ref);
    }));
  }

  /**
   * Runs `start` for every project served: the default one, those open already, and each one opened
   * later (created in the console, or opened on its first request). One companion per project.
   */
  attach(start: CompanionStarter): void {
    // After close() the companions have ended: nothing starts.
    this.companions.attach(start, [this.defaultServed]);
    for (const opening of this.served.values()) opening.then((served) => this.companions.serving(served), () => {});
  }

  /** Stops every companion, and starts no more (shutdown begins with this). */
  detach(): Promise<void> {
    return this.companions.detach();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.idle.stop();
    await this.companions.detach({ end: true });
    await Promise.all([...this.closing.values()]);
    await Promise.all([...this.reloads.values()]);
    const others = await Promise.all([...this.served.values()].map((opening) => opening.catch(() => undefined)));
    await Promise.all(others.map((served) => served && closeServed(served, { database: true })));
    // The default project's database belongs to whoever opened it (`foyer start`).
    await closeServed(this.defaultServed, { database: false });
  }

  /** Stops serving `ref` in this process: new requests find no project, those in flight finish first. */
  private async forget(ref: string, options: { release: boolean }): Promise<void> {
    if (!this.records.delete(ref)) return;
    this.secrets.delete(ref);
    this.idle.forget(ref);
    const opening = this.served.get(ref);
    this.served.delete(ref);
    await this.companions.stop(ref);
    // Closing for idleness: done before its directory may be removed.
    await this.closing.get(ref);
    const served = await opening?.catch(() => undefined);
    if (!served) return;
    await drained(served, DRAIN_MS);
    await this.reloads.get(ref);
    this.reloads.delete(ref);
    if (options.release) await releaseDatabase(served.db, ref).catch((error: unknown) => this.log.warn(`project ${ref}: its database could not be released: ${(error as Error).message}`));
    await closeServed(served, { database: true });
    this.log.info(`project ${ref} is no longer served`);
  }

  private closesWhenIdle(record: ProjectRecord): boolean {
    return this.idle.enabled && !record.isDefault && record.dbKind === 'embedded';
  }

  /**
   * Closes an idle embedded project: its jobs stop (after their current batch), then its app and its
   * database. From now on a request opens it anew, once this is done.
   */
  private closeIdle(ref: string): void {
    const opening = this.served.get(ref);
    if (!opening || this.closing.has(ref)) return;
    this.served.delete(ref);
    const closing = closeIdleProject(ref, opening, {
      stopJobs: () => this.companions.stop(ref),
      settingsReload: () => this.reloads.get(ref),
      log: this.log,
      idleSeconds: this.defaultConfig.embeddedProjectIdleSeconds,
      drainMs: DRAIN_MS,
    });
    this.closing.set(ref, closing);
    void closing.then(() => {
      if (this.closing.get(ref) === closing) this.closing.delete(ref);
    });
  }

  private async reloadNow(ref: string): Promise<void> {
    const opening = ref === DEFAULT_REF ? Promise.resolve(this.defaultServed) : this.served.get(ref);
    const served = await opening?.catch(() => undefined);
    if (!served || this.closed) return;
    const version = await applyNewestSettings(this.control, served, (stored) => this.openOverrides(ref, stored));
    if (version !== undefined) this.log.info(`project ${ref}: settings version ${version} in force`);
  }

  private async openDefault(): Promise<void> {
    const { served, otherRows } = await openDefaultProject({
      control: this.control,
      defaultProject: this.options.defaultProject,
      serverEnv: this.options.serverEnv,
      dataApiDb: this.options.dataApiDb,
      logger: this.options.logger,
      dropIn: this.dropIn,
      openOverrides: (ref, stored) => this.openOverrides(ref, stored),
      log: this.log,
    });
    this.records.set(DEFAULT_REF, served.record);
    this.defaultServed = served;
    for (const row of otherRows) await this.addRecord(row);
  }

  private async addRecord(row: ProjectRow): Promise<ProjectRecord> {
    let secrets: ProjectSecrets | undefined;
    let problem: string | undefined;
    try {
      secrets = openProjectSecrets(this.box, row);
    } catch (error) {
      problem = `its secrets cannot be opened: ${(error as Error).message}`;
      this.log.error(`project ${row.ref} is not served: ${problem}`);
    }
    const apiKeys = secrets ? await deriveApiKeys(createKeyring({ secret: secrets.jwtSecret })) : undefined;
    const record = projectRecord(row, apiKeys, problem);
    if (secrets) this.secrets.set(row.ref, secrets);
    this.records.set(row.ref, record);
    return record;
  }

  private environmentFor(ref: string, kind: 'embedded' | 'postgres', secrets: ProjectSecrets): ProjectEnvironment {
    return projectEnvironment(this.options.serverEnv, this.defaultConfig, { ref, kind, dataDir: embeddedDir(this.defaultConfig, ref), ...secrets });
  }

  private removeEmbeddedDir(ref: string, kind: 'embedded' | 'postgres'): void {
    if (kind === 'embedded') rmSync(embeddedDir(this.defaultConfig, ref), { recursive: true, force: true });
  }

  private async openServed(record: ProjectRecord): Promise<ServedProject> {
    if (this.closed) throw new PlatformError(503, 'project_unavailable', 'Foyer is shutting down');
    const environment = this.environment(record.ref);
    const { version, overrides } = await currentSettings(this.control, record.ref);
    const config = openingConfig(record.ref, environment, version, this.openOverrides(record.ref, overrides), this.log);
    return this.wrap(record, environment, await openClaimed(record.ref, config), version);
  }

  private async wrap(record: ProjectRecord, environment: ProjectEnvironment, project: Project, version: number): Promise<ServedProject> {
    const served = await servedProject(record, environment, project, version, { logger: this.options.logger, dropIn: this.dropIn });
    this.companions.serving(served);
    if (this.closesWhenIdle(record)) this.idle.watch(served);
    return served;
  }
}
