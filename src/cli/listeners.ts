/**
 * Where `foyer start` listens and what each listener serves. Embedded mode: one listener (PORT) serves
 * everything. Drop-in mode (DATABASE_URL): the auth listener (PORT, GOTRUE_API_HOST) serves GoTrue's
 * routes only, as the `supabase/gotrue` container it replaces behind the gateway; the admin listener
 * (FOYER_ADMIN_PORT on FOYER_ADMIN_HOST, loopback by default) serves everything else, or nothing runs
 * there when it is off.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { ConfigError, type Config } from '../config/load.js';
import { buildFront, type FrontServes } from '../http/platform/front.js';
import type { Platform } from '../platform/platform.js';

export type ListenerRole = 'single' | 'auth' | 'admin';

export interface ListenerPlan {
  readonly role: ListenerRole;
  readonly serves: FrontServes;
  readonly host: string;
  readonly port: number;
  /** The variables that set it, for messages. */
  readonly variables: string;
}

/** The listeners of this configuration, the one that serves GoTrue's routes first. */
export function planListeners(config: Config): ListenerPlan[] {
  if (config.embedded) return [{ role: 'single', serves: 'everything', host: config.host, port: config.port, variables: 'PORT, GOTRUE_API_HOST' }];
  const auth: ListenerPlan = { role: 'auth', serves: 'gotrue', host: config.host, port: config.port, variables: 'PORT, GOTRUE_API_HOST' };
  if (config.adminPort === undefined) return [auth];
  if (config.adminPort === config.port) {
    throw new ConfigError(`FOYER_ADMIN_PORT must differ from PORT (both ${config.port}): the admin listener is separate from the auth listener; 0 or off disables it`);
  }
  return [auth, { role: 'admin', serves: 'everything', host: config.adminHost, port: config.adminPort, variables: 'FOYER_ADMIN_PORT, FOYER_ADMIN_HOST' }];
}

export interface Listener {
  readonly plan: ListenerPlan;
  readonly front: FastifyInstance;
  /** http://host:port as a client on this machine reaches it (0.0.0.0 and :: shown as localhost). */
  url: string;
}

export interface Listeners {
  readonly all: readonly Listener[];
  of(role: ListenerRole): Listener | undefined;
  /** Listens on each, in order; a port that cannot be had names its variables. */
  listen(): Promise<void>;
  /**
   * Stops accepting connections and lets requests in flight finish, the auth listener first, then the
   * one that owns the platform (which closes it); with no such listener, closes the platform here.
   */
  close(): Promise<void>;
}

export async function buildListeners(platform: Platform, plans: readonly ListenerPlan[], logger: { level: string }): Promise<Listeners> {
  const all: Listener[] = [];
  for (const plan of plans) all.push({ plan, front: await buildFront(platform, { logger, serves: plan.serves }), url: '' });
  const ownsPlatform = all.some((listener) => listener.plan.serves === 'everything');
  // Responses still being worked on at shutdown say `Connection: close`: otherwise their keep-alive
  // sockets outlive them and hold the process open for keepAliveTimeout (72 s) after SIGTERM.
  const inFlight = new Set<ServerResponse>();
  for (const { front } of all) {
    front.server.on('request', (_request: IncomingMessage, response: ServerResponse) => {
      inFlight.add(response);
      response.once('close', () => inFlight.delete(response));
    });
  }
  return {
    all,
    of: (role) => all.find((listener) => listener.plan.role === role),
    async listen() {
      for (const listener of all) {
        const { host, port, variables } = listener.plan;
        try {
          await listener.front.listen({ port, host });
        } catch (error) {
          throw new Error(`cannot listen on ${host}:${port} (${variables}): ${(error as Error).message}`, { cause: error });
        }
        const address = listener.front.server.address();
        const bound = typeof address === 'object' && address ? address.port : port;
        const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
        listener.url = `http://${shownHost}:${bound}`;
      }
    },
    async close() {
      for (const response of inFlight) if (!response.headersSent) response.setHeader('connection', 'close');
      for (const listener of all) await listener.front.close();
      if (!ownsPlatform) await platform.close();
    },
  };
}
