/**
 * The peer: Better Auth with its `anonymous` plugin on PostgreSQL, served by node:http through Better
 * Auth's own Node adapter, with its rate limiter off. Run as a child process of the bench:
 *   PEER_DATABASE_URL=… PEER_PORT=… PEER_SECRET=… node --import tsx bench/peer-server.ts
 * It creates its schema (Better Auth's programmatic migrations), listens, and prints `peer ready <port>`.
 */
import { createServer } from 'node:http';
import { betterAuth } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import { toNodeHandler } from 'better-auth/node';
import { anonymous } from 'better-auth/plugins';
import pg from 'pg';

const databaseUrl = process.env.PEER_DATABASE_URL;
const port = Number(process.env.PEER_PORT);
const secret = process.env.PEER_SECRET;
if (!databaseUrl || !port || !secret) throw new Error('PEER_DATABASE_URL, PEER_PORT and PEER_SECRET are required');

const baseURL = `http://127.0.0.1:${port}`;
// pg's default pool size (10) is also Foyer's default.
const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
const options = {
  baseURL,
  secret,
  database: pool,
  plugins: [anonymous()],
  rateLimit: { enabled: false },
  telemetry: { enabled: false },
};
const auth = betterAuth(options);

const { runMigrations } = await getMigrations(options);
await runMigrations();

const server = createServer(toNodeHandler(auth));
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1', () => process.stdout.write(`peer ready ${port}\n`));

const stop = () => {
  server.close();
  server.closeAllConnections();
  void pool.end().finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
