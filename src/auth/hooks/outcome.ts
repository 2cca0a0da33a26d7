/**
 * What a hook's answer means, as GoTrue reads it: an `error` object with a message is an HTTP error
 * with the hook's http_code (500 when absent) and message; otherwise the answer is read into the
 * hook's response type, and an answer of the wrong shape is GoTrue's 500 "Error unmarshaling JSON output.".
 */
import { FoyerError } from '../../errors.js';
import type { HookName, HookResponses } from './types.js';

/**
 * A hook that failed or answered nonsense. GoTrue answers these with a 500; supabase-js turns every 5xx
 * into an AuthRetryableFetchError that drops the message, so Foyer keeps GoTrue's code and message and
 * answers 422, the status GoTrue gives a hook that times out.
 */
export const hookFailure = (message: string, cause?: unknown): FoyerError =>
  new FoyerError('unexpected_failure', message, { status: 422, cause });

const unreadable = (cause?: unknown) => hookFailure('Error unmarshaling JSON output.', cause);

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The error a hook reports in `{"error": {"http_code": 4xx, "message": "…"}}`, if any: the hook's
 * message with its status. GoTrue defaults a missing http_code to 500 and notes it should be a 400 and
 * kept to 4xx; Foyer does that, so the message reaches supabase-js (which hides the body of a 5xx).
 */
export function hookReportedError(output: unknown): FoyerError | undefined {
  if (!isObject(output) || !isObject(output.error)) return undefined;
  const { http_code: httpCode, message } = output.error;
  // GoTrue reads the object only when both fields have their types; an empty message is no error.
  if (message !== undefined && typeof message !== 'string') return undefined;
  if (httpCode !== undefined && !Number.isInteger(httpCode)) return undefined;
  if (!message) return undefined;
  const asked = (httpCode as number | undefined) ?? 0;
  const status = asked >= 400 && asked <= 499 ? asked : 400;
  // GoTrue's code for an error that names none.
  return new FoyerError('unknown', message, { status });
}

/** Text of the answer → JSON (undefined for no answer: a 204, a function returning NULL). */
export function parseHookOutput(text: string | null | undefined): unknown {
  if (text === null || text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw unreadable(error);
  }
}

const field = <T>(output: Record<string, unknown>, name: string, type: 'string' | 'boolean', fallback: T): T => {
  const value = output[name];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== type) throw unreadable(`${name} is not a ${type}`);
  return value as T;
};

type Reader<N extends HookName> = (output: unknown) => HookResponses[N];

/** Each hook's answer, read as GoTrue's json.Unmarshal into its output struct reads it. */
const readers: { readonly [N in HookName]: Reader<N> } = {
  custom_access_token: (output) => {
    if (!isObject(output)) {
      if (output === undefined || output === null) return { claims: null };
      throw unreadable();
    }
    if (!('claims' in output)) throw hookFailure('output claims field is missing');
    if (output.claims !== null && !isObject(output.claims)) throw unreadable('claims is not an object');
    return { claims: output.claims as Record<string, unknown> };
  },
  password_verification_attempt: (output) => {
    const object = structOf(output);
    return {
      decision: field(object, 'decision', 'string', ''),
      message: field(object, 'message', 'string', ''),
      should_logout_user: field(object, 'should_logout_user', 'boolean', false),
    };
  },
  mfa_verification_attempt: (output) => {
    const object = structOf(output);
    return { decision: field(object, 'decision', 'string', ''), message: field(object, 'message', 'string', '') };
  },
  before_user_created: (output) => (structOf(output), {}),
  send_email: (output) => (structOf(output), {}),
  send_sms: (output) => (structOf(output), {}),
};

/** A JSON object, or nothing (null, no answer) read as an empty one; anything else does not fit a struct. */
function structOf(output: unknown): Record<string, unknown> {
  if (output === undefined || output === null) return {};
  if (!isObject(output)) throw unreadable();
  return output;
}

export function readHookResponse<N extends HookName>(name: N, output: unknown): HookResponses[N] {
  return (readers[name] as Reader<N>)(output);
}
