/**
 * What PostgreSQL's backends of one database are doing while a measurement runs: pg_stat_activity read
 * every SAMPLE_MS, each active backend counted under its wait event (`IO:WALSync`, `LWLock:WALWrite`,
 * …) or `CPU` when it waits on nothing. The shares say what bounds a line from PostgreSQL's side (at a
 * million users, about a quarter of the samples in WALSync, the commit's flush, before the cleanup and
 * during it alike). Plus the checkpoints requested meanwhile (pg_stat_bgwriter.checkpoints_req: the WAL
 * reached `max_wal_size`, or someone ran CHECKPOINT; the bench runs none in these phases), not started by
 * time: each one makes the next change to every page write the whole page to the WAL again.
 */
import pg from 'pg';
import { databaseUrl } from './databases.js';

const SAMPLE_MS = 50;

export interface WaitProfile {
  /** Backend samples taken (active backends summed over the sampling rounds). */
  readonly samples: number;
  /** Share of those samples per wait (`CPU` for none), largest first. */
  readonly shares: readonly { readonly wait: string; readonly share: number }[];
  /** Checkpoints the server requested (WAL volume, or an explicit CHECKPOINT) while sampling. */
  readonly checkpointsRequested: number;
}

export interface WaitSampler {
  stop(): Promise<WaitProfile>;
}

async function checkpointsRequested(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ n: string }>('select checkpoints_req::text as n from pg_stat_bgwriter');
  return Number(rows[0].n);
}

/** Starts sampling the backends of `database` on the server at `serverUrl` (one connection of its own). */
export async function sampleWaits(serverUrl: string, database: string): Promise<WaitSampler> {
  const client = new pg.Client({ connectionString: databaseUrl(serverUrl, 'postgres') });
  await client.connect();
  const checkpointsBefore = await checkpointsRequested(client);
  const counts = new Map<string, number>();
  let running = true;
  const loop = (async () => {
    while (running) {
      const { rows } = await client.query<{ wait: string }>(
        `select coalesce(wait_event_type || ':' || wait_event, 'CPU') as wait
           from pg_stat_activity where datname = $1 and state = 'active' and pid <> pg_backend_pid()`,
        [database],
      );
      for (const row of rows) counts.set(row.wait, (counts.get(row.wait) ?? 0) + 1);
      await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
    }
  })();
  return {
    async stop() {
      running = false;
      try {
        await loop;
        const requested = (await checkpointsRequested(client)) - checkpointsBefore;
        const samples = [...counts.values()].reduce((sum, n) => sum + n, 0);
        const shares = [...counts.entries()]
          .map(([wait, n]) => ({ wait, share: samples ? n / samples : 0 }))
          .sort((a, b) => b.share - a.share);
        return { samples, shares, checkpointsRequested: requested };
      } finally {
        await client.end();
      }
    },
  };
}

/** The largest shares, as `IO:WALSync 52 %, CPU 31 %, …`. */
export function formatWaits(profile: WaitProfile | undefined, top = 3): string {
  if (!profile || profile.samples === 0) return '–';
  const shares = profile.shares.slice(0, top).map((s) => `${s.wait} ${Math.round(s.share * 100)} %`).join(', ');
  return `${shares}; ${profile.checkpointsRequested} checkpoint${profile.checkpointsRequested === 1 ? '' : 's'} requested`;
}
