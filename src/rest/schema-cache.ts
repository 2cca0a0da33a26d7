/**
 * What the Data API knows of the database: relations, foreign keys, functions, roles and cast types of
 * the exposed schemas, read from the catalog. Loaded on first use; reloaded on demand when a request
 * names something the cache lacks (a table created since), at most once per `minReloadMs`, and when
 * older than `maxAgeMs`.
 */
import type { Queryable } from '../store/db.js';
import {
  loadCastTypes,
  loadForeignKeys,
  loadFunctions,
  loadRelations,
  loadRoles,
  type ForeignKey,
  type FunctionInfo,
  type RoleInfo,
  type TableInfo,
} from './catalog.js';

export type { ColumnInfo, ForeignKey, FunctionArg, FunctionInfo, RoleInfo, TableInfo } from './catalog.js';

export interface SchemaSnapshot {
  readonly schemas: readonly string[];
  readonly tables: ReadonlyMap<string, TableInfo>;
  readonly foreignKeys: readonly ForeignKey[];
  readonly functions: ReadonlyMap<string, readonly FunctionInfo[]>;
  readonly roles: ReadonlyMap<string, RoleInfo>;
  readonly castTypes: ReadonlySet<string>;
  readonly loadedAt: number;
}

export const relationKey = (schema: string, name: string): string => `${schema}\u0000${name}`;

export async function loadSnapshot(db: Queryable, schemas: readonly string[]): Promise<SchemaSnapshot> {
  const [relations, foreignKeys, functions, roles, castTypes] = await Promise.all([
    loadRelations(db, schemas),
    loadForeignKeys(db, schemas),
    loadFunctions(db, schemas),
    loadRoles(db),
    loadCastTypes(db),
  ]);
  const byName = new Map<string, FunctionInfo[]>();
  for (const fn of functions) {
    const key = relationKey(fn.schema, fn.name);
    byName.set(key, [...(byName.get(key) ?? []), fn]);
  }
  return {
    schemas,
    tables: new Map(relations.map((table) => [relationKey(table.schema, table.name), table])),
    foreignKeys,
    functions: byName,
    roles: new Map(roles.map((role) => [role.name, role])),
    castTypes: new Set(castTypes),
    loadedAt: Date.now(),
  };
}

export class SchemaCache {
  private current: SchemaSnapshot | undefined;
  private loading: Promise<SchemaSnapshot> | undefined;

  constructor(
    private readonly db: Queryable,
    readonly schemas: readonly string[],
    private readonly minReloadMs = 1000,
    /** Reloaded when older than this, so changes nothing asks about (role settings, new columns) show up too. */
    private readonly maxAgeMs = 60_000,
  ) {}

  async get(): Promise<SchemaSnapshot> {
    if (this.current && Date.now() - this.current.loadedAt < this.maxAgeMs) return this.current;
    return this.reload();
  }

  /** Reloads now (shared by concurrent callers). */
  reload(): Promise<SchemaSnapshot> {
    this.loading ??= loadSnapshot(this.db, this.schemas)
      .then((snapshot) => {
        this.current = snapshot;
        return snapshot;
      })
      .finally(() => {
        this.loading = undefined;
      });
    return this.loading;
  }

  /** Marks the cache stale (after a catalog error): the next get() reloads. */
  invalidate(): void {
    this.current = undefined;
  }

  /** A fresher snapshot when the current one is old enough to be worth reloading, else undefined. */
  async fresher(snapshot: SchemaSnapshot): Promise<SchemaSnapshot | undefined> {
    if (this.current && this.current !== snapshot) return this.current;
    if (Date.now() - snapshot.loadedAt < this.minReloadMs) return undefined;
    return this.reload();
  }

  /** A role by name; roles created since the last load are looked up directly. */
  async role(snapshot: SchemaSnapshot, name: string): Promise<RoleInfo | undefined> {
    const known = snapshot.roles.get(name);
    if (known) return known;
    const [found] = await loadRoles(this.db, name);
    return found;
  }
}
