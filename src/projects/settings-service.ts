/**
 * Editing project settings: the view the console shows, and every change (edit, revert, copy) as a
 * new version holding the full override map, validated by the loader before it is stored, announced to
 * every Foyer process (NOTIFY on commit) and put in force in this one at once.
 */
import { ConfigError, type Config } from '../config/load.js';
import { invalid, masterKeyRequired, PlatformError } from '../platform/errors.js';
import {
  currentSettings,
  findSettingsVersion,
  insertSettingsVersion,
  listSettingsVersions,
  lockProjectSettings,
  notifyPlatform,
  type SettingsDiff,
} from '../store/platform-projects.js';
import { isProjectUrlSetting, MASK, projectSettings, renderValue, settingForEnv, type CatalogEntry } from './catalog.js';
import { activeOverrides, effectiveConfig, type ProjectEnvironment } from './effective.js';
import { DEFAULT_REF, overrideContext, type ProjectRegistry } from './registry.js';

export interface SettingView {
  readonly key: string;
  readonly env: string;
  readonly value: string;
  readonly default_text: string;
  readonly doc: string;
  readonly pinned_by: string | null;
  readonly secret: boolean;
  /** Where the value comes from (additive to the contract): the environment, the console, or the default. */
  readonly source: 'env' | 'override' | 'default';
}

export interface SettingsView {
  readonly version: number;
  readonly settings: SettingView[];
}

export interface VersionView {
  readonly version: number;
  readonly changed_by: string;
  readonly changed_at: string;
  readonly diff: SettingsDiff;
}

type Plain = Record<string, string>;

interface Explicit {
  readonly value: string;
  readonly source: 'env' | 'override';
  readonly pinnedBy: string | null;
}

/** The value a project sets explicitly for `entry`, if any: pinned by the environment, or overridden. */
function explicitValue(environment: ProjectEnvironment, overrides: Plain, entry: CatalogEntry): Explicit | undefined {
  const pinned = environment.pinned.get(entry.env);
  if (pinned) return { value: environment.base[pinned] ?? '', source: 'env', pinnedBy: pinned };
  const override = activeOverrides(environment, overrides)[entry.env];
  return override === undefined ? undefined : { value: override, source: 'override', pinnedBy: null };
}

function displayValue(entry: CatalogEntry, explicit: Explicit | undefined, config: Config): string {
  if (entry.secret) return (explicit ? explicit.value : renderValue(config[entry.key])) ? MASK : '';
  return explicit ? explicit.value : renderValue(config[entry.key]);
}

/** Versions are an `integer` column: 1e308 is a whole number to JavaScript but not to PostgreSQL. */
const MAX_VERSION = 2_147_483_647;
const isVersionNumber = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) <= MAX_VERSION;

export class SettingsService {
  constructor(private readonly registry: ProjectRegistry) {}

  async view(ref: string): Promise<SettingsView> {
    this.registry.require(ref);
    const environment = this.registry.environment(ref);
    const { version, overrides } = await currentSettings(this.registry.control, ref);
    const plain = this.registry.openOverrides(ref, overrides);
    const config = this.configFor(environment, plain);
    const settings = projectSettings.map((entry): SettingView => {
      const explicit = explicitValue(environment, plain, entry);
      return {
        key: entry.key,
        env: entry.env,
        value: displayValue(entry, explicit, config),
        default_text: entry.defaultText,
        doc: entry.doc,
        pinned_by: explicit?.pinnedBy ?? null,
        secret: entry.secret,
        source: explicit?.source ?? 'default',
      };
    });
    return { version, settings };
  }

  async versions(ref: string): Promise<VersionView[]> {
    this.registry.require(ref);
    const rows = await listSettingsVersions(this.registry.control, ref);
    return rows.map((row) => ({ version: row.version, changed_by: row.changed_by, changed_at: row.changed_at, diff: row.diff }));
  }

  /** PATCH: `changes` maps variable names to a string (set) or null (remove the override). */
  async patch(ref: string, changes: unknown, expectedVersion: unknown, actor: string): Promise<{ version: number; changed: string[] }> {
    if (!changes || typeof changes !== 'object' || Array.isArray(changes)) throw invalid('changes must be an object of VARIABLE: "value" | null');
    const environment = this.registry.environment(ref);
    const normalized = new Map<string, string | null>();
    for (const [name, value] of Object.entries(changes as Record<string, unknown>)) {
      const entry = settingForEnv(name);
      if (!entry) throw invalid(`${name} is not a project setting (server-wide settings such as PORT or DATABASE_URL come from the environment)`);
      if (value !== null && typeof value !== 'string') throw invalid(`${name} must be a string or null, got ${typeof value}`);
      const pinned = environment.pinned.get(entry.env);
      if (pinned) {
        throw new PlatformError(422, 'setting_pinned', `${entry.env} is set by the environment variable ${pinned}; change it there (and restart), not in the console`);
      }
      // The console shows a secret as the mask: sending the mask back changes nothing.
      if (entry.secret && value === MASK) continue;
      normalized.set(entry.env, value);
    }
    return this.commit(ref, expectedVersion, actor, (current) => {
      const next = { ...current };
      for (const [name, value] of normalized) {
        if (value === null) delete next[name];
        else next[name] = value;
      }
      return next;
    });
  }

