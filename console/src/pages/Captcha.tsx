/** CAPTCHA setup: provider, secret (tested against the provider before saving), scope, timeout. */
import { useId, useState, type FormEvent } from 'react';
import { post, projectPath } from '../api';
import { CodeBlock } from '../components/CopyField';
import { ErrorNotice, LoadState, Success } from '../components/Notice';
import { Switch } from '../components/Switch';
import { useAction } from '../hooks';
import type { CaptchaTestResult, Project, Setting, SettingsDoc } from '../types';
import { saveSettings, useSettings } from './settingsApi';
import { isTrue, secretIsSet } from './settingsModel';

const ENV = {
  enabled: 'GOTRUE_SECURITY_CAPTCHA_ENABLED',
  provider: 'GOTRUE_SECURITY_CAPTCHA_PROVIDER',
  secret: 'GOTRUE_SECURITY_CAPTCHA_SECRET',
  timeout: 'GOTRUE_SECURITY_CAPTCHA_TIMEOUT',
  verifyUrl: 'FOYER_SECURITY_CAPTCHA_VERIFY_URL',
  scope: 'FOYER_SECURITY_CAPTCHA_SCOPE',
} as const;
type Field = keyof typeof ENV;

const SNIPPET = `// Render the provider's widget with your site key, then pass its token:
const { data, error } = await supabase.auth.signInAnonymously({
  options: { captchaToken },
})`;

function Pinned({ setting }: { setting: Setting | undefined }) {
  return setting?.pinned_by ? (
    <p className="hint pinned">
      Pinned by <code>{setting.pinned_by}</code>: read-only here.
    </p>
  ) : null;
}

