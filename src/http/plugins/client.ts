/**
 * The client address of a request as Foyer sees it: trusted proxies applied (security/client-ip.ts),
 * always a valid, normalised IP. Exposed as `request.clientIp` (sessions record it, CAPTCHA sends it
 * as remoteip, limits key on it). Fastify's own `request.ip` stays the socket address: proxy-addr
 * would hand back whatever unparseable text a proxy forwarded, which is no address to store.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuthDeps } from '../../auth/deps.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The client's IP address (trusted proxies applied); see src/http/plugins/client.ts. */
    readonly clientIp: string;
  }
}

const resolved = new WeakMap<FastifyRequest, string>();

export function clientIpOf(deps: AuthDeps, request: FastifyRequest): string {
  let ip = resolved.get(request);
  if (ip === undefined) {
    ip = deps.clientIp.clientIp(request.socket?.remoteAddress ?? request.ip, request.headers);
    resolved.set(request, ip);
  }
  return ip;
}

/** Adds the lazy `request.clientIp` getter to an app serving `deps`. */
export function registerClientIp(app: FastifyInstance, deps: AuthDeps): void {
  app.decorateRequest('clientIp', {
    getter(this: FastifyRequest) {
      return clientIpOf(deps, this);
    },
  });
}
