/** Command-line flags of `npm run bench -- …`. */
import { parseArgs } from 'node:util';
import { LOAD_GENERATORS, type LoadGeneratorName } from './load.js';
import { LABELS, type MeasurementKey } from './report.js';

export interface BenchOptions {
  readonly seconds: number;
  readonly connections: number;
  /** Distinct client addresses (X-Forwarded-For via a trusted proxy); 0 = everything from 127.0.0.1. */
  readonly clientIps: number;
  readonly rounds: number;
  /** Seconds of load before a contender's first measured round (JIT, pools, caches). */
  readonly warmupSeconds: number;
  readonly only: ReadonlySet<MeasurementKey>;
  /** The local PostgreSQL server (no database part; the bench uses its own databases). */
  readonly serverUrl: string;
  /** Soak mode: seconds of sustained load against Foyer on PostgreSQL; undefined = the benchmark. */
  readonly soakSeconds?: number;
  /** Write a V8 CPU profile of Foyer (PostgreSQL) to bench/results/profiles. */
  readonly profile: boolean;
  /** Wait up to this many seconds for idle CPUs before starting (0: start at once). */
  readonly waitQuietSeconds: number;
  /** Extra environment for the Foyer children (`--foyer-env NAME=VALUE`), e.g. to compare settings. */
  readonly foyerEnv: Readonly<Record<string, string>>;
  /** Forces a load generator; undefined = wrk where installed, else autocannon. */
  readonly load?: LoadGeneratorName;
  /** Another commit whose anonymous sign-in is measured beside this checkout's (`--baseline REF`). */
  readonly baseline?: string;
  /** Scale mode (`--scale [N]`): the hot paths and operator reads on a database of N users; undefined = the benchmark. */
  readonly scaleUsers?: number;
}

export const ALL_KEYS = Object.keys(LABELS) as MeasurementKey[];

const USAGE = `npm run bench -- [--duration S] [--connections N] [--client-ips N] [--rounds N] [--warmup S] [--quick]
                    [--only NAMES] [--wait-quiet S] [--profile] [--foyer-env NAME=VALUE]… [--pg URL] [--soak SECONDS]
                    [--load wrk|autocannon] [--baseline REF] [--scale [N]]
  --duration S      seconds per measurement (default 15)
  --connections N   concurrent connections, for the load generator and pgbench alike (default 32)
  --client-ips N    requests come from N client addresses, round robin, as X-Forwarded-For through a
                    trusted proxy (default 1024); 0 = every request from 127.0.0.1 (one rate-limit bucket)
  --rounds N        rounds; the table shows medians (min–max) (default 3)
  --warmup S        load before each contender's first round (default 3)
  --quick           smoke run: 3 s, 1 round, 1 s warm-up
  --only NAMES      comma-separated measurements, each alone, or groups (limit, foyer, peer, pglite: every
                    name that starts with the group and a hyphen):
                    ${ALL_KEYS.join(', ')}
  --wait-quiet S    wait up to S seconds for idle CPUs before starting (others' work skews figures)
  --profile         write a CPU profile of Foyer (PostgreSQL) to bench/results/profiles/ and summarise it
  --foyer-env N=V   extra environment for Foyer (repeatable), e.g. FOYER_RATE_LIMIT_STORE=memory
  --pg URL          PostgreSQL server (default postgres://postgres@127.0.0.1:5432)
  --soak SECONDS    soak mode: sustained sign-ins and refreshes against Foyer, RSS and event-loop delay every 10 s
  --load G          HTTP load generator: wrk (default where installed: apt-get install -y wrk; a C client in its
                    own process, 2 threads) or autocannon (in the bench process, competing for the CPUs; the
                    fallback without wrk, and always the soak's)
  --baseline REF    also measure the anonymous sign-in and refresh rotation of commit REF (those of the two
                    selected; the sign-in if neither is), in a detached worktree using this checkout's
                    node_modules, on its own database, and print this checkout's ratio to each, round by
                    round: a hot-path change judged in one run, e.g. --only foyer-refresh --baseline main~5
  --scale [N]       scale mode: the same hot paths on a fresh database and on one filled with N users (default
                    1000000), /metrics, stats, the console's user list, the RLS audit and a cleanup under load;
                    10 s × 1 round unless --duration/--rounds say otherwise (bench/scale.ts)`;