function CaptchaForm({ project, doc, onSaved }: { project: Project; doc: SettingsDoc; onSaved: (doc: SettingsDoc) => void }) {
  const find = (field: Field) => doc.settings.find((s) => s.env === ENV[field]);
  const stored = (field: Field) => find(field)?.value ?? '';
  const [enabled, setEnabled] = useState(isTrue(find('enabled')?.value ?? find('enabled')?.default_text.split(' ')[0]));
  const [provider, setProvider] = useState(stored('provider') || 'hcaptcha');
  const [secret, setSecret] = useState('');
  const [verifyUrl, setVerifyUrl] = useState(stored('verifyUrl'));
  const [timeout, setTimeoutValue] = useState(stored('timeout'));
  const [scope, setScope] = useState(stored('scope') || 'all');
  const save = useAction();
  const test = useAction();
  const [touched, setTouched] = useState<Set<Field>>(new Set());
  const touch = (field: Field) => setTouched((current) => new Set(current).add(field));
  const [result, setResult] = useState<CaptchaTestResult | undefined>(undefined);
  const ids = { provider: useId(), secret: useId(), url: useId(), timeout: useId(), scope: useId(), enabled: useId(), result: useId() };
  const secretSetting = find('secret');
  const hasSecret = secretSetting ? secretIsSet(secretSetting) : false;
  const ro = (field: Field) => Boolean(find(field)?.pinned_by);

  const runTest = async () => {
    setResult(undefined);
    // Without a typed secret the server tests the saved one.
    const body: Record<string, string> = { provider };
    if (secret) body.secret = secret;
    if (verifyUrl.trim()) body.verify_url = verifyUrl.trim();
    const answer = await test.run(() => post<CaptchaTestResult>(projectPath(project.ref, '/captcha/test'), body));
    if (answer) setResult(answer);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const wanted: Record<Field, string | null> = {
      enabled: String(enabled),
      provider,
      secret: secret || null,
      timeout: timeout.trim() || null,
      verifyUrl: verifyUrl.trim() || null,
      scope,
    };
    // Only what was edited is sent; the provider too when none is stored yet (the select shows one).
    const send = new Set(touched);
    if (!stored('provider') && (enabled || secret)) send.add('provider');
    if (!secret) send.delete('secret');
    const changes: Record<string, string | null> = {};
    for (const field of send) {
      const setting = find(field);
      if (setting && !setting.pinned_by && (setting.value ?? null) !== wanted[field]) changes[ENV[field]] = wanted[field];
    }
    if (!Object.keys(changes).length) {
      save.clear();
      return;
    }
    const saved = await save.run(() => saveSettings(project.ref, changes, doc.version), (d) => `Saved: version ${d.version} is in force.`);
    if (saved) {
      setSecret('');
      setTouched(new Set());
      onSaved(saved);
    }
  };

  return (
    <form onSubmit={submit} className="stack" aria-label="CAPTCHA settings">
      <section className="card" aria-labelledby="captcha-provider">
        <h2 id="captcha-provider">Provider and secret</h2>
        <div className="form-grid">
          <div className="field">
            <label htmlFor={ids.provider}>Provider</label>
            <select id={ids.provider} data-env={ENV.provider} value={provider} disabled={ro('provider')} onChange={(e) => (setProvider(e.target.value), touch('provider'))}>
              <option value="hcaptcha">hCaptcha</option>
              <option value="turnstile">Cloudflare Turnstile</option>
            </select>
            <Pinned setting={find('provider')} />
          </div>
          <div className="field">
            <label htmlFor={ids.secret}>Secret key</label>
            <input
              id={ids.secret}
              aria-describedby={`${ids.secret}-hint`}
              data-env={ENV.secret}
              type="password"
              autoComplete="off"
              value={secret}
              disabled={ro('secret')}
              placeholder={hasSecret ? 'Set (hidden): type to replace it' : 'Not set'}
              onChange={(e) => (setSecret(e.target.value), touch('secret'))}
            />
            <p className="hint" id={`${ids.secret}-hint`}>
              The provider's secret key (not the site key). A saved secret is never shown: type one to test or replace it, or test the saved one.
            </p>
            <Pinned setting={find('secret')} />
          </div>
          <div className="field">
            <label htmlFor={ids.url}>Siteverify URL (optional)</label>
            <input
              id={ids.url}
              data-env={ENV.verifyUrl}
              className="mono"
              inputMode="url"
              spellCheck={false}
              value={verifyUrl}
              disabled={ro('verifyUrl')}
              placeholder="The provider's own"
              onChange={(e) => (setVerifyUrl(e.target.value), touch('verifyUrl'))}
            />
            <p className="hint">Only for a self-hosted proxy or tests.</p>
          </div>
          <div className="field">
            <label htmlFor={ids.timeout}>Timeout</label>
            <input id={ids.timeout} data-env={ENV.timeout} value={timeout} disabled={ro('timeout')} placeholder="10s" onChange={(e) => (setTimeoutValue(e.target.value), touch('timeout'))} />
            <p className="hint">A slower provider answer fails closed (the request is refused).</p>
          </div>
        </div>
        <div className="test-row">
          <button type="button" className="button" onClick={runTest} disabled={test.busy || (!secret && !hasSecret)} aria-describedby={`${ids.result} ${ids.secret}-hint`}>
            {test.busy ? 'Testing…' : 'Test secret'}
          </button>
          <div id={ids.result} role="status" aria-live="polite" data-testid="captcha-test-result">
            {result ? (
              result.ok ? (
                <span className="notice notice-ok">{result.detail || 'The provider accepted the secret.'}</span>
              ) : (
                <span className="notice notice-error">
                  {result.detail || 'The provider refused the secret.'}
                  {result.error_codes.length ? ` (${result.error_codes.join(', ')})` : ''}
                </span>
              )
            ) : null}
          </div>
        </div>
        <ErrorNotice error={test.error} title="Test failed" />
      </section>
      <section className="card" aria-labelledby="captcha-where">
        <h2 id="captcha-where">Where it applies</h2>
        <div className="field-row">
          <span id={`${ids.enabled}-label`}>Require CAPTCHA</span>
          <Switch id={ids.enabled} dataEnv={ENV.enabled} label="Require CAPTCHA" checked={enabled} disabled={ro('enabled')} onChange={(next) => (setEnabled(next), touch('enabled'))} />
        </div>
        <Pinned setting={find('enabled')} />
        <fieldset className="radios" disabled={ro('scope')}>
          <legend>Scope</legend>
          <label>
            <input type="radio" name="captcha-scope" value="all" checked={scope === 'all'} onChange={() => (setScope('all'), touch('scope'))} /> Every sign-up, password sign-in and
            mail endpoint (GoTrue's)
          </label>
          <label>
            <input type="radio" name="captcha-scope" value="anonymous" checked={scope === 'anonymous'} onChange={() => (setScope('anonymous'), touch('scope'))} /> Anonymous
            sign-ins only
          </label>
        </fieldset>
      </section>
      <div className="savebar">
        <button type="submit" className="button primary" disabled={save.busy}>
          {save.busy ? 'Saving…' : 'Save CAPTCHA settings'}
        </button>
      </div>
      <ErrorNotice error={save.error} title="Not saved" />
      <Success message={save.message} />
      <CodeBlock label="In your app" code={SNIPPET} />
    </form>
  );
}

export function CaptchaPage({ project }: { project: Project }) {
  const settings = useSettings(project.ref);
  return (
    <>
      <h1>CAPTCHA</h1>
      <p className="lede">Make bots solve a challenge before they create anonymous users. Test the secret before you turn it on.</p>
      <LoadState loaded={settings} what="CAPTCHA settings" endpoint={`/platform/v1/projects/${project.ref}/settings`}>
        {(doc) => <CaptchaForm project={project} doc={doc} onSaved={settings.set} />}
      </LoadState>
    </>
  );
}
