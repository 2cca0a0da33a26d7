/**
 * `foyer doctor` on a project's live settings: the environment a project is configured with plus the
 * overrides stored by the console (as the server puts them in force), so the doctor never contradicts a
 * setting changed in the console. The database checks run on the project's open database.
 */
import type { Platform } from '../../platform/platform.js';
import { activeOverrides, effectiveEnv } from '../../projects/effective.js';
import type { ServedProject } from '../../projects/registry.js';
import { embeddedDbDir } from '../../store/open.js';
import { currentSettings } from '../../store/platform-projects.js';
import { redact } from '../../store/postgres.js';
import { configChecks, loadForDoctor, type Finding } from '../doctor-checks.js';
import { dataApiLoginCheck, databaseChecks, smtpCheck } from '../doctor-io.js';

export interface DoctorReport {
  readonly project: string;
  readonly settings_version: number;
  /** Whether the configuration loads (without it the SMTP and database checks are skipped). */
  readonly config_loaded: boolean;
  readonly findings: Finding[];
}

/** Which console settings are in force, and which the environment pins (the console's value is ignored). */
function consoleSettingsFinding(ref: string, version: number, inForce: readonly string[], pinned: readonly string[]): Finding {
  const parts = [
    version === 0 ? 'none stored' : `version ${version}`,
    inForce.length ? `in force: ${inForce.join(', ')}` : 'none in force',
    ...(pinned.length ? [`ignored, pinned by the environment: ${pinned.join(', ')}`] : []),
  ];
  return { check: 'console settings', status: 'ok', message: `project ${ref}: ${parts.join('; ')}` };
}

export async function projectDoctor(platform: Platform, served: ServedProject, options: { offline: boolean }): Promise<DoctorReport> {
  const ref = served.record.ref;
  const environment = platform.registry.environment(ref);
  const { version, overrides } = await currentSettings(platform.registry.control, ref);
  const plain = platform.registry.openOverrides(ref, overrides);
  const inForce = Object.keys(activeOverrides(environment, plain)).sort();
  const pinned = Object.keys(plain).filter((name) => environment.pinned.has(name)).sort();
  const env = effectiveEnv(environment, plain);
  const loaded = loadForDoctor(env);
  const findings = [consoleSettingsFinding(ref, version, inForce, pinned), ...configChecks(env, loaded)];
  const config = loaded.config;
  if (config && !options.offline) {
    const where = config.databaseUrl ? redact(config.databaseUrl) : `embedded database in ${embeddedDbDir(config.dataDir)}`;
    findings.push(await smtpCheck(config), ...(await databaseChecks(served.db, where)));
    if (served.record.isDefault && !config.embedded) findings.push(await dataApiLoginCheck(config, served.db));
  }
  return { project: ref, settings_version: version, config_loaded: Boolean(config), findings };
}
