/** Every saved version of a project's settings: who, when, what changed; revert to any of them. */
import { useState } from 'react';
import { ErrorNotice, LoadState, Success } from '../components/Notice';
import { dateTime, relative } from '../format';
import { useAction, useLoad } from '../hooks';
import type { Project, SettingsDoc, SettingsVersion } from '../types';
import { loadVersions, revertTo } from './settingsApi';

const show = (value: string | null) => (value === null ? <em className="muted">default</em> : <code>{value}</code>);

function VersionItem({ version, current, onRevert, busy }: { version: SettingsVersion; current: boolean; onRevert: () => void; busy: boolean }) {
  const [confirming, setConfirming] = useState(false);
  const entries = Object.entries(version.diff);
  return (
    <li className="card version" data-version={version.version}>
      <div className="version-head">
        <h3>
          Version {version.version} {current ? <span className="badge">current</span> : null}
        </h3>
        {version.version === 0 ? (
          <span className="muted">the environment and defaults, without console changes</span>
        ) : (
          <span className="muted">
            by {version.changed_by ?? 'system'} · <time dateTime={version.changed_at} title={dateTime(version.changed_at)}>{relative(version.changed_at)}</time>
          </span>
        )}
        {current ? null : confirming ? (
          <span className="confirm">
            <button type="button" className="button danger small" disabled={busy} onClick={onRevert}>
              {version.version === 0 ? 'Remove every console change' : `Revert to version ${version.version}`}
            </button>
            <button type="button" className="button ghost small" onClick={() => setConfirming(false)}>
              Cancel
            </button>
          </span>
        ) : (
          <button type="button" className="button small" onClick={() => setConfirming(true)}>
            {version.version === 0 ? 'Back to the defaults…' : 'Revert to this version…'}
          </button>
        )}
      </div>
      {entries.length ? (
        <div className="table-wrap" tabIndex={0}>
          <table>
            <caption className="visually-hidden">Changes in version {version.version}</caption>
            <thead>
              <tr>
                <th scope="col">Variable</th>
                <th scope="col">Before</th>
                <th scope="col">After</th>
              </tr>
            </thead>
            <tbody>
              {entries.map(([env, change]) => (
                <tr key={env}>
                  <th scope="row">
                    <code>{env}</code>
                  </th>
                  <td>{show(change.from)}</td>
                  <td>{show(change.to)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : version.version === 0 ? null : (
        <p className="muted">No changes recorded.</p>
      )}
    </li>
  );
}

export function SettingsHistory({
  project,
  currentVersion,
  onReverted,
}: {
  project: Project;
  currentVersion: number | undefined;
  onReverted: (doc: SettingsDoc) => void;
}) {
  const versions = useLoad(() => loadVersions(project.ref), [project.ref]);
  const action = useAction();
  const newest = versions.data?.reduce((max, v) => Math.max(max, v.version), 0);
  const current = currentVersion ?? newest;
  return (
    <section aria-label="Version history">
      <ErrorNotice error={action.error} title="Not reverted" />
      <Success message={action.message} />
      <LoadState loaded={versions} what="Settings history" endpoint={`/platform/v1/projects/${project.ref}/settings/versions`}>
        {(list) =>
          list.length === 0 ? (
            <p className="empty">No versions saved yet: every setting is at its default or pinned by the environment.</p>
          ) : (
            <ol className="versions">
              {[...list, { version: 0, changed_by: null, changed_at: '', diff: {} }]
                .sort((a, b) => b.version - a.version)
                .map((version) => (
                  <VersionItem
                    key={version.version}
                    version={version}
                    current={version.version === current}
                    busy={action.busy}
                    onRevert={async () => {
                      const doc = await action.run(() => revertTo(project.ref, version.version), (d) => `Reverted: version ${d.version} restores version ${version.version}.`);
                      if (doc) {
                        onReverted(doc);
                        versions.reload();
                      }
                    }}
                  />
                ))}
            </ol>
          )
        }
      </LoadState>
    </section>
  );
}
