/**
 * What the operations commands do, written once against a Platform: the CLI runs them on a Platform it
 * opens itself (no server runs, or PostgreSQL), and `foyer start` runs them for the CLI on its own
 * Platform over the local admin channel (channel-server.ts). Either way a command sees the project's live
 * settings (the environment plus what the console stored) and works on the project `--project` names.
 * Parameters arrive as JSON, so each operation checks its own; results are JSON documents the CLI renders.
 */
import { auditRls } from '../../audit/audit.js';
import { cleanupSettings, planView, previewCleanup, runCleanup } from '../../jobs/cleanup.js';
import { PlatformError } from '../../platform/errors.js';
import type { Platform } from '../../platform/platform.js';
import { DEFAULT_REF, type ServedProject } from '../../projects/registry.js';
import { readStatsReport } from '../../stats/report.js';
import { migrate } from '../../store/migrate.js';
import { listUsersWithActivity } from '../../store/user-list.js';
import { projectDoctor } from './doctor-project.js';

export type Params = Readonly<Record<string, unknown>>;
/** Progress an operation reports while it runs (the cleanup's batches). */
export type Emit = (event: Record<string, unknown>) => void;
export type Operation = (platform: Platform, params: Params, emit: Emit, signal: AbortSignal) => Promise<unknown>;

/** Bad parameters: the CLI validates its options first, so these reach only a hand-made request. */
const bad = (message: string) => new PlatformError(422, 'validation_failed', message);

function text(params: Params, name: string, options: { optional: true }): string | undefined;
function text(params: Params, name: string): string;
function text(params: Params, name: string, options: { optional?: boolean } = {}): string | undefined {
  const value = params[name];
  if (value === undefined && options.optional) return undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > 1024) throw bad(`${name} must be a non-empty string`);
  return value;
}

function whole(params: Params, name: string, max: number, fallback: number): number {
  const value = params[name] ?? fallback;
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > max) throw bad(`${name} must be a whole number from 1 to ${max}`);
  return value as number;
}

const flag = (params: Params, name: string): boolean => params[name] === true;

/** The project `params.project` names (the default one when unset), opened if it was not yet. */
export async function servedProject(platform: Platform, params: Params): Promise<ServedProject> {
  return platform.registry.serve(text(params, 'project', { optional: true }) ?? DEFAULT_REF);
}

const stats: Operation = async (platform, params) => {
  const served = await servedProject(platform, params);
  const bucket = params.bucket === 'hour' ? 'hour' : params.bucket === undefined || params.bucket === 'day' ? 'day' : undefined;
  if (!bucket) throw bad('bucket must be hour or day');
  const report = await readStatsReport(served.db, served.deps.config, { bucket, buckets: whole(params, 'buckets', 744, bucket === 'hour' ? 24 : 14) });
  return { ...report, project: served.record.ref };
};

const users: Operation = async (platform, params) => {
  const served = await servedProject(platform, params);
  const kind = params.kind ?? 'all';
  if (kind !== 'all' && kind !== 'anonymous' && kind !== 'permanent') throw bad('kind must be all, anonymous or permanent');
  const staleDays = flag(params, 'stale') ? served.deps.config.cleanupInactiveDays : undefined;
  const listing = await listUsersWithActivity(served.db, { kind: staleDays ? 'anonymous' : kind, staleDays, limit: whole(params, 'limit', 10000, 50) });
  return { ...listing, stale_days: staleDays ?? null, project: served.record.ref };
};

const audit: Operation = async (platform, params) => {
  const served = await servedProject(platform, params);
  const schemas = params.schemas ?? [];
  if (!Array.isArray(schemas) || schemas.some((schema) => typeof schema !== 'string' || schema.length === 0)) throw bad('schemas must be a list of names');
  return auditRls(served.db, schemas.length ? (schemas as string[]) : served.deps.config.restSchemas);
};

/** Previews, or runs and reports each batch; an abort (Ctrl-C in the CLI) stops it after the current batch. */
const cleanup: Operation = async (platform, params, emit, signal) => {
  const served = await servedProject(platform, params);
  const settings = cleanupSettings(served.deps.config);
  const plan = await previewCleanup(served.db, settings, whole(params, 'sample', 1000, 10));
  if (flag(params, 'dry_run')) return { plan: planView(plan) };
  emit({ type: 'plan', plan: planView(plan) });
  const outcome = await runCleanup(served.db, settings, {
    trigger: 'cli',
    signal,
    onStart: () => emit({ type: 'progress', deleted: 0, batches: 0, kept_data_owners: 0 }),
    onProgress: (progress) => emit({ type: 'progress', deleted: progress.deleted, batches: progress.batches, kept_data_owners: progress.keptDataOwners }),
  });
  return { plan: planView(plan), outcome };
};

const doctor: Operation = async (platform, params) => projectDoctor(platform, await servedProject(platform, params), { offline: flag(params, 'offline') });

const projectList: Operation = async (platform) =>
  platform.registry.list().map((record) => ({ ref: record.ref, name: record.name, db_kind: record.dbKind, created_at: record.createdAt, problem: record.problem ?? null }));

const projectCreate: Operation = async (platform, params) => {
  const record = await platform.registry.create({ name: text(params, 'name').trim(), databaseUrl: text(params, 'database_url', { optional: true }) });
  return { ref: record.ref, name: record.name, anon_key: record.apiKeys?.anonKey, service_role_key: record.apiKeys?.serviceRoleKey };
};

const projectDelete: Operation = async (platform, params) => {
  const deleted = await platform.registry.delete(text(params, 'ref'));
  return { ref: deleted.ref, database_removed: deleted.databaseRemoved };
};

const adminCreate: Operation = async (platform, params) => ({
  outcome: await platform.auth.createAdmin(params.email, params.password, { replace: flag(params, 'replace') }),
});

const migrateOperation: Operation = async (platform) => migrate(platform.registry.control);

export const operations = {
  stats,
  users,
  audit,
  cleanup,
  doctor,
  migrate: migrateOperation,
  'project-list': projectList,
  'project-create': projectCreate,
  'project-delete': projectDelete,
  'admin-create': adminCreate,
} satisfies Record<string, Operation>;

export type OperationName = keyof typeof operations;

export const isOperationName = (name: string): name is OperationName => Object.hasOwn(operations, name);
