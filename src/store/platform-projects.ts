/**
 * The control tables of the platform (migration 0010): projects, their settings versions and which
 * project a database belongs to. They live in the default project's database (the control database).
 */
import type { Queryable } from './db.js';

export interface ProjectRow {
  readonly ref: string;
  readonly name: string;
  readonly db_kind: 'embedded' | 'postgres';
  readonly database_url_sealed: string | null;
  readonly jwt_secret_sealed: string | null;
  readonly created_at: string;
}

/** ENV-NAME → string; secret values sealed. */
export type StoredOverrides = Readonly<Record<string, string>>;
export type SettingsDiff = Readonly<Record<string, { readonly from: string | null; readonly to: string | null }>>;

export interface SettingsVersionRow {
  readonly project_ref: string;
  readonly version: number;
  readonly overrides: StoredOverrides;
  readonly changed_by: string;
  readonly changed_at: string;
  readonly diff: SettingsDiff;
}

/** Channel of the notifications every Foyer process on the control database listens to. */
export const PLATFORM_CHANNEL = 'foyer_platform';

/**
 * Marks the database as `ref`'s (first claim wins) and returns whose it is, so one database is
 * never served as two projects.
 */
export async function claimDatabase(db: Queryable, ref: string): Promise<string> {
  await db.query(`insert into auth.foyer_instance_identity (id, project_ref) values (1, $1) on conflict (id) do nothing`, [ref]);
  const [row] = await db.query<{ project_ref: string }>(`select project_ref from auth.foyer_instance_identity where id = 1`);
  return row.project_ref;
}

export async function releaseDatabase(db: Queryable, ref: string): Promise<void> {
  await db.query(`delete from auth.foyer_instance_identity where id = 1 and project_ref = $1`, [ref]);
}

const projectColumns = 'ref, name, db_kind, database_url_sealed, jwt_secret_sealed, created_at';

export async function ensureDefaultProject(db: Queryable, kind: 'embedded' | 'postgres'): Promise<void> {
  await db.query(
    `insert into auth.foyer_projects (ref, name, db_kind) values ('default', 'Default project', $1) on conflict (ref) do nothing`,
    [kind],
  );
}

export async function insertProject(db: Queryable, row: Omit<ProjectRow, 'created_at'>): Promise<ProjectRow> {
  const [inserted] = await db.query<ProjectRow>(
    `insert into auth.foyer_projects (ref, name, db_kind, database_url_sealed, jwt_secret_sealed)
     values ($1, $2, $3, $4, $5) returning ${projectColumns}`,
    [row.ref, row.name, row.db_kind, row.database_url_sealed, row.jwt_secret_sealed],
  );
  return inserted;
}

/** Deletes a project's row (its settings history follows, on delete cascade); false when there was none. */
export async function deleteProjectRow(tx: Queryable, ref: string): Promise<boolean> {
  const rows = await tx.query<{ ref: string }>(`delete from auth.foyer_projects where ref = $1 and ref <> 'default' returning ref`, [ref]);
  return rows.length === 1;
}

export async function listProjectRows(db: Queryable): Promise<ProjectRow[]> {
  return db.query<ProjectRow>(`select ${projectColumns} from auth.foyer_projects order by ref = 'default' desc, created_at, ref`);
}

export async function findProjectRow(db: Queryable, ref: string): Promise<ProjectRow | undefined> {
  const [row] = await db.query<ProjectRow>(`select ${projectColumns} from auth.foyer_projects where ref = $1`, [ref]);
  return row;
}

/** The newest version of a project's settings (version 0 and no overrides when never edited). */
export async function currentSettings(db: Queryable, ref: string): Promise<{ version: number; overrides: StoredOverrides }> {
  const [row] = await db.query<{ version: number; overrides: StoredOverrides }>(
    `select version, overrides from auth.foyer_settings_versions where project_ref = $1 order by version desc limit 1`,
    [ref],
  );
  return row ?? { version: 0, overrides: {} };
}

/** Every project's newest settings version (a cheap poll behind LISTEN/NOTIFY). */
export async function currentVersions(db: Queryable): Promise<Map<string, number>> {
  const rows = await db.query<{ project_ref: string; version: number }>(
    `select project_ref, max(version) as version from auth.foyer_settings_versions group by project_ref`,
  );
  return new Map(rows.map((row) => [row.project_ref, Number(row.version)]));
}

/** Serialises edits of one project's settings (call inside the transaction that inserts the version). */
export async function lockProjectSettings(tx: Queryable, ref: string): Promise<boolean> {
  const rows = await tx.query(`select ref from auth.foyer_projects where ref = $1 for update`, [ref]);
  return rows.length > 0;
}

export async function insertSettingsVersion(tx: Queryable, row: Omit<SettingsVersionRow, 'changed_at'>): Promise<SettingsVersionRow> {
  const [inserted] = await tx.query<SettingsVersionRow>(
    `insert into auth.foyer_settings_versions (project_ref, version, overrides, changed_by, diff)
     values ($1, $2, $3::jsonb, $4, $5::jsonb)
     returning project_ref, version, overrides, changed_by, changed_at, diff`,
    [row.project_ref, row.version, JSON.stringify(row.overrides), row.changed_by, JSON.stringify(row.diff)],
  );
  return inserted;
}

export async function listSettingsVersions(db: Queryable, ref: string, limit = 200): Promise<SettingsVersionRow[]> {
  return db.query<SettingsVersionRow>(
    `select project_ref, version, overrides, changed_by, changed_at, diff from auth.foyer_settings_versions
      where project_ref = $1 order by version desc limit $2`,
    [ref, limit],
  );
}

export async function findSettingsVersion(db: Queryable, ref: string, version: number): Promise<SettingsVersionRow | undefined> {
  const [row] = await db.query<SettingsVersionRow>(
    `select project_ref, version, overrides, changed_by, changed_at, diff from auth.foyer_settings_versions
      where project_ref = $1 and version = $2`,
    [ref, version],
  );
  return row;
}

/** Delivered to every listener when the surrounding transaction commits. */
export async function notifyPlatform(tx: Queryable, message: { type: 'settings' | 'project'; ref: string; version?: number }): Promise<void> {
  await tx.query(`select pg_notify($1, $2)`, [PLATFORM_CHANNEL, JSON.stringify(message)]);
}
