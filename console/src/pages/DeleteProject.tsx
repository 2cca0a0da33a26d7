/** Deleting a project: the person types its ref, as the API asks (DELETE /projects/:ref {confirm}). */
import { useId, useState, type FormEvent } from 'react';
import { del, projectPath } from '../api';
import { ErrorNotice } from '../components/Notice';
import { useAction } from '../hooks';
import type { Project } from '../types';

interface Deleted {
  readonly deleted: string;
  readonly database: { readonly kind: 'embedded' | 'postgres'; readonly removed: boolean };
}

export function DeleteProject({ project, onDeleted }: { project: Project; onDeleted: () => void }) {
  const [typed, setTyped] = useState('');
  const action = useAction();
  const ids = { input: useId(), hint: useId() };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const done = await action.run(() => del<Deleted>(projectPath(project.ref), { confirm: typed.trim() }));
    if (done) onDeleted();
  };
  return (
    <section className="card danger-zone" aria-labelledby="delete-project">
      <h2 id="delete-project">Delete this project</h2>
      <p className="hint" id={ids.hint}>
        Its API stops answering at once (requests under way finish), its keys stop working, and its settings history is removed.{' '}
        {project.database.kind === 'embedded'
          ? 'Its embedded database is deleted with every user and row in it.'
          : 'Its PostgreSQL database is kept as it is, with its data: it can be added as a project again.'}
      </p>
      <form className="form-grid" onSubmit={submit}>
        <div className="field">
          <label htmlFor={ids.input}>
            Type the ref <code>{project.ref}</code> to confirm
          </label>
          <input
            id={ids.input}
            className="mono"
            autoComplete="off"
            spellCheck={false}
            aria-describedby={ids.hint}
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
          />
        </div>
        <div className="form-actions">
          <button type="submit" className="button danger" disabled={action.busy || typed.trim() !== project.ref}>
            {action.busy ? 'Deleting…' : 'Delete project'}
          </button>
        </div>
        <ErrorNotice error={action.error} title="Not deleted" />
      </form>
    </section>
  );
}
