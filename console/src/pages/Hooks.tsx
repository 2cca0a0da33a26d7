/** Auth hooks: each hook's switch, URI and (write-only) secrets, live; and a call with a sample payload. */
import { useId, useState } from 'react';
import { post, projectPath } from '../api';
import { CodeBlock } from '../components/CopyField';
import { ErrorNotice, LoadState } from '../components/Notice';
import { useAction } from '../hooks';
import type { HookTestResult, Project } from '../types';
import { SettingsForm } from './Settings';
import { useSettings } from './settingsApi';

const HOOK_SETTINGS = /^GOTRUE_HOOK_|^SECRETS$/;

/** GoTrue's hooks Foyer serves, in the order Supabase's dashboard lists them. */
const HOOKS = [
  { name: 'send_email', label: 'Send email' },
  { name: 'send_sms', label: 'Send SMS' },
  { name: 'custom_access_token', label: 'Custom access token' },
  { name: 'mfa_verification_attempt', label: 'MFA verification attempt' },
  { name: 'password_verification_attempt', label: 'Password verification attempt' },
  { name: 'before_user_created', label: 'Before user created' },
] as const;

function HookCall({ project }: { project: Project }) {
  const [hook, setHook] = useState<string>(HOOKS[0].name);
  const [result, setResult] = useState<HookTestResult | undefined>(undefined);
  const action = useAction();
  const ids = { hook: useId(), result: useId() };
  const call = async () => {
    setResult(undefined);
    const answer = await action.run(() => post<HookTestResult>(projectPath(project.ref, `/hooks/${hook}/test`)));
    if (answer) setResult(answer);
  };
  return (
    <section className="card" aria-labelledby="hook-call">
      <h2 id="hook-call">Try a hook</h2>
      <p className="hint">
        Calls the hook's saved URI with GoTrue's input for it, made of sample data (code 123456, a made-up user), even before the hook is on. A Postgres
        function's writes are rolled back; an HTTP hook really receives the request, signed with the saved secrets.
      </p>
      <div className="test-row">
        <label htmlFor={ids.hook}>Hook</label>
        <select id={ids.hook} value={hook} onChange={(e) => (setHook(e.target.value), setResult(undefined))}>
          {HOOKS.map((h) => (
            <option key={h.name} value={h.name}>
              {h.label}
            </option>
          ))}
        </select>
        <button type="button" className="button" onClick={call} disabled={action.busy} aria-describedby={ids.result}>
          {action.busy ? 'Calling…' : 'Call this hook with a sample payload'}
        </button>
      </div>
      <div id={ids.result} role="status" aria-live="polite" data-testid="hook-test-result">
        {result ? (
          result.ok ? (
            <span className="notice notice-ok">
              The {result.target === 'postgres' ? 'function' : 'endpoint'} answered in {result.duration_ms} ms{result.enabled ? '' : ' (the hook is not on yet)'}.
            </span>
          ) : (
            <span className="notice notice-error">
              A request would fail with {result.error?.status} {result.error?.code}: {result.error?.message}
            </span>
          )
        ) : null}
      </div>
      <ErrorNotice error={action.error} title="Not called" />
      {result?.ok ? <CodeBlock label="What came back" code={JSON.stringify(result.response ?? null, null, 2)} /> : null}
      {result ? <CodeBlock label="What was sent" code={JSON.stringify(result.payload, null, 2)} /> : null}
    </section>
  );
}

export function HooksPage({ project }: { project: Project }) {
  const settings = useSettings(project.ref);
  return (
    <>
      <h1>Auth hooks</h1>
      <p className="lede">
        GoTrue's hooks: a Postgres function (<code>pg-functions://postgres/public/my_hook</code>) or an HTTPS endpoint signed with Standard Webhooks
        secrets (<code>v1,whsec_…</code>, write-only here). With the send-email or send-SMS hook on, the hook delivers instead of SMTP or the SMS provider.
      </p>
      <section className="card" aria-labelledby="hook-settings">
        <h2 id="hook-settings">Hooks</h2>
        <LoadState loaded={settings} what="Hook settings" endpoint={`/platform/v1/projects/${project.ref}/settings`}>
          {(doc) => <SettingsForm project={project} doc={doc} only={HOOK_SETTINGS} onSaved={settings.set} />}
        </LoadState>
      </section>
      <HookCall project={project} />
    </>
  );
}
