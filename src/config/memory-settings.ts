/**
 * Memory settings, spread into settingsSchema: how long an embedded project's database stays open with
 * nothing to do, whether an idle process hands back the heap it grew, and how far the heap may grow under
 * load (docs/operations.md, "Memory").
 * Server-wide: read from the environment only.
 */
import { ConfigError, parseBool, parseInteger } from './parse.js';
import { isBlank } from './parse-protection.js';
import { setting } from './setting.js';

/** Measured in the bench (docs/operations.md, "Memory"): 50 % held a server under 200 MB at no visible CPU cost. */
const DEFAULT_HEAP_GROWTH_PERCENT = 50;
/** V8's own ceiling is fourfold (300 %). */
const MAX_HEAP_GROWTH_PERCENT = 300;

/** A month: longer is "never" in all but name, and 0 says that. */
const MAX_IDLE_SECONDS = 31 * 24 * 3600;

export const memorySettings = {
  embeddedProjectIdleSeconds: setting({
    env: ['FOYER_EMBEDDED_PROJECT_IDLE_SECONDS'],
    doc:
      'Close the embedded database (PGlite, some 150 MB each) of a project other than the default one after this many seconds ' +
      'without a request; its next request opens it again and waits for that (a second or two). Its background jobs pause while it is closed. ' +
      'Embedded projects open on their first request, not at start. 0: once open, a project stays open (and all are opened at start, as before).',
    defaultText: '600',
    read: (raw, name) => {
      if (isBlank(raw)) return 600;
      const value = parseInteger(name, raw, 0);
      if (value > MAX_IDLE_SECONDS) throw new ConfigError(`${name} must be at most ${MAX_IDLE_SECONDS} (31 days; 0 keeps projects open), got ${value}`);
      return value;
    },
  }),
  compactHeapWhenIdle: setting({
    env: ['FOYER_COMPACT_HEAP_WHEN_IDLE'],
    doc:
      'After start-up, and after a busy spell that grew the JavaScript heap, run one full garbage collection once the process has been idle ' +
      'for 30 s, so memory the heap no longer uses goes back to the system (some 30 MB; V8 itself shrinks it only when something allocates). ' +
      'Never while requests keep the process busy. false leaves collection to V8 alone.',
    defaultText: 'true',
    read: (raw, name) => (isBlank(raw) ? true : parseBool(name, raw)),
  }),
  heapGrowthPercent: setting({
    env: ['FOYER_HEAP_GROWTH_PERCENT'],
    doc:
      'How far the JavaScript heap may grow past what the last full collection found alive before the next one, in percent (V8\'s --heap-growing-percent). ' +
      'Under load V8 lets it grow up to fourfold on its own: in the bench a server reached 255 MB resident, against 188 MB at 50. ' +
      'Lower keeps the process smaller and collects more often; 0 leaves the choice to V8.',
    defaultText: String(DEFAULT_HEAP_GROWTH_PERCENT),
    read: (raw, name) => {
      if (isBlank(raw)) return DEFAULT_HEAP_GROWTH_PERCENT;
      const value = parseInteger(name, raw, 0);
      if (value > MAX_HEAP_GROWTH_PERCENT) throw new ConfigError(`${name} must be at most ${MAX_HEAP_GROWTH_PERCENT} (0 leaves it to V8), got ${value}`);
      return value;
    },
  }),
} as const;
