/** `foyer start`: open the project, serve it, print where and with which keys, stop gracefully. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import { unknownGotrueVariables, unknownVariablesWarning } from '../config/gotrue-variables.js';
import type { Config, Env } from '../config/load.js';
import { buildFront } from '../http/platform/front.js';
import { schedulerBannerLine } from '../jobs/scheduler.js';
import { Platform } from '../platform/platform.js';
import { openProject, type Project } from '../runtime.js';
import { protectionBannerLines } from '../security/protection-status.js';
import { embeddedDbDir } from '../store/open.js';
import { redact } from '../store/postgres.js';
import { databaseWarnings } from '../store/server-settings.js';

function banner(project: Project, listenUrl: string, platformLines: readonly string[] = [], warnings: readonly string[] = []): string {
  const { config } = project.deps;
  const base = listenUrl.replace(/\/$/, '');
  const lines = [
    '',
    `  Foyer is running`,
    `  API URL (createClient):   ${base}`,
    `  Auth API:                 ${base}/auth/v1   (also at ${base}/ for gateways)`,
    `  anon key:                 ${project.apiKeys.anonKey}`,
    `  service_role key:         ${project.apiKeys.serviceRoleKey}`,
    `  Database:                 ${config.databaseUrl ? redact(config.databaseUrl) : `embedded (PGlite) in ${embeddedDbDir(config.dataDir)}`}`,
    `  Anonymous sign-ins:       ${config.anonymousUsersEnabled ? 'on' : 'off (GOTRUE_EXTERNAL_ANONYMOUS_USERS_ENABLED=true to enable)'}`,
  ];
  lines.push(
    config.smtpHost
      ? `  Mail:                     SMTP ${config.smtpHost}:${config.smtpPort}`
      : `  Mail:                     no GOTRUE_SMTP_HOST: kept in the outbox, GET ${base}/auth/v1/admin/mail/outbox (service_role key)`,
  );
  lines.push(...protectionBannerLines(project.deps, project.deps.rateLimits.store));
  lines.push(schedulerBannerLine(config));
  if (project.generatedSecret) lines.push(`  JWT secret:               generated, kept in ${resolve(config.dataDir, 'jwt-secret')}`);
  if (project.migrations.applied.length) lines.push(`  Migrations applied:       ${project.migrations.applied.join(', ')}`);
  lines.push(...platformLines);
  for (const warning of warnings) lines.push(`  Warning:                  ${warning}`);
  lines.push('');
  return lines.join('\n');
}

export async function start(config: Config, env: Env = process.env): Promise<void> {
  const project = await openProject(config);
  // Projects, live settings and the console (docs/platform-api.md); `env` pins the default project's settings.
  const platform = await Platform.open({ env, project, logger: { level: config.logLevel } });
  // The front server: /p/<ref> projects, /platform/v1 and /console; the default project's app for the rest.
  const app = await buildFront(platform, { logger: { level: config.logLevel } });
  // Responses still being worked on at shutdown say `Connection: close`: otherwise their keep-alive
  // sockets outlive them and hold the process open for keepAliveTimeout (72 s) after SIGTERM.
  const inFlight = new Set<ServerResponse>();
  app.server.on('request', (_request: IncomingMessage, response: ServerResponse) => {
    inFlight.add(response);
    response.once('close', () => inFlight.delete(response));
  });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down: no new connections, finishing requests in flight');
    for (const response of inFlight) if (!response.headersSent) response.setHeader('connection', 'close');
    try {
      // Background jobs stop after their current batch (alongside the HTTP shutdown), before the database closes.
      const jobs = platform.stopJobs();
      await app.close();
      await jobs;
    } finally {
      await project.deps.rateLimits.close();
      await project.deps.db.close();
      app.log.info('stopped');
    }
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
  await app.listen({ port: config.port, host: config.host });
  // Every project's cleanup, housekeeping and spike check (docs/operations.md), on its live settings.
  platform.scheduleJobs(app.log);
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  const listenUrl = `http://${host}:${port}`;
  const live = { ...project, deps: platform.registry.default.deps };
  const warnings = await databaseWarnings(project.deps.db);
  for (const warning of warnings) app.log.warn({ fix: warning.fix }, warning.message);
  const warningLines = warnings.map((warning) => `${warning.message}. ${warning.fix}`);
  // GOTRUE_* names nobody reads are most likely typos: a setting the operator believes in is not applied.
  const unknown = unknownGotrueVariables(env);
  if (unknown.length > 0) {
    const warning = unknownVariablesWarning(unknown);
    app.log.warn({ variables: unknown }, warning);
    warningLines.push(warning);
  }
  process.stdout.write(`${banner(live, listenUrl, await platform.bannerLines(listenUrl), warningLines)}\n`);
}
