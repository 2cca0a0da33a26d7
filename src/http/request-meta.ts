import type { FastifyRequest } from 'fastify';
import type { RequestMeta } from '../auth/deps.js';

export const requestMeta = (request: FastifyRequest): RequestMeta => ({
  ip: request.ip || null,
  userAgent: request.headers['user-agent'] ?? null,
});
