/** Starts the peer (Better Auth, see peer-server.ts) as a child process on its own port. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './foyer.js';
import { settledIdleRss } from './memory.js';
import { freePort, startChild, type Child } from './processes.js';

export interface PeerServer {
  readonly child: Child;
  readonly url: string;
  readonly version: string;
}

export function betterAuthVersion(): string {
  const file = join(ROOT, 'node_modules', 'better-auth', 'package.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

export async function startPeer(databaseUrl: string): Promise<PeerServer> {
  const port = await freePort();
  const child = startChild('Better Auth', process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'peer-server.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      PEER_DATABASE_URL: databaseUrl,
      PEER_PORT: String(port),
      PEER_SECRET: 'peer-bench-secret-0123456789abcdefghijklmnopqrstuv',
    },
  });
  await child.waitFor(/peer ready \d+/, 120_000);
  await settledIdleRss(child.process.pid);
  return { child, url: `http://127.0.0.1:${port}`, version: betterAuthVersion() };
}
