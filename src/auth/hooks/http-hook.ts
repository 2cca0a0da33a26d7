/**
 * An http(s):// hook, called as GoTrue calls it: a JSON POST signed with Standard Webhooks (one
 * `v1,<signature>` per secret in `webhook-signature`), 5 seconds for the whole exchange including
 * retries, at most 3 attempts, and GoTrue's answer to each way a receiver can fail:
 *   - no answer in time: 422 hook_timeout;
 *   - unreachable (refused, reset): retried after 2 s, then 422 hook_timeout_after_retry;
 *   - 429/503 with Retry-After: retried at once; without it, or after the last attempt: a failure;
 *   - 400, 401, any other status but 200/202/204: a failure naming what the hook said
 *     (GoTrue's 500s, answered 422: see hookFailure);
 *   - 200/202 not application/json: 400 hook_payload_invalid_content_type; over 200 KB: 422
 *     hook_payload_over_size_limit; 204: no output.
 */
import { randomUUID } from 'node:crypto';
import { FoyerError } from '../../errors.js';
import { loadOnce } from '../../load-once.js';
import { readLimited } from '../../security/read-limited.js';
import { hookFailure } from './outcome.js';
import { hookTimeoutError } from './postgres-hook.js';

export interface HttpHookTimings {
  readonly timeoutMs: number;
  readonly backoffMs: number;
  readonly attempts: number;
  readonly responseLimitBytes: number;
}

/** GoTrue's (internal/hooks/hookshttp). */
export const HTTP_HOOK_TIMINGS: HttpHookTimings = { timeoutMs: 5000, backoffMs: 2000, attempts: 3, responseLimitBytes: 200 * 1024 };

const unavailable = () => hookFailure('Service currently unavailable due to hook');

/** Loaded by the first HTTP hook call: most servers configure none. */
const standardWebhooks = loadOnce(() => import('standardwebhooks'));

/** One `v1,<base64 signature>` per secret (secrets are `v1,whsec_…`; the config refuses any other kind). */
export async function signatures(secrets: readonly string[], messageId: string, sentAt: Date, body: string): Promise<string[]> {
  const { Webhook } = await standardWebhooks();
  return secrets.map((secret) => new Webhook(secret.slice('v1,'.length)).sign(messageId, sentAt, body));
}

class Deadline {
  readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  constructor(readonly ms: number) {
    this.timer = setTimeout(() => this.controller.abort(), ms);
  }
  get passed(): boolean {
    return this.controller.signal.aborted;
  }
  timeout(): FoyerError {
    return hookTimeoutError(this.ms / 1000);
  }
  /** Waits `ms` unless the deadline comes first (then false). */
  wait(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      if (this.passed) return resolve(false);
      const onAbort = () => {
        clearTimeout(timer);
        resolve(false);
      };
      const timer = setTimeout(() => {
        this.controller.signal.removeEventListener('abort', onAbort);
        resolve(true);
      }, ms);
      this.controller.signal.addEventListener('abort', onAbort, { once: true });
    });
  }
  end(): void {
    clearTimeout(this.timer);
  }
}

function checkContentType(contentType: string | null): void {
  if (!contentType) throw new FoyerError('hook_payload_invalid_content_type', 'Invalid Content-Type: Missing Content-Type header');
  const mediaType = contentType.split(';')[0].trim().toLowerCase();
  if (!/^[!#$%&'*+.^_`|~0-9a-z-]+\/[!#$%&'*+.^_`|~0-9a-z-]+$/.test(mediaType)) {
    throw new FoyerError('hook_payload_invalid_content_type', `Invalid Content-Type header: ${contentType}`);
  }
  if (mediaType !== 'application/json') {
    throw new FoyerError('hook_payload_invalid_content_type', `Invalid JSON response. Received content-type: ${contentType}`);
  }
}

/** The receiver's answer body (undefined for 204 No Content). */
export async function callHttpHook(
  uri: string,
  secrets: readonly string[],
  inputJson: string,
  timings: HttpHookTimings = HTTP_HOOK_TIMINGS,
): Promise<string | undefined> {
  const deadline = new Deadline(timings.timeoutMs);
  try {
    for (let attempt = 0; attempt < timings.attempts; attempt++) {
      const messageId = randomUUID();
      const sentAt = new Date();
      const signed = (await signatures(secrets, messageId, sentAt, inputJson)).join(', ');
      let response: Response;
      try {
        response = await fetch(uri, {
          method: 'POST',
          body: inputJson,
          redirect: 'follow',
          signal: deadline.controller.signal,
          headers: {
            'content-type': 'application/json',
            'webhook-id': messageId,
            'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
            'webhook-signature': signed,
            'accept-encoding': 'identity',
          },
        });
      } catch (error) {
        if (deadline.passed) throw deadline.timeout();
        if (attempt < timings.attempts - 1) {
          if (!(await deadline.wait(timings.backoffMs))) throw deadline.timeout();
          continue;
        }
        throw new FoyerError('hook_timeout_after_retry', 'Failed to reach hook after maximum retries', { cause: error });
      }
      try {
        switch (response.status) {
          case 204:
            return undefined;
          case 200:
          case 202:
            checkContentType(response.headers.get('content-type'));
            return await readLimited(response, timings.responseLimitBytes, () => new FoyerError('hook_payload_over_size_limit', `Payload size exceeded size limit of ${timings.responseLimitBytes} bytes`));
          case 429:
          case 503:
            if (response.headers.get('retry-after')) continue;
            throw unavailable();
          case 400:
            throw hookFailure('Invalid payload sent to hook');
          case 401:
            throw hookFailure('Hook requires authorization token');
          default:
            throw hookFailure(`Unexpected status code returned from hook: ${response.status}`);
        }
      } catch (error) {
        if (error instanceof FoyerError) throw error;
        // The body stopped arriving: the deadline, or the receiver hung up.
        if (deadline.passed) throw deadline.timeout();
        throw hookFailure(`Error running hook URI: ${uri}`, error);
      } finally {
        if (!response.bodyUsed) await response.body?.cancel().catch(() => undefined);
      }
    }
    throw unavailable();
  } finally {
    deadline.end();
  }
}
