/**
 * The console session on the HTTP side: the `foyer_console` cookie (httpOnly, SameSite=Strict, Path=/,
 * Secure over HTTPS), the login check and the CSRF check of mutations (header x-csrf-token).
 */
import type {} from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ConsoleSession, SessionGrant } from '../../platform/console-auth.js';
import { PlatformError } from '../../platform/errors.js';
import type { Platform } from '../../platform/platform.js';
import { constantTimeEqual } from '../../security/crypto.js';

export const SESSION_COOKIE = 'foyer_console';

declare module 'fastify' {
  interface FastifyRequest {
    consoleSession?: ConsoleSession;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Whether the client reached us over HTTPS (directly, or through a trusted proxy that says so). */
export function isHttps(platform: Platform, request: FastifyRequest): boolean {
  if ((request.raw.socket as { encrypted?: boolean } | undefined)?.encrypted) return true;
  const forwarded = request.headers['x-forwarded-proto'];
  const proto = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim().toLowerCase();
  return proto === 'https' && platform.registry.default.deps.clientIp.trusts(request.raw.socket?.remoteAddress ?? '');
}

/** The origin the client used: what project URLs are built on. */
export function requestOrigin(platform: Platform, request: FastifyRequest): string {
  const host = request.headers.host ?? 'localhost';
  return `${isHttps(platform, request) ? 'https' : 'http'}://${host}`;
}

export function clientMeta(platform: Platform, request: FastifyRequest) {
  const ip = platform.registry.default.deps.clientIp.clientIp(request.raw.socket?.remoteAddress ?? request.ip, request.headers);
  const userAgent = request.headers['user-agent'];
  return { ip, userAgent: typeof userAgent === 'string' ? userAgent : null };
}

export function setSessionCookie(platform: Platform, request: FastifyRequest, reply: FastifyReply, grant: SessionGrant): void {
  reply.setCookie(SESSION_COOKIE, grant.token, {
    httpOnly: true,
    sameSite: 'strict',
    path: '/',
    secure: isHttps(platform, request),
    maxAge: grant.maxAgeSeconds,
  });
}

export function clearSessionCookie(platform: Platform, request: FastifyRequest, reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'strict', path: '/', secure: isHttps(platform, request) });
}

export const sessionToken = (request: FastifyRequest): string | undefined => request.cookies?.[SESSION_COOKIE];

/**
 * preHandler of every route behind the login: 401 without a session, 403 for a mutation without its CSRF
 * token, and the roles: a read-only administrator changes nothing (nor reads an outbox: routes-projects.ts;
 * owners alone manage administrators: src/platform/console-team.ts).
 */
export function requireConsoleSession(platform: Platform) {
  return async (request: FastifyRequest): Promise<void> => {
    const session = await platform.auth.session(sessionToken(request));
    if (!session) throw new PlatformError(401, 'console_login_required', 'Log in to the console first');
    if (!SAFE_METHODS.has(request.method)) checkCsrf(request, session);
    if (session.admin.role === 'read_only' && !SAFE_METHODS.has(request.method)) throw readOnlyRefusal();
    request.consoleSession = session;
  };
}

export function sessionOf(request: FastifyRequest): ConsoleSession {
  const session = request.consoleSession;
  if (!session) throw new PlatformError(401, 'console_login_required', 'Log in to the console first');
  return session;
}

export function checkCsrf(request: FastifyRequest, session: ConsoleSession): void {
  const header = request.headers['x-csrf-token'];
  if (typeof header !== 'string' || !constantTimeEqual(header, session.csrfToken)) {
    throw new PlatformError(403, 'csrf_failed', 'Missing or wrong x-csrf-token header (take it from the login or GET /platform/v1/session)');
  }
}

export const readOnlyRefusal = () =>
  new PlatformError(403, 'console_read_only', 'A read-only administrator can look but not change anything, nor read the mail and SMS outboxes');