function positive(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number, got "${raw}"\n${USAGE}`);
  return value;
}

function selection(raw: string | undefined): Set<MeasurementKey> {
  if (!raw) return new Set(ALL_KEYS);
  const chosen = new Set<MeasurementKey>();
  for (const name of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
    // A measurement's own name selects it alone (foyer-signin, not foyer-signin-hook too); any other
    // name is a group: every measurement whose name continues it.
    const exact = ALL_KEYS.find((key) => key === name);
    const matches = exact ? [exact] : ALL_KEYS.filter((key) => key.startsWith(`${name}-`));
    if (matches.length === 0) throw new Error(`--only: unknown measurement "${name}"\n${USAGE}`);
    for (const key of matches) chosen.add(key);
  }
  return chosen;
}

function assignment(raw: string): [string, string] {
  const at = raw.indexOf('=');
  if (at <= 0) throw new Error(`--foyer-env expects NAME=VALUE, got "${raw}"\n${USAGE}`);
  return [raw.slice(0, at), raw.slice(at + 1)];
}

/** The lines `--baseline` measures on the other commit, each beside this checkout's own. */
const BASELINE_LINES: ReadonlyArray<readonly [MeasurementKey, MeasurementKey]> = [
  ['foyer-signin', 'baseline-signin'],
  ['foyer-refresh', 'baseline-refresh'],
];

/**
 * With --baseline, the other commit's sign-in and refresh are measured where this checkout's are (the
 * sign-in alone when neither is selected); without it, asking for them is an error.
 */
function applyBaseline(only: Set<MeasurementKey>, hasBaseline: boolean, explicit: boolean): void {
  const asked = new Set(BASELINE_LINES.map(([, theirs]) => theirs).filter((theirs) => explicit && only.has(theirs)));
  for (const [, theirs] of BASELINE_LINES) only.delete(theirs);
  if (!hasBaseline) {
    if (asked.size > 0) throw new Error(`--only ${[...asked].join(',')} needs --baseline REF\n${USAGE}`);
    return;
  }
  const paired = BASELINE_LINES.filter(([ours, theirs]) => only.has(ours) || asked.has(theirs));
  for (const [, theirs] of paired.length > 0 ? paired : BASELINE_LINES.slice(0, 1)) only.add(theirs);
}

export const DEFAULT_SCALE_USERS = 1_000_000;

/** `--scale` may come without its number: parseArgs wants one, so the default is put in. */
function withScaleValue(argv: readonly string[]): string[] {
  const args = [...argv];
  const at = args.indexOf('--scale');
  if (at >= 0 && (at + 1 >= args.length || args[at + 1].startsWith('-'))) args.splice(at + 1, 0, String(DEFAULT_SCALE_USERS));
  return args;
}

export function parseOptions(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: withScaleValue(argv),
    options: {
      duration: { type: 'string' },
      connections: { type: 'string' },
      'client-ips': { type: 'string' },
      rounds: { type: 'string' },
      warmup: { type: 'string' },
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      profile: { type: 'boolean', default: false },
      'wait-quiet': { type: 'string' },
      pg: { type: 'string' },
      soak: { type: 'string' },
      'foyer-env': { type: 'string', multiple: true },
      load: { type: 'string' },
      baseline: { type: 'string' },
      scale: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const quick = values.quick ?? false;
  const load = values.load as LoadGeneratorName | undefined;
  if (load !== undefined && !LOAD_GENERATORS.includes(load)) throw new Error(`--load must be ${LOAD_GENERATORS.join(' or ')}, got "${load}"\n${USAGE}`);
  const only = selection(values.only);
  applyBaseline(only, values.baseline !== undefined, values.only !== undefined);
  const scaleUsers = values.scale === undefined ? undefined : Math.round(positive('scale', values.scale.replace(/_/g, ''), DEFAULT_SCALE_USERS));
  // Scale mode runs each line twice (small and large database) besides its fill and cleanup: shorter by default.
  const scale = scaleUsers !== undefined;
  return {
    seconds: positive('duration', values.duration, quick ? 3 : scale ? 10 : 15),
    connections: Math.round(positive('connections', values.connections, 32)),
    clientIps: values['client-ips'] === '0' ? 0 : Math.round(positive('client-ips', values['client-ips'], 1024)),
    rounds: Math.round(positive('rounds', values.rounds, quick || scale ? 1 : 3)),
    warmupSeconds: values.warmup === '0' ? 0 : positive('warmup', values.warmup, quick ? 1 : 3),
    only,
    serverUrl: values.pg ?? process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432',
    soakSeconds: values.soak === undefined ? undefined : positive('soak', values.soak, 0),
    profile: values.profile ?? false,
    waitQuietSeconds: values['wait-quiet'] === undefined ? 0 : positive('wait-quiet', values['wait-quiet'], 0),
    foyerEnv: Object.fromEntries((values['foyer-env'] ?? []).map(assignment)),
    ...(load === undefined ? {} : { load }),
    ...(values.baseline === undefined ? {} : { baseline: values.baseline }),
    ...(scaleUsers === undefined ? {} : { scaleUsers }),
  };
}
