/** Phone and SMS: the provider and its credentials (secrets write-only), live; and "Send a test SMS". */
import { useId, useState, type FormEvent } from 'react';
import { post, projectPath } from '../api';
import { ErrorNotice, LoadState } from '../components/Notice';
import { useAction } from '../hooks';
import type { Project, SmsTestResult } from '../types';
import { SettingsForm } from './Settings';
import { useSettings } from './settingsApi';

/** The phone sign-in switch and every SMS setting but the send-SMS hook's (on the Hooks page). */
const SMS_SETTINGS = /^(?!GOTRUE_HOOK_)(GOTRUE_EXTERNAL_PHONE_ENABLED$|.*(_SMS_|TWILIO|MESSAGEBIRD|TEXTLOCAL|VONAGE))/;

function TestSms({ project }: { project: Project }) {
  const [phone, setPhone] = useState('');
  const [channel, setChannel] = useState<'sms' | 'whatsapp'>('sms');
  const [result, setResult] = useState<SmsTestResult | undefined>(undefined);
  const action = useAction();
  const ids = { phone: useId(), channel: useId(), result: useId() };
  const send = async (event: FormEvent) => {
    event.preventDefault();
    setResult(undefined);
    const answer = await action.run(() => post<SmsTestResult>(projectPath(project.ref, '/sms/test'), { phone, channel }));
    if (answer) setResult(answer);
  };
  return (
    <form className="card" aria-labelledby="sms-test" onSubmit={send}>
      <h2 id="sms-test">Send a test SMS</h2>
      <p className="hint">Sends the SMS template with the sample code 123456 through what the saved settings use: the send-SMS hook, the provider, or the outbox.</p>
      <div className="form-grid">
        <div className="field">
          <label htmlFor={ids.phone}>Phone number</label>
          <input id={ids.phone} type="tel" inputMode="tel" autoComplete="off" placeholder="+15551234567" value={phone} onChange={(e) => setPhone(e.target.value)} required />
        </div>
        <div className="field">
          <label htmlFor={ids.channel}>Channel</label>
          <select id={ids.channel} value={channel} onChange={(e) => setChannel(e.target.value as 'sms' | 'whatsapp')}>
            <option value="sms">SMS</option>
            <option value="whatsapp">WhatsApp (Twilio)</option>
          </select>
        </div>
      </div>
      <div className="test-row">
        <button type="submit" className="button" disabled={action.busy || phone.trim() === ''} aria-describedby={ids.result}>
          {action.busy ? 'Sending…' : 'Send a test SMS'}
        </button>
        <div id={ids.result} role="status" aria-live="polite" data-testid="sms-test-result">
          {result ? <span className={result.ok ? 'notice notice-ok' : 'notice notice-error'}>{result.detail}</span> : null}
        </div>
      </div>
      <ErrorNotice error={action.error} title="Not sent" />
    </form>
  );
}

export function SmsPage({ project }: { project: Project }) {
  const settings = useSettings(project.ref);
  return (
    <>
      <h1>Phone and SMS</h1>
      <p className="lede">Who texts the codes of phone sign-in: Twilio, Twilio Verify, MessageBird, Textlocal or Vonage. Without one, messages wait in the SMS outbox.</p>
      <section className="card" aria-labelledby="sms-settings">
        <h2 id="sms-settings">Provider and codes</h2>
        <LoadState loaded={settings} what="SMS settings" endpoint={`/platform/v1/projects/${project.ref}/settings`}>
          {(doc) => <SettingsForm project={project} doc={doc} only={SMS_SETTINGS} onSaved={settings.set} />}
        </LoadState>
      </section>
      <TestSms project={project} />
    </>
  );
}
