/**
 * Email templates: the subject and template URL of each GoTrue mail (GOTRUE_MAILER_SUBJECTS_* and
 * GOTRUE_MAILER_TEMPLATES_*, live), a preview rendered with the settings in force, and "Send a test mail".
 * The preview is shown in a sandboxed frame: a template's markup never runs in the console.
 */
import { useId, useState, type FormEvent } from 'react';
import { post, projectPath } from '../api';
import { ErrorNotice, LoadState } from '../components/Notice';
import { useAction } from '../hooks';
import type { MailTestResult, Project } from '../types';
import { SettingsForm } from './Settings';
import { useSettings } from './settingsApi';

const TEMPLATE_SETTINGS = /^(GOTRUE_MAILER_(SUBJECTS|TEMPLATES)_(INVITE|CONFIRMATION|RECOVERY|EMAIL_CHANGE|MAGIC_LINK|REAUTHENTICATION)|GOTRUE_MAILER_TEMPLATE_|FOYER_MAILER_TEMPLATE_)/;

const KINDS = [
  ['confirmation', 'Sign-up confirmation'],
  ['invite', 'Invite'],
  ['magic_link', 'Magic link'],
  ['recovery', 'Recovery'],
  ['email_change', 'Email change'],
  ['reauthentication', 'Reauthentication'],
] as const;

function PreviewAndTest({ project }: { project: Project }) {
  const [kind, setKind] = useState<string>('confirmation');
  const [email, setEmail] = useState('');
  const [result, setResult] = useState<MailTestResult | undefined>(undefined);
  const action = useAction();
  const ids = { kind: useId(), email: useId(), result: useId() };
  const run = async (send: boolean) => {
    setResult(undefined);
    const answer = await action.run(() => post<MailTestResult>(projectPath(project.ref, '/mail/test'), { kind, email, send }));
    if (answer) setResult(answer);
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(true);
  };
  return (
    <form className="card" aria-labelledby="mail-test" onSubmit={submit}>
      <h2 id="mail-test">Preview and test mail</h2>
      <p className="hint">Renders the mail with the saved subject and template and sample data (code 123456, name "Sample User"); the sample link carries no real token.</p>
      <div className="form-grid">
        <div className="field">
          <label htmlFor={ids.kind}>Mail</label>
          <select id={ids.kind} value={kind} onChange={(e) => setKind(e.target.value)}>
            {KINDS.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.email}>Send to</label>
          <input id={ids.email} type="email" autoComplete="off" placeholder="you@example.com" value={email} onChange={(e) => setEmail(e.target.value)} />
        </div>
      </div>
      <div className="test-row">
        <button type="button" className="button ghost" disabled={action.busy} onClick={() => void run(false)} aria-describedby={ids.result}>
          Preview
        </button>
        <button type="submit" className="button" disabled={action.busy || email.trim() === ''} aria-describedby={ids.result}>
          {action.busy ? 'Working…' : 'Send a test mail'}
        </button>
        <div id={ids.result} role="status" aria-live="polite" data-testid="mail-test-result">
          {result ? <span className={result.ok ? 'notice notice-ok' : 'notice notice-error'}>{result.detail}</span> : null}
        </div>
      </div>
      {result ? (
        <div className="mail-preview">
          <p>
            <strong>Subject:</strong> {result.subject}
          </p>
          <iframe title="Rendered mail" sandbox="" srcDoc={result.html} style={{ width: '100%', minHeight: '16rem', border: '1px solid var(--border, #ccc)', background: '#fff' }} />
        </div>
      ) : null}
      <ErrorNotice error={action.error} title="Not done" />
    </form>
  );
}

export function EmailTemplatesPage({ project }: { project: Project }) {
  const settings = useSettings(project.ref);
  return (
    <>
      <h1>Email templates</h1>
      <p className="lede">
        The subject of each mail, and the URL of its HTML template in Go template syntax, as GoTrue reads them ({'{{ .ConfirmationURL }}'}, {'{{ .Token }}'},{' '}
        {'{{ .Data.name }}'}…). Unset: the default mail. Changes apply from the next mail.
      </p>
      <section className="card" aria-labelledby="template-settings">
        <h2 id="template-settings">Subjects and templates</h2>
        <LoadState loaded={settings} what="mail template settings" endpoint={`/platform/v1/projects/${project.ref}/settings`}>
          {(doc) => <SettingsForm project={project} doc={doc} only={TEMPLATE_SETTINGS} onSaved={settings.set} />}
        </LoadState>
      </section>
      <PreviewAndTest project={project} />
    </>
  );
}
