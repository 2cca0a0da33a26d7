/** POST /setup, GET /setup/status, POST /login, POST /logout, GET /session. */
import type { FastifyInstance } from 'fastify';
import type { Platform } from '../../platform/platform.js';
import { PlatformError } from '../../platform/errors.js';
import { checkCsrf, clearSessionCookie, clientMeta, sessionToken, setSessionCookie } from './session.js';
import { objectBody } from '../body.js';


export function consoleSessionRoutes(app: FastifyInstance, platform: Platform): void {
  app.get('/setup/status', { schema: { summary: 'Whether the first console administrator is still to be set up' } }, async () => ({
    needs_setup: await platform.auth.needsSetup(),
  }));

  app.post('/setup', { schema: { summary: 'Set up the first console administrator with the link `foyer start` printed' } }, async (request, reply) => {
    const { token, email, password } = objectBody(request.body);
    const meta = clientMeta(platform, request);
    const grant = await platform.auth.setup(token, email, password, meta);
    await platform.audit(grant.admin, 'console_admin_created', { via: 'setup' }, meta.ip);
    setSessionCookie(platform, request, reply, grant);
    return { admin: { email: grant.admin.email, role: grant.admin.role }, csrf_token: grant.csrfToken };
  });

  app.post('/login', { schema: { summary: 'Log in to the console: sets the session cookie, answers the CSRF token' } }, async (request, reply) => {
    const { email, password } = objectBody(request.body);
    const meta = clientMeta(platform, request);
    const grant = await platform.auth.login(email, password, meta);
    await platform.audit(grant.admin, 'console_login', {}, meta.ip);
    setSessionCookie(platform, request, reply, grant);
    return { admin: { email: grant.admin.email, role: grant.admin.role }, csrf_token: grant.csrfToken };
  });

  app.post('/logout', { schema: { summary: 'Log out of the console' } }, async (request, reply) => {
    const token = sessionToken(request);
    const session = await platform.auth.session(token);
    if (session) {
      checkCsrf(request, session);
      await platform.auth.logout(token);
      await platform.audit(session.admin, 'console_logout', {}, clientMeta(platform, request).ip);
    }
    clearSessionCookie(platform, request, reply);
    return {};
  });

  app.get('/session', { schema: { summary: 'The console session: the administrator and the CSRF token' } }, async (request) => {
    const session = await platform.auth.session(sessionToken(request));
    if (!session) throw new PlatformError(401, 'console_login_required', 'Log in to the console first');
    return { admin: { email: session.admin.email, role: session.admin.role }, csrf_token: session.csrfToken };
  });
}
