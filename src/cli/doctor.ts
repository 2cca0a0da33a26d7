/**
 * `foyer doctor`: checks a project's configuration against the seed guide's troubleshooting list
 * (src/cli/doctor-checks.ts), then what needs the network: the SMTP server and the database.
 * The configuration is the project's live one: the environment plus the settings the console stored
 * (src/cli/local-admin/doctor-project.ts), asked of the running server when it holds the embedded
 * database. Without a database to read (--offline, not created yet, unreachable) it is the environment's.
 * Prints each finding with its fix; the exit code is 1 when there is a problem, 0 otherwise.
 */
import { existsSync } from 'node:fs';
import type { Config, Env } from '../config/load.js';
import { listMigrations } from '../store/migrate.js';
import { embeddedDbDir, openDb } from '../store/open.js';
import { configChecks, loadForDoctor, type Finding } from './doctor-checks.js';
import { databaseCheck, smtpCheck } from './doctor-io.js';
import { callServer } from './local-admin/channel-client.js';
import type { DoctorReport } from './local-admin/doctor-project.js';
import { projectDoctor } from './local-admin/doctor-project.js';
import { described, runningServer, withPlatform } from './local-admin/run.js';
import { servedProject } from './local-admin/operations.js';

export interface DoctorOptions {
  readonly json?: boolean;
  readonly offline?: boolean;
  readonly project?: string;
}

/** Whether the database exists and is migrated, so the platform (and the console's settings) can be read without changing it. */
async function readableDatabase(config: Config): Promise<boolean> {
  if (!config.databaseUrl && !existsSync(embeddedDbDir(config.dataDir))) return false;
  let db;
  try {
    db = await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 1 });
  } catch {
    return false;
  }
  try {
    const applied = new Set((await db.query<{ version: string }>('select version from auth.foyer_schema_migrations')).map((row) => row.version));
    return listMigrations().every((migration) => applied.has(migration.version));
  } catch {
    return false;
  } finally {
    await db.close();
  }
}

/** The environment's checks alone (and the database's, unless offline): no stored settings are read. */
async function environmentDoctor(env: Env, options: DoctorOptions, note?: Finding): Promise<DoctorReport> {
  const loaded = loadForDoctor(env);
  const findings = [...(note ? [note] : []), ...configChecks(env, loaded)];
  if (loaded.config && !options.offline) findings.push(await smtpCheck(loaded.config), ...(await databaseCheck(loaded.config)));
  return { project: 'default', settings_version: 0, config_loaded: Boolean(loaded.config), findings };
}

async function doctorReport(env: Env, options: DoctorOptions): Promise<DoctorReport> {
  const { config } = loadForDoctor(env);
  const other = options.project !== undefined && options.project !== 'default';
  if (config) {
    const server = runningServer(config);
    if (server) return (await callServer(server, 'doctor', { project: options.project, offline: Boolean(options.offline) })) as DoctorReport;
    if (!options.offline && (await readableDatabase(config))) {
      try {
        return await withPlatform(config, env, async (platform) =>
          projectDoctor(platform, await servedProject(platform, { project: options.project }), { offline: false }),
        );
      } catch (error) {
        if (other) throw error;
        const note: Finding = { check: 'console settings', status: 'warn', message: `not read: ${(error as Error).message}` };
        return environmentDoctor(env, options, note);
      }
    }
  }
  if (other) throw new Error('--project needs the database (the projects are listed there): run it without --offline, with the database reachable');
  return environmentDoctor(env, options);
}

const marks = { ok: '[ok]     ', warn: '[warn]   ', problem: '[PROBLEM]' } as const;

export async function runDoctor(env: Env, options: DoctorOptions): Promise<number> {
  let report: DoctorReport;
  try {
    report = await doctorReport(env, options);
  } catch (error) {
    throw described(error);
  }
  const { findings } = report;
  const problems = findings.filter((finding) => finding.status === 'problem').length;
  const warnings = findings.filter((finding) => finding.status === 'warn').length;
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ project: report.project, settings_version: report.settings_version, problems, warnings, findings }, null, 2)}\n`);
  } else {
    const order = { problem: 0, warn: 1, ok: 2 } as const;
    const sorted = [...findings].sort((a, b) => order[a.status] - order[b.status]);
    const lines = [`foyer doctor: ${problems} problem(s), ${warnings} warning(s)`, ''];
    for (const finding of sorted) {
      lines.push(`${marks[finding.status]} ${finding.check}: ${finding.message}`);
      if (finding.fix && finding.status !== 'ok') lines.push(`            fix: ${finding.fix}`);
    }
    if (!report.config_loaded) lines.push('', 'The configuration does not load, so the SMTP and database checks were skipped.');
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  return problems > 0 ? 1 : 0;
}
