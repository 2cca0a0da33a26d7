/** Reading and changing a project's live settings (versioned: every save names the version it read). */
import { get, patch, post, projectPath } from '../api';
import { useLoad } from '../hooks';
import type { DiffRow, SettingsDoc, SettingsVersion } from '../types';

export const loadSettings = (ref: string) => get<SettingsDoc>(projectPath(ref, '/settings'));

export const saveSettings = (ref: string, changes: Record<string, string | null>, expectedVersion: number) =>
  patch<SettingsDoc>(projectPath(ref, '/settings'), { changes, expected_version: expectedVersion });

export const loadVersions = (ref: string) => get<{ versions: SettingsVersion[] }>(projectPath(ref, '/settings/versions')).then((r) => r.versions);

export const revertTo = (ref: string, version: number) => post<SettingsDoc>(projectPath(ref, '/settings/revert'), { version });

export const copyFrom = (ref: string, fromRef: string) => post<SettingsDoc>(projectPath(ref, '/settings/copy'), { from_ref: fromRef });

export const diffProjects = (a: string, b: string) =>
  get<{ rows: DiffRow[] }>(`/settings/diff?a=${encodeURIComponent(a)}&b=${encodeURIComponent(b)}`).then((r) => r.rows);

export function useSettings(ref: string) {
  return useLoad(() => loadSettings(ref), [ref]);
}
