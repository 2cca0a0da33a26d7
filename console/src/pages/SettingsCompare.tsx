/** Copy another project's settings into this one, and a side-by-side diff of two projects. */
import { useId, useState, type FormEvent } from 'react';
import { ErrorNotice, Success } from '../components/Notice';
import { useAction } from '../hooks';
import type { DiffRow, Project, SettingsDoc } from '../types';
import { copyFrom, diffProjects } from './settingsApi';

const cell = (value: string | null) => (value === null || value === '' ? <em className="muted">(unset)</em> : <code>{value}</code>);

function ProjectSelect({ id, value, onChange, projects }: { id: string; value: string; onChange: (ref: string) => void; projects: readonly Project[] }) {
  return (
    <select id={id} value={value} onChange={(e) => onChange(e.target.value)} required>
      <option value="">Choose a project</option>
      {projects.map((p) => (
        <option key={p.ref} value={p.ref}>
          {p.name} ({p.ref})
        </option>
      ))}
    </select>
  );
}

function CopySettings({ project, projects, onCopied }: { project: Project; projects: readonly Project[]; onCopied: (doc: SettingsDoc) => void }) {
  const [from, setFrom] = useState('');
  const [confirming, setConfirming] = useState(false);
  const action = useAction();
  const id = useId();
  const others = projects.filter((p) => p.ref !== project.ref);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!confirming) return setConfirming(true);
    setConfirming(false);
    const source = others.find((p) => p.ref === from);
    const doc = await action.run(() => copyFrom(project.ref, from), (d) => `Copied from ${source?.name ?? from}: version ${d.version} is in force.`);
    if (doc) onCopied(doc);
  };
  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Copy settings from another project</h2>
      <p className="hint">Every setting of the other project that is not pinned here replaces this project's value, as one new version (revertable).</p>
      <form onSubmit={submit} className="inline-form">
        <div className="field">
          <label htmlFor={id}>Copy from</label>
          <ProjectSelect id={id} value={from} onChange={(ref) => (setFrom(ref), setConfirming(false))} projects={others} />
        </div>
        <button type="submit" className={confirming ? 'button danger' : 'button'} disabled={!from || action.busy}>
          {confirming ? `Replace ${project.name}'s settings` : 'Copy settings…'}
        </button>
        {confirming ? (
          <button type="button" className="button ghost" onClick={() => setConfirming(false)}>
            Cancel
          </button>
        ) : null}
      </form>
      <ErrorNotice error={action.error} title="Not copied" />
      <Success message={action.message} />
    </section>
  );
}

function DiffSettings({ project, projects }: { project: Project; projects: readonly Project[] }) {
  const [a, setA] = useState(project.ref);
  const [b, setB] = useState(projects.find((p) => p.ref !== project.ref)?.ref ?? '');
  const [rows, setRows] = useState<DiffRow[] | undefined>(undefined);
  const action = useAction();
  const ids = { a: useId(), b: useId() };
  const name = (ref: string) => projects.find((p) => p.ref === ref)?.name ?? ref;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const result = await action.run(() => diffProjects(a, b));
    if (result) setRows(result);
  };
  // The server lists the settings whose values differ (secrets: only whether they differ).
  const visible = rows ?? [];
  return (
    <section className="card" aria-labelledby="diff-title">
      <h2 id="diff-title">Compare two projects</h2>
      <form onSubmit={submit} className="inline-form">
        <div className="field">
          <label htmlFor={ids.a}>Project A</label>
          <ProjectSelect id={ids.a} value={a} onChange={setA} projects={projects} />
        </div>
        <div className="field">
          <label htmlFor={ids.b}>Project B</label>
          <ProjectSelect id={ids.b} value={b} onChange={setB} projects={projects} />
        </div>
        <button type="submit" className="button" disabled={!a || !b || action.busy}>
          Compare
        </button>
      </form>
      <ErrorNotice error={action.error} />
      {rows ? (
        <>
          {visible.length === 0 ? (
            <p className="empty">The two projects have the same settings.</p>
          ) : (
            <div className="table-wrap" tabIndex={0}>
              <table className="diff-table" data-testid="settings-diff">
                <caption>
                  {visible.length} setting{visible.length > 1 ? 's' : ''} differ{visible.length > 1 ? '' : 's'}
                </caption>
                <thead>
                  <tr>
                    <th scope="col">Variable</th>
                    <th scope="col">{name(a)}</th>
                    <th scope="col">{name(b)}</th>
                  </tr>
                </thead>
                <tbody>
                  {visible.map((row) => (
                    <tr key={row.env} className={row.a !== row.b ? 'differs' : undefined}>
                      <th scope="row">
                        <code>{row.env}</code>
                      </th>
                      <td>{cell(row.a)}</td>
                      <td>{cell(row.b)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      ) : null}
    </section>
  );
}

export function SettingsCompare(props: { project: Project; projects: readonly Project[]; onCopied: (doc: SettingsDoc) => void }) {
  return (
    <>
      <CopySettings {...props} />
      <DiffSettings project={props.project} projects={props.projects} />
    </>
  );
}
