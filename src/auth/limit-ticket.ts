/**
 * A rate limit that a hot path may count inside its own statement. The HTTP edge decides who is
 * limited and how a refusal is answered; the domain decides where the count happens: folded into the
 * statement that does the request's writes (one round trip and one commit; a refused request writes
 * nothing else), or on its own first when the counters live elsewhere (memory, Redis).
 */
import type { Counted, CounterState, InlineCounter } from '../store/rate-limits.js';

export interface LimitTicket {
  /** The counter to fold into the request's statement; undefined: call `spend()` first instead. */
  readonly inline: InlineCounter | undefined;
  /** Counts the request on its own; throws the refusal when the limit is spent. Counts at most once. */
  spend(): Promise<void>;
  /** Applies what the folded statement counted; throws the refusal when the limit is spent. */
  settle(state: CounterState): void;
  /**
   * Reports that the folded statement failed. The counter shares its statement's fate, so the failure
   * is also one of the counter store (the request fails closed either way).
   */
  failed(error: unknown): void;
}

/** For callers no limit applies to (admin-role callers, internal use). */
export const unlimited: LimitTicket = {
  inline: undefined,
  spend: async () => {},
  settle: () => {},
  failed: () => {},
};

/**
 * Runs a write under `limit`: `counted` with the counter folded in where the ticket has one, else
 * `plain` after the limit was spent on its own. Throws the refusal when the limit is spent.
 */
export async function writeUnderLimit<T>(
  limit: LimitTicket,
  plain: () => Promise<T>,
  counted: (counter: InlineCounter) => Promise<Counted<T>>,
): Promise<T> {
  if (!limit.inline) {
    await limit.spend();
    return plain();
  }
  const outcome = await counted(limit.inline).catch((error: unknown) => {
    limit.failed(error);
    throw error;
  });
  limit.settle(outcome.counter);
  if (outcome.result === undefined) throw new Error('the counter allowed the request but the statement wrote nothing');
  return outcome.result;
}
