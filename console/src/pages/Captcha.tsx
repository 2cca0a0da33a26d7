/**
 * CAPTCHA setup: provider (hCaptcha, Turnstile, or the built-in proof of work with a live preview and
 * "solve once"), secret (tested against the provider before saving), scope, when anonymous sign-ins
 * are challenged (always, only during a spike, never), timeout.
 */
import { useId, useState, type FormEvent } from 'react';
import { post, projectPath } from '../api';
import { CodeBlock } from '../components/CopyField';
import { ErrorNotice, LoadState, Success } from '../components/Notice';
import { Switch } from '../components/Switch';
import { useAction } from '../hooks';
import type { CaptchaTestResult, Project, Setting, SettingsDoc } from '../types';
import { saveSettings, useSettings } from './settingsApi';
import { AltchaPreview } from './AltchaPreview';
import { isTrue, secretIsSet } from './settingsModel';

const ENV = {
  enabled: 'GOTRUE_SECURITY_CAPTCHA_ENABLED',
  provider: 'GOTRUE_SECURITY_CAPTCHA_PROVIDER',
  secret: 'GOTRUE_SECURITY_CAPTCHA_SECRET',
  timeout: 'GOTRUE_SECURITY_CAPTCHA_TIMEOUT',
  verifyUrl: 'FOYER_SECURITY_CAPTCHA_VERIFY_URL',
  scope: 'FOYER_SECURITY_CAPTCHA_SCOPE',
  anonymous: 'FOYER_SECURITY_CAPTCHA_ANONYMOUS',
  difficulty: 'FOYER_SECURITY_ALTCHA_DIFFICULTY',
  maxDifficulty: 'FOYER_SECURITY_ALTCHA_MAX_DIFFICULTY',
  expiry: 'FOYER_SECURITY_ALTCHA_EXPIRY',
} as const;
type Field = keyof typeof ENV;

const SNIPPET = `// Render the provider's widget with your site key, then pass its token:
const { data, error } = await supabase.auth.signInAnonymously({
  options: { captchaToken },
})`;

const altchaSnippet = (authUrl: string) => `<script type="module" src="https://cdn.jsdelivr.net/npm/altcha@3/dist/main/altcha.min.js"></script>
<altcha-widget id="captcha" challenge="${authUrl.replace(/\/$/, '')}/captcha/challenge"></altcha-widget>

// GET /settings says whether a challenge is needed now (foyer_protections.anonymous_sign_ins.required)
const widget = document.getElementById('captcha')
const captchaToken = await new Promise((resolve) => {
  widget.addEventListener('verified', (e) => resolve(e.detail.payload), { once: true })
  widget.verify()
})
const { data, error } = await supabase.auth.signInAnonymously({ options: { captchaToken } })`;

/** A signing key for the built-in provider: 33 random bytes, base64. */
function newSigningKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(33));
  return btoa(String.fromCharCode(...bytes));
}

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
  const [anonymous, setAnonymous] = useState(stored('anonymous') || 'always');
  const [difficulty, setDifficulty] = useState(stored('difficulty'));
  const [maxDifficulty, setMaxDifficulty] = useState(stored('maxDifficulty'));
  const [expiry, setExpiry] = useState(stored('expiry'));
  const builtIn = provider === 'altcha';
  const altchaInForce = stored('provider') === 'altcha' && isTrue(find('enabled')?.value ?? find('enabled')?.default_text.split(' ')[0]);
  const save = useAction();
  const test = useAction();
  const [touched, setTouched] = useState<Set<Field>>(new Set());
  const touch = (field: Field) => setTouched((current) => new Set(current).add(field));
  const [result, setResult] = useState<CaptchaTestResult | undefined>(undefined);
  const ids = {
    provider: useId(),
    secret: useId(),
    url: useId(),
    timeout: useId(),
    scope: useId(),
    enabled: useId(),
    result: useId(),
    difficulty: useId(),
    maxDifficulty: useId(),
    expiry: useId(),
  };
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
      anonymous,
      difficulty: difficulty.trim() || null,
      maxDifficulty: maxDifficulty.trim() || null,
      expiry: expiry.trim() || null,
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
              <option value="altcha">Built in: proof of work (ALTCHA widget), no third party</option>
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
              {builtIn
                ? 'The key that signs challenges, at least 32 characters. A saved key is never shown.'
                : "The provider's secret key (not the site key). A saved secret is never shown: type one to test or replace it, or test the saved one."}
            </p>
            {builtIn && !ro('secret') ? (
              <button type="button" className="button ghost small" onClick={() => (setSecret(newSigningKey()), touch('secret'))}>
                Generate a signing key
              </button>
            ) : null}
            <Pinned setting={find('secret')} />
          </div>
          {builtIn ? (
            <>
              <div className="field">
                <label htmlFor={ids.difficulty}>Difficulty</label>
                <input id={ids.difficulty} data-env={ENV.difficulty} inputMode="numeric" value={difficulty} disabled={ro('difficulty')} placeholder="5000" onChange={(e) => (setDifficulty(e.target.value), touch('difficulty'))} />
                <p className="hint">Key derivations a browser may need at most; about a second on a phone at 5,000.</p>
              </div>
              <div className="field">
                <label htmlFor={ids.maxDifficulty}>Highest difficulty during a spike</label>
                <input id={ids.maxDifficulty} data-env={ENV.maxDifficulty} inputMode="numeric" value={maxDifficulty} disabled={ro('maxDifficulty')} placeholder="50000" onChange={(e) => (setMaxDifficulty(e.target.value), touch('maxDifficulty'))} />
              </div>
              <div className="field">
                <label htmlFor={ids.expiry}>Challenge expiry</label>
                <input id={ids.expiry} data-env={ENV.expiry} value={expiry} disabled={ro('expiry')} placeholder="10m" onChange={(e) => (setExpiry(e.target.value), touch('expiry'))} />
              </div>
            </>
          ) : null}
          <div className="field" hidden={builtIn}>
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
          <div className="field" hidden={builtIn}>
            <label htmlFor={ids.timeout}>Timeout</label>
            <input id={ids.timeout} data-env={ENV.timeout} value={timeout} disabled={ro('timeout')} placeholder="10s" onChange={(e) => (setTimeoutValue(e.target.value), touch('timeout'))} />
            <p className="hint">A slower provider answer fails closed (the request is refused).</p>
          </div>
        </div>
        <div className="test-row" hidden={builtIn}>
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
        <fieldset className="radios" disabled={ro('anonymous')}>
          <legend>Anonymous sign-ins need a challenge</legend>
          {(
            [
              ['always', 'Always'],
              ['spike', 'Only during a sign-up spike (escalation; the difficulty rises with the spike)'],
              ['never', 'Never'],
            ] as const
          ).map(([value, label]) => (
            <label key={value}>
              <input type="radio" name="captcha-anonymous" value={value} checked={anonymous === value} onChange={() => (setAnonymous(value), touch('anonymous'))} /> {label}
            </label>
          ))}
        </fieldset>
      </section>
      <div className="savebar">
        <button type="submit" className="button primary" disabled={save.busy}>
          {save.busy ? 'Saving…' : 'Save CAPTCHA settings'}
        </button>
      </div>
      <ErrorNotice error={save.error} title="Not saved" />
      <Success message={save.message} />
      {builtIn ? <AltchaPreview project={project} inForce={altchaInForce} /> : null}
      <CodeBlock label="In your app" code={builtIn ? altchaSnippet(project.auth_url) : SNIPPET} />
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
