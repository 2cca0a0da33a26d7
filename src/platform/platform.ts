/**
 * The platform: the project registry, settings editing, console administrators and the live sync,
 * opened around the default project that `foyer start` opened. The HTTP side is src/http/platform/.
 */
import { fileURLToPath } from 'node:url';
import type { FastifyServerOptions } from 'fastify';
import pino from 'pino';
import type { Env } from '../config/load.js';
import { startScheduler, type JobLogger, type SchedulerOptions } from '../jobs/scheduler.js';
import { resolveMasterKey, type MasterKey } from '../projects/master-key.js';
import { ProjectRegistry, type PlatformLog } from '../projects/registry.js';
import { SettingsService } from '../projects/settings-service.js';
import { startSync, type PlatformSync } from '../projects/sync.js';
import type { Project } from '../runtime.js';
import type { Db } from '../store/db.js';
import { insertConsoleAuditEntry } from '../store/console-auth.js';
import { ConsoleAuth, type ConsoleAdmin } from './console-auth.js';
import { createLoginLimiter, createSharedLoginLimiter, type LoginLimiter } from './login-limiter.js';

export interface PlatformOptions {
  /** The variables the default project was configured with: they pin its settings. */
  readonly env: Env;
  readonly project: Project;
  readonly logger?: FastifyServerOptions['logger'];
  readonly log?: PlatformLog;
  /** Where the built console is (default: console/dist of this package). */
  readonly consoleDir?: string;
  readonly loginLimiter?: LoginLimiter;
  /** The default project's Data API connection (runtime.ts openDataApi); see RegistryOptions.dataApiDb. */
  readonly dataApiDb?: Db | null;
}

/** A logger that labels a project's lines (Fastify's and pino's fit). */
export interface ProjectJobLogger {
  child(bindings: { project: string }): JobLogger;
}

export const defaultConsoleDir = (): string => fileURLToPath(new URL('../../console/dist/', import.meta.url));

export class Platform {
  private constructor(
    readonly registry: ProjectRegistry,
    readonly settings: SettingsService,
    readonly auth: ConsoleAuth,
    readonly masterKey: MasterKey,
    readonly consoleDir: string,
    private readonly sync: PlatformSync,
  ) {}

  static async open(options: PlatformOptions): Promise<Platform> {
    const config = options.project.deps.config;
    const log = options.log ?? pinoLog(config.logLevel);
    const masterKey = resolveMasterKey(config);
    const registry = await ProjectRegistry.open({
      serverEnv: options.env,
      defaultProject: options.project,
      box: masterKey.box,
      logger: options.logger,
      log,
      dataApiDb: options.dataApiDb,
    });
    try {
      const sync = await startSync(registry, config.databaseUrl);
      // On PostgreSQL several processes may serve the console: their login throttle is counted in the database.
      const limiter = options.loginLimiter ?? (config.embedded ? createLoginLimiter() : createSharedLoginLimiter(registry.control, config.rateLimitKeyPrefix));
      const auth = new ConsoleAuth(registry.control, { limiter });
      registry.warm();
      return new Platform(registry, new SettingsService(registry), auth, masterKey, options.consoleDir ?? defaultConsoleDir(), sync);
    } catch (error) {
      await registry.close();
      throw error;
    }
  }

  /**
   * Schedules the background jobs (cleanup, housekeeping, spike check: docs/operations.md) of every
   * project this process serves, each on its own database and live settings, its log lines labelled
   * with its ref: the default project and the open ones now, and any project opened later (created in
   * the console, or opened on its first request).
   */
  scheduleJobs(log: ProjectJobLogger, options: SchedulerOptions = {}): void {
    this.registry.attach((project) =>
      startScheduler(project.deps, log.child({ project: project.record.ref }), { ...options, watchConfig: project.live.onApply }),
    );
  }

  /** Stops every project's jobs after their current batch; none start after this. */
  stopJobs(): Promise<void> {
    return this.registry.detach();
  }

  get consoleEnabled(): boolean {
    return this.registry.defaultConfig.consoleEnabled;
  }

  /** Writes a console action to the default project's audit log, with the administrator as actor. */
  async audit(admin: ConsoleAdmin, action: string, traits: Record<string, unknown>, ip: string | null): Promise<void> {
    await insertConsoleAuditEntry(this.registry.control, { adminId: admin.id, adminEmail: admin.email, action, traits, ip });
  }

  /**
   * Lines for the start banner: the console, and the one-time setup link while no administrator exists;
   * `baseUrl` is where they are served (undefined: nowhere, the drop-in admin listener is off).
   */
  async bannerLines(baseUrl: string | undefined): Promise<string[]> {
    const base = baseUrl?.replace(/\/$/, '');
    const lines: string[] = [];
    const others = this.registry.list().filter((record) => !record.isDefault);
    if (base === undefined) {
      if (others.length) lines.push(`  Projects:                 ${others.length} more, not served (the admin listener is off)`);
    } else {
      if (this.consoleEnabled) {
        const token = await this.auth.issueSetupToken();
        lines.push(`  Console:                  ${base}/console`);
        if (token) lines.push(`  Console setup (one-time): ${base}/console/setup?token=${token}`);
      }
      if (others.length) lines.push(`  Projects:                 ${others.length} more at ${base}/p/<ref> (${others.map((record) => record.ref).join(', ')})`);
    }
    if (this.masterKey.source === 'generated') lines.push(`  Master key:               generated, kept in ${this.masterKey.file}`);
    return lines;
  }

  async close(): Promise<void> {
    await this.sync.close();
    await this.registry.close();
  }
}

function pinoLog(level: string): PlatformLog {
  const logger = pino({ level, name: 'foyer-platform' });
  return {
    info: (message) => logger.info(message),
    warn: (message) => logger.warn(message),
    error: (message) => logger.error(message),
  };
}
