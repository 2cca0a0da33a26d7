/**
 * What `foyer start` prints once it listens: where everything is, with which keys, and what is off.
 * In drop-in mode it says plainly what the auth listener serves (GoTrue's routes only), where the rest
 * went (the admin listener), and what is not served at all.
 */
import { resolve } from 'node:path';
import { schedulerBannerLine } from '../jobs/scheduler.js';
import type { Project } from '../runtime.js';
import { protectionBannerLines } from '../security/protection-status.js';
import { embeddedDbDir } from '../store/open.js';
import { redact } from '../store/postgres.js';

export interface BannerFacts {
  /** The listener serving GoTrue's routes: the one port (embedded), the auth listener (drop-in). */
  readonly gotrueUrl: string;
  /** Drop-in mode: the admin listener, undefined when it is off. */
  readonly adminUrl: string | undefined;
  /** Drop-in mode: the Data API's login (FOYER_REST_DATABASE_URL), undefined when the Data API is off. */
  readonly dataApiLogin: string | undefined;
  /** Console, setup link, other projects, master key (Platform.bannerLines). */
  readonly platformLines: readonly string[];
  readonly warnings: readonly string[];
}

/** Drop-in mode: what each listener serves, and what is off and how to turn it on. */
function dropInLines(project: Project, facts: BannerFacts): string[] {
  const { config } = project.deps;
  const admin = facts.adminUrl;
  const lines = [`  Auth listener:            GoTrue's routes only (/auth/v1/*, /*, /health, /.well-known/*); drop-in mode (DATABASE_URL)`];
  if (!admin) {
    lines.push(`  Admin listener:           off (FOYER_ADMIN_PORT=off): no console, /platform/v1, /p/<ref> projects, Data API or /metrics`);
    return lines;
  }
  lines.push(`  Admin listener:           ${admin}   (console, /platform/v1, /p/<ref>, Data API, /metrics; FOYER_ADMIN_HOST, FOYER_ADMIN_PORT)`);
  lines.push(
    facts.dataApiLogin
      ? `  Data API:                 ${admin}/rest/v1   (login ${facts.dataApiLogin}, FOYER_REST_DATABASE_URL)`
      : '  Data API:                 off (FOYER_REST_DATABASE_URL unset: a login that is a member of anon, authenticated and service_role)',
  );
  lines.push(`  Metrics:                  ${admin}/metrics${config.metricsAuth === 'service_role' ? '   (service_role key)' : ''}`);
  return lines;
}

export function startBanner(project: Project, facts: BannerFacts): string {
  const { config } = project.deps;
  const base = facts.gotrueUrl.replace(/\/$/, '');
  const lines = [
    '',
    `  Foyer is running`,
    `  API URL (createClient):   ${base}`,
    `  Auth API:                 ${base}/auth/v1   (also at ${base}/ for gateways)`,
    ...(config.embedded ? [] : dropInLines(project, facts)),
    `  anon key:                 ${project.apiKeys.anonKey}`,
    `  service_role key:         ${project.apiKeys.serviceRoleKey}`,
    `  Database:                 ${config.databaseUrl ? redact(config.databaseUrl) : `embedded (PGlite) in ${embeddedDbDir(config.dataDir)}`}`,
    `  Anonymous sign-ins:       ${config.anonymousUsersEnabled ? 'on' : 'off (GOTRUE_EXTERNAL_ANONYMOUS_USERS_ENABLED=true to enable)'}`,
  ];
  if (config.workers > 1) lines.push(`  Workers:                  ${config.workers} processes sharing these ports (FOYER_WORKERS), ${config.dbPoolSize} database connections each`);
  lines.push(
    config.smtpHost
      ? `  Mail:                     SMTP ${config.smtpHost}:${config.smtpPort}`
      : `  Mail:                     no GOTRUE_SMTP_HOST: kept in the outbox, GET ${base}/auth/v1/admin/mail/outbox (service_role key)`,
  );
  if (config.phoneEnabled) {
    lines.push(
      config.smsProvider
        ? `  SMS:                      ${config.smsProvider}${config.smsProviderUrl ? ` at ${config.smsProviderUrl}` : ''}`
        : `  SMS:                      no GOTRUE_SMS_PROVIDER: kept in the outbox, GET ${base}/auth/v1/admin/sms/outbox (service_role key)`,
    );
  }
  lines.push(...protectionBannerLines(project.deps, project.deps.rateLimits.store));
  lines.push(schedulerBannerLine(config));
  if (project.generatedSecret) lines.push(`  JWT secret:               generated, kept in ${resolve(config.dataDir, 'jwt-secret')}`);
  if (project.migrations.applied.length) lines.push(`  Migrations applied:       ${project.migrations.applied.join(', ')}`);
  lines.push(...facts.platformLines);
  for (const warning of facts.warnings) lines.push(`  Warning:                  ${warning}`);
  lines.push('');
  return lines.join('\n');
}
