/**
 * `foyer start`: open the project, serve it, print where and with which keys, stop gracefully. With
 * FOYER_WORKERS > 1 this runs in each worker (src/cluster/primary.ts starts them): the first one
 * hands the banner to the primary instead of printing it, the others report nothing but being ready.
 */
import { unknownGotrueVariables, unknownVariablesWarning } from '../config/gotrue-variables.js';
import type { Config, Env } from '../config/load.js';
import { preloadTemplates } from '../mail/custom-mail.js';
import { setTemplateLog } from '../mail/template-cache.js';
import { Platform } from '../platform/platform.js';
import { leaveCluster, reportReady, workerRole } from '../cluster/role.js';
import { compactHeapWhenIdle, limitHeapGrowth, type HeapCompaction } from '../jobs/heap-compaction.js';
import { openDataApi, openProject, type DataApiConnection } from '../runtime.js';
import { databaseWarnings } from '../store/server-settings.js';
import { openLocalAdminChannel, type LocalAdminChannel } from './local-admin/channel-server.js';
import { buildListeners, planListeners } from './listeners.js';
import { startBanner } from './start-banner.js';

export async function start(config: Config, env: Env = process.env): Promise<void> {
  const worker = workerRole();
  limitHeapGrowth(config.heapGrowthPercent);
  // A listener layout this configuration cannot have stops the start before anything is opened.
  const plans = planListeners(config);
  // Custom mail templates are fetched now: one Foyer cannot render stops the start, naming it.
  await preloadTemplates(config);
  const project = await openProject(config);
  let dataApi: DataApiConnection;
  try {
    // Drop-in mode: the Data API's own login, checked (a missing GRANT stops the start, naming it).
    dataApi = await openDataApi(project);
  } catch (error) {
    await project.deps.rateLimits.close();
    await project.deps.db.close();
    throw error;
  }
  // Projects, live settings and the console (docs/platform-api.md); `env` pins the default project's settings.
  const platform = await Platform.open({ env, project, logger: { level: config.logLevel }, dataApiDb: dataApi.db });
  // The fronts: everything on one port (embedded), or GoTrue's routes and the admin listener (drop-in).
  const listeners = await buildListeners(platform, plans, { level: config.logLevel });
  const log = listeners.all[0].front.log;
  setTemplateLog((message) => log.warn(message));
  // The embedded database has one owner, this process: the CLI asks it over a socket in the data directory
  // (src/cli/local-admin/channel.ts). With PostgreSQL the CLI opens the database itself.
  let channel: LocalAdminChannel | undefined;
  if (config.embedded) {
    try {
      channel = await openLocalAdminChannel(platform, config.dataDir, { info: (message) => log.info(message), warn: (message) => log.warn(message) });
    } catch (error) {
      await listeners.close().catch(() => {});
      await platform.close().catch(() => {});
      await dataApi.close();
      await project.deps.rateLimits.close();
      await project.deps.db.close();
      throw error;
    }
  }
  let compaction: HeapCompaction | undefined;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    compaction?.stop();
    log.info({ signal }, 'shutting down: no new connections, finishing requests in flight');
    try {
      // Background jobs stop after their current batch (alongside the HTTP shutdown), before the database closes.
      const jobs = platform.stopJobs();
      await Promise.all([listeners.close(), channel?.close()]);
      await jobs;
    } finally {
      await dataApi.close();
      await project.deps.rateLimits.close();
      await project.deps.db.close();
      log.info('stopped');
      if (worker) leaveCluster();
    }
  };
  // A worker may hear a stop twice: from a signal sent to the whole process group (Ctrl-C, systemd) and
  // from the primary passing it on. A second one must not kill it mid-drain: the primary decides that.
  const listen = worker ? process.on.bind(process) : process.once.bind(process);
  listen('SIGTERM', () => void stop('SIGTERM'));
  listen('SIGINT', () => void stop('SIGINT'));
  await listeners.listen();
  // Every project's cleanup, housekeeping and spike check (docs/operations.md), on its live settings.
  // Workers: the first runs the cleanup and housekeeping, every one its spike check (src/jobs/scheduler.ts).
  platform.scheduleJobs(log, { maintenance: !worker || worker.index === 1 });
  // Start-up's garbage is collected now, and the heap a busy spell grew once the process is idle again.
  if (config.compactHeapWhenIdle) compaction = compactHeapWhenIdle();
  // A worker after the first: the warnings and the banner were the first one's to give.
  if (worker && !worker.announces) {
    reportReady();
    return;
  }
  const live = { ...project, deps: platform.registry.default.deps };
  const warnings = await databaseWarnings(project.deps.db);
  for (const warning of warnings) log.warn({ fix: warning.fix }, warning.message);
  const warningLines = warnings.map((warning) => `${warning.message}. ${warning.fix}`);
  // GOTRUE_* names nobody reads are most likely typos: a setting the operator believes in is not applied.
  const unknown = unknownGotrueVariables(env);
  if (unknown.length > 0) {
    const warning = unknownVariablesWarning(unknown);
    log.warn({ variables: unknown }, warning);
    warningLines.push(warning);
  }
  // The console, /platform/v1 and other projects: on the one port, the admin listener, or nowhere.
  const platformUrl = listeners.all.find((listener) => listener.plan.serves === 'everything')?.url;
  const banner = startBanner(live, {
    gotrueUrl: listeners.all[0].url,
    adminUrl: listeners.of('admin')?.url,
    dataApiLogin: dataApi.login,
    platformLines: await platform.bannerLines(platformUrl),
    warnings: warningLines,
  });
  if (worker) reportReady(banner);
  else process.stdout.write(`${banner}\n`);
}
