import type { FastifyRequest } from 'fastify';
import type { RequestMeta } from '../auth/deps.js';

export const requestMeta = (request: FastifyRequest): RequestMeta => ({
  // The client behind trusted proxies (http/plugins/client.ts), else the socket address.
  ip: request.clientIp || request.ip || null,
  userAgent: request.headers['user-agent'] ?? null,
});
