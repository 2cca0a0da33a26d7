/** Project settings: view, edit, history, revert, copy, and the diff of two projects. */
import type { FastifyInstance } from 'fastify';
import { invalid } from '../../platform/errors.js';
import type { Platform } from '../../platform/platform.js';
import { clientMeta, sessionOf } from './session.js';
import { objectBody } from '../body.js';

type RefParams = { Params: { ref: string } };


export function settingsRoutes(app: FastifyInstance, platform: Platform): void {
  const { settings } = platform;

  app.get<RefParams>('/projects/:ref/settings', { schema: { summary: "A project's settings, secrets masked" } }, async (request) => settings.view(request.params.ref));

  app.patch<RefParams>('/projects/:ref/settings', { schema: { summary: 'Change settings (changes: VARIABLE to a value, or null to remove the override)' } }, async (request) => {
    const { ref } = request.params;
    const body = objectBody(request.body);
    const session = sessionOf(request);
    const result = await settings.patch(ref, body.changes, body.expected_version, session.admin.email);
    if (result.changed.length) {
      await platform.audit(session.admin, 'settings_changed', { project_ref: ref, version: result.version, changed: result.changed }, clientMeta(platform, request).ip);
    }
    return settings.view(ref);
  });

  app.get<RefParams>('/projects/:ref/settings/versions', { schema: { summary: "The history of a project's settings" } }, async (request) => ({
    versions: await settings.versions(request.params.ref),
  }));

  /** Applies a whole-version change (revert, copy), records it in the audit log, answers the new view. */
  const replaceSettings = (
    path: string,
    summary: string,
    action: string,
    apply: (ref: string, body: Record<string, unknown>, by: string) => Promise<{ version: number; changed: unknown }>,
    traits: (body: Record<string, unknown>) => Record<string, unknown>,
  ) =>
    app.post<RefParams>(path, { schema: { summary } }, async (request) => {
      const { ref } = request.params;
      const body = objectBody(request.body);
      const session = sessionOf(request);
      const result = await apply(ref, body, session.admin.email);
      await platform.audit(
        session.admin,
        action,
        { project_ref: ref, ...traits(body), version: result.version, changed: result.changed },
        clientMeta(platform, request).ip,
      );
      return settings.view(ref);
    });

  replaceSettings(
    '/projects/:ref/settings/revert',
    'Go back to an earlier version of the settings (0: no overrides)',
    'settings_reverted',
    (ref, body, by) => settings.revert(ref, body.version, by),
    (body) => ({ to_version: body.version }),
  );
  replaceSettings(
    '/projects/:ref/settings/copy',
    "Copy another project's settings (from_ref), keeping this project's URLs",
    'settings_copied',
    (ref, body, by) => settings.copy(ref, body.from_ref, by),
    (body) => ({ from_ref: body.from_ref }),
  );

  app.get<{ Querystring: { a?: string; b?: string } }>('/settings/diff', { schema: { summary: 'The settings two projects differ in (?a=<ref>&b=<ref>)' } }, async (request) => {
    const { a, b } = request.query;
    if (typeof a !== 'string' || typeof b !== 'string' || !a || !b) throw invalid('a and b must name two projects: ?a=<ref>&b=<ref>');
    return { rows: await settings.diff(a, b) };
  });
}