  async revert(ref: string, version: unknown, actor: string): Promise<{ version: number; changed: string[] }> {
    if (!isVersionNumber(version) || version < 0) throw invalid('version must be a whole number (0: no overrides)');
    this.registry.require(ref);
    const target = version === 0 ? { overrides: {} } : await findSettingsVersion(this.registry.control, ref, version);
    if (!target) throw new PlatformError(404, 'version_not_found', `Project ${ref} has no settings version ${version}`);
    const overrides = this.registry.openOverrides(ref, target.overrides);
    return this.commit(ref, undefined, actor, () => overrides);
  }

  /**
   * The explicit values of `fromRef` (its overrides, and for the default project its pinned variables)
   * become `toRef`'s overrides; `toRef` keeps its own URLs (API_EXTERNAL_URL, OAuth redirect URIs).
   */
  async copy(toRef: string, fromRef: unknown, actor: string): Promise<{ version: number; changed: string[] }> {
    if (typeof fromRef !== 'string') throw invalid('from_ref must be a project ref');
    this.registry.require(fromRef);
    if (fromRef === toRef) throw invalid('from_ref must be another project');
    const source = await this.explicitValues(fromRef);
    const target = this.registry.environment(toRef);
    return this.commit(toRef, undefined, actor, (current) => {
      const overrides: Plain = {};
      for (const [name, value] of Object.entries(source)) if (!target.pinned.has(name)) overrides[name] = value;
      for (const entry of projectSettings) {
        if (!isProjectUrlSetting(entry.key)) continue;
        delete overrides[entry.env];
        if (current[entry.env] !== undefined) overrides[entry.env] = current[entry.env];
      }
      return overrides;
    });
  }

  /** Settings whose effective values differ between two projects (secrets only say whether they differ). */
  async diff(a: string, b: string): Promise<{ env: string; a: string; b: string }[]> {
    const [left, right] = await Promise.all([this.effective(a), this.effective(b)]);
    const rows: { env: string; a: string; b: string }[] = [];
    for (const entry of projectSettings) {
      if (isProjectUrlSetting(entry.key)) continue;
      const valueA = renderValue(left[entry.key]);
      const valueB = renderValue(right[entry.key]);
      if (valueA === valueB) continue;
      rows.push(entry.secret ? { env: entry.env, a: valueA ? MASK : '', b: valueB ? MASK : '' } : { env: entry.env, a: valueA, b: valueB });
    }
    return rows;
  }

  private async effective(ref: string): Promise<Config> {
    this.registry.require(ref);
    const { overrides } = await currentSettings(this.registry.control, ref);
    return this.configFor(this.registry.environment(ref), this.registry.openOverrides(ref, overrides));
  }

  private async explicitValues(ref: string): Promise<Plain> {
    const environment = this.registry.environment(ref);
    const { overrides } = await currentSettings(this.registry.control, ref);
    const plain = this.registry.openOverrides(ref, overrides);
    const values: Plain = {};
    for (const entry of projectSettings) {
      const explicit = explicitValue(environment, plain, entry);
      if (explicit) values[entry.env] = explicit.value;
    }
    return values;
  }

  private configFor(environment: ProjectEnvironment, overrides: Plain): Config {
    try {
      return effectiveConfig(environment, overrides);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      return effectiveConfig(environment, {});
    }
  }

  private async commit(ref: string, expectedVersion: unknown, actor: string, change: (current: Plain) => Plain) {
    if (expectedVersion !== undefined && expectedVersion !== null && !isVersionNumber(expectedVersion)) {
      throw invalid('expected_version must be a whole number');
    }
    const registry = this.registry;
    const environment = registry.environment(ref);
    const result = await registry.control.transaction(async (tx) => {
      if (!(await lockProjectSettings(tx, ref))) throw new PlatformError(404, 'project_not_found', `No project with ref ${JSON.stringify(ref)}`);
      const current = await currentSettings(tx, ref);
      if (typeof expectedVersion === 'number' && expectedVersion !== current.version) {
        throw new PlatformError(409, 'conflict', `The settings changed meanwhile: version ${current.version}, not ${expectedVersion}; reload and try again`);
      }
      const before = registry.openOverrides(ref, current.overrides);
      const after = change(before);
      try {
        effectiveConfig(environment, after);
      } catch (error) {
        if (error instanceof ConfigError) throw invalid(error.message.replace(/^Invalid configuration:\n {2}- /, '').replace(/\n {2}- /g, '; '));
        throw error;
      }
      const diff: Record<string, { from: string | null; to: string | null }> = {};
      const stored: Record<string, string> = {};
      for (const name of new Set([...Object.keys(before), ...Object.keys(after)])) {
        const secret = settingForEnv(name)?.secret ?? false;
        const from = before[name] ?? null;
        const to = after[name] ?? null;
        if (to !== null) {
          if (secret && to !== '') {
            if (!registry.box) throw masterKeyRequired(`store the secret ${name}`);
            stored[name] = registry.box.seal(to, overrideContext(ref, name));
          } else {
            stored[name] = to;
          }
        }
        if (from === to) continue;
        diff[name] = secret ? { from: from ? MASK : from, to: to ? MASK : to } : { from, to };
      }
      if (Object.keys(diff).length === 0) return { version: current.version, changed: [] };
      const version = current.version + 1;
      await insertSettingsVersion(tx, { project_ref: ref, version, overrides: stored, changed_by: actor, diff });
      await notifyPlatform(tx, { type: 'settings', ref, version });
      return { version, changed: Object.keys(diff) };
    });
    if (result.changed.length) await registry.reloadSettings(ref);
    return result;
  }
}

export { DEFAULT_REF };
