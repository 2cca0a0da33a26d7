/** Project settings: view, edit, history, revert, copy, and the diff of two projects. */
import type { FastifyInstance } from 'fastify';
import { invalid } from '../../platform/errors.js';
import type { Platform } from '../../platform/platform.js';
import { clientMeta, sessionOf } from './session.js';

type RefParams = { Params: { ref: string } };

const objectBody = (value: unknown): Record<string, unknown> =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

export function settingsRoutes(app: FastifyInstance, platform: Platform): void {
  const { settings } = platform;

  app.get<RefParams>('/projects/:ref/settings', async (request) => settings.view(request.params.ref));

  app.patch<RefParams>('/projects/:ref/settings', async (request) => {
    const { ref } = request.params;
    const body = objectBody(request.body);
    const session = sessionOf(request);
    const result = await settings.patch(ref, body.changes, body.expected_version, session.admin.email);
    if (result.changed.length) {
      await platform.audit(session.admin, 'settings_changed', { project_ref: ref, version: result.version, changed: result.changed }, clientMeta(platform, request).ip);
    }
    return settings.view(ref);
  });

  app.get<RefParams>('/projects/:ref/settings/versions', async (request) => ({ versions: await settings.versions(request.params.ref) }));

  app.post<RefParams>('/projects/:ref/settings/revert', async (request) => {
    const { ref } = request.params;
    const target = objectBody(request.body).version;
    const session = sessionOf(request);
    const result = await settings.revert(ref, target, session.admin.email);
    await platform.audit(
      session.admin,
      'settings_reverted',
      { project_ref: ref, to_version: target, version: result.version, changed: result.changed },
      clientMeta(platform, request).ip,
    );
    return settings.view(ref);
  });

  app.post<RefParams>('/projects/:ref/settings/copy', async (request) => {
    const { ref } = request.params;
    const from = objectBody(request.body).from_ref;
    const session = sessionOf(request);
    const result = await settings.copy(ref, from, session.admin.email);
    await platform.audit(
      session.admin,
      'settings_copied',
      { project_ref: ref, from_ref: from, version: result.version, changed: result.changed },
      clientMeta(platform, request).ip,
    );
    return settings.view(ref);
  });

  app.get<{ Querystring: { a?: string; b?: string } }>('/settings/diff', async (request) => {
    const { a, b } = request.query;
    if (typeof a !== 'string' || typeof b !== 'string' || !a || !b) throw invalid('a and b must name two projects: ?a=<ref>&b=<ref>');
    return { rows: await settings.diff(a, b) };
  });
}
