/**
 * Handing back the heap an idle process no longer uses (FOYER_COMPACT_HEAP_WHEN_IDLE). While start-up or
 * a busy spell allocates, V8 grows its young generation (to 32 MB) and its old space; it shrinks them
 * again only in a full collection that finds allocation slow — and an idle server allocates nothing, so
 * none comes. A PostgreSQL-mode server kept about 135 MB resident idle where 100 MB was in use. So once
 * start-up is done, and after any busy spell that grew the heap, one full collection runs when the
 * process has been idle for a whole check period (some 60–120 ms, with no request to delay). V8 shrinks
 * the young generation in it only when it measures allocation as slow, over about the last 5 s, which
 * is why the first one waits for FIRST_CHECK_MS rather than running as start-up ends; a collection
 * that left the young generation grown all the same is run again once V8 can see the quiet
 * (SHRINK_RETRY_MS, at most SHRINK_RETRIES times). The same collection frees the WebAssembly memory
 * of embedded databases closed since (requestCompaction).
 */
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Start-up allocates for a second or two after the listeners open (banner, warnings, the jobs' first rounds). */
const FIRST_CHECK_MS = 5_000;
const CHECK_EVERY_MS = 30_000;
/**
 * When a collection left the young generation grown: how soon, and how many times, to collect again.
 * V8 judges the allocation rate from the span since its previous collection, reaching back over 5 s:
 * the first collection after start-up still sees start-up's allocations (up to 16 MB since its last
 * scavenge), a second one 5 s later sees only the quiet between the two. Measured on an idle server
 * (PostgreSQL mode): one collection 9–10 s after the process started left 32 MB of young generation
 * in three starts of three; with the old single collection at 10 s after listening, one start in four
 * still held it (118 MB resident instead of 93).
 */
const SHRINK_RETRY_MS = 5_000;
const SHRINK_RETRIES = 3;
/** The young generation's size once V8 has shrunk it is 1 MB; past this it is still grown. */
const GROWN_YOUNG_GENERATION_BYTES = 4 * 1024 * 1024;
/**
 * Until start-up's collection has run, idleness is judged over this short window and re-checked after
 * it: the banner, the database warnings and the jobs' first rounds run in the first seconds, and a
 * first check over all of them would find the process busy and leave start-up's heap for another 30 s.
 */
const START_WINDOW_MS = 2_000;
/** Idle: the process used less than this share of one core over the check period. */
const IDLE_CPU_SHARE = 0.02;
/** Heap (and external, e.g. WebAssembly) growth since the last collection worth collecting for. */
const GROWTH_BYTES = 8 * 1024 * 1024;

type Collect = () => void;

/** V8's full collection, without --expose-gc on the command line: exposed for one new context only. */
function fullCollection(): Collect | undefined {
  const exposed = (globalThis as { gc?: unknown }).gc;
  if (typeof exposed === 'function') return exposed as Collect;
  try {
    v8.setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as Collect;
  } catch {
    return undefined;
  } finally {
    // Contexts made later (tests, vm users) get no `gc` they did not ask for.
    v8.setFlagsFromString('--no-expose-gc');
  }
}

const youngGenerationBytes = (): number => v8.getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? 0;

const heapBytes = (): number => {
  const stats = v8.getHeapStatistics() as v8.HeapInfo & { external_memory?: number };
  return stats.total_heap_size + (stats.external_memory ?? 0);
};

/**
 * FOYER_HEAP_GROWTH_PERCENT: V8 sets the next full collection's threshold at the live heap times a factor
 * it picks between 1.1 and 4 (higher the faster the process allocates), so a busy server let its old
 * generation grow to 60–120 MB around 30–40 MB alive. A fixed factor bounds that; V8 reads the flag at
 * every collection, so setting it at start is enough. 0 leaves V8's own choice.
 */
export function limitHeapGrowth(percent: number): void {
  if (percent > 0) v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
}

export interface HeapCompaction {
  /** Collections run so far. */
  readonly collections: number;
  stop(): void;
}

let wanted = false;

/** Something large was let go (a closed embedded database): collect at the next idle check. */
export function requestCompaction(): void {
  wanted = true;
}

export interface CompactionTimings {
  readonly firstCheckMs?: number;
  readonly checkEveryMs?: number;
  readonly startWindowMs?: number;
  readonly shrinkRetryMs?: number;
}

export function compactHeapWhenIdle(options: CompactionTimings = {}): HeapCompaction {
  const checkEveryMs = options.checkEveryMs ?? CHECK_EVERY_MS;
  const firstCheckMs = options.firstCheckMs ?? FIRST_CHECK_MS;
  const startWindowMs = Math.min(options.startWindowMs ?? START_WINDOW_MS, firstCheckMs);
  const shrinkRetryMs = options.shrinkRetryMs ?? SHRINK_RETRY_MS;
  const collect = fullCollection();
  let collections = 0;
  // A collection left the young generation grown (V8 still counted allocation as fast): collect again
  // once V8 can see the quiet. The retries are spent until a collection finds it shrunk, so a process
  // whose light, steady traffic keeps it grown does not run them after every collection.
  let retryPending = false;
  let retriesLeft = SHRINK_RETRIES;
  // Nothing collected yet: the first idle check collects what start-up left (module loading, route
  // compilation, the migrations check).
  let baseline = 0;
  let lastCpu = process.cpuUsage();
  let lastCheck = Date.now();
  /** The next check judges idleness from here on. */
  const beginWindow = () => {
    lastCpu = process.cpuUsage();
    lastCheck = Date.now();
  };
  let timer: NodeJS.Timeout | undefined;
  const check = () => {
    const used = process.cpuUsage(lastCpu);
    const elapsedMs = Date.now() - lastCheck;
    beginWindow();
    const idle = (used.user + used.system) / 1000 <= IDLE_CPU_SHARE * elapsedMs;
    if (collect && idle && (wanted || retryPending || heapBytes() - baseline >= GROWTH_BYTES)) {
      collect();
      collections += 1;
      wanted = false;
      baseline = heapBytes();
      // The collection's own CPU time (60–120 ms) does not make the next window busy.
      beginWindow();
      const grown = youngGenerationBytes() > GROWN_YOUNG_GENERATION_BYTES;
      if (!grown) retriesLeft = SHRINK_RETRIES;
      retryPending = grown && retriesLeft > 0;
      if (retryPending) retriesLeft -= 1;
    }
    // A pending retry while busy waits for the next quiet window, as the first collection does.
    const nextMs = retryPending ? shrinkRetryMs : collections === 0 && collect ? startWindowMs : checkEveryMs;
    timer = setTimeout(check, nextMs).unref();
  };
  // The first check looks at the last startWindowMs before it only.
  timer = setTimeout(() => {
    beginWindow();
    timer = setTimeout(check, startWindowMs).unref();
  }, firstCheckMs - startWindowMs).unref();
  return {
    get collections() {
      return collections;
    },
    stop: () => clearTimeout(timer),
  };
}
