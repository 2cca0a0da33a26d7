/**
 * The one way Foyer calls a hook: invokeHook(deps, name, payload). It finds the hook's target in the
 * configuration, calls the Postgres function or POSTs to the endpoint, turns an `error` object in the
 * answer into the HTTP error the hook asked for, and reads the answer into the hook's response type.
 * Callers check hookEnabled() first, so a deployment without hooks pays nothing (no query, no await).
 */
import { randomUUID } from 'node:crypto';
import type { Config } from '../../config/load.js';
import { hookSettingKeys, type HookTarget } from '../../config/hook-settings.js';
import type { Db, Queryable } from '../../store/db.js';
import { callHttpHook, HTTP_HOOK_TIMINGS, type HttpHookTimings } from './http-hook.js';
import { hookReportedError, parseHookOutput, readHookResponse } from './outcome.js';
import { callPostgresHook, POSTGRES_HOOK_TIMEOUT_MS } from './postgres-hook.js';
import { hookEventNames, type HookMetadata, type HookName, type HookPayloads, type HookResponses } from './types.js';

export interface HookEndpoint {
  readonly target: HookTarget;
  readonly secrets: readonly string[];
}

export interface HookDeps {
  readonly db: Db;
  readonly config: Config;
}

export interface InvokeOptions {
  /** The transaction the call belongs to (Postgres hooks run in it, and roll back with it). */
  readonly tx?: Queryable;
  readonly postgresTimeoutMs?: number;
  readonly httpTimings?: HttpHookTimings;
}

/** The enabled hook's endpoint, or undefined when the hook is off (or not one Foyer serves). */
export function hookEndpoint(config: Config, name: HookName): HookEndpoint | undefined {
  const keys = hookSettingKeys[name];
  if (!keys || config[keys.enabled] !== true) return undefined;
  const target = config[keys.uri] as HookTarget | undefined;
  if (!target) return undefined;
  return { target, secrets: config[keys.secrets] as readonly string[] };
}

/** A property read: the check every call site makes before building a payload. */
export function hookEnabled(config: Config, name: HookName): boolean {
  const keys = hookSettingKeys[name];
  return keys !== undefined && config[keys.enabled] === true;
}

export function hookMetadata(name: HookName, ip: string | null | undefined): HookMetadata {
  const metadata = { uuid: randomUUID(), time: new Date().toISOString(), name: hookEventNames[name] };
  return ip ? { ...metadata, ip_address: ip } : metadata;
}

export async function invokeHook<N extends HookName>(
  deps: HookDeps,
  name: N,
  payload: HookPayloads[N],
  options: InvokeOptions = {},
): Promise<HookResponses[N]> {
  const endpoint = hookEndpoint(deps.config, name);
  if (!endpoint) throw new Error(`invokeHook(${name}) called while the hook is off; check hookEnabled() first`);
  const inputJson = JSON.stringify(payload);
  const { target } = endpoint;
  const text =
    target.kind === 'postgres'
      ? await callPostgresHook({ db: deps.db, tx: options.tx, timeoutMs: options.postgresTimeoutMs ?? POSTGRES_HOOK_TIMEOUT_MS }, target, inputJson)
      : await callHttpHook(target.uri, endpoint.secrets, inputJson, options.httpTimings ?? HTTP_HOOK_TIMINGS);
  const output = parseHookOutput(text);
  const reported = hookReportedError(output);
  if (reported) throw reported;
  return readHookResponse(name, output);
}
