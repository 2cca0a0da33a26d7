/**
 * The built-in CAPTCHA's live preview: the ALTCHA widget (loaded on demand) on the project's own
 * challenge route, as an app shows it, and "Solve once": solve a challenge here and have the project
 * verify the solution as a sign-in would (each is admitted once), without signing anyone in.
 */
import { useEffect, useRef, useState } from 'react';
import { post, projectPath } from '../api';
import { ErrorNotice } from '../components/Notice';
import { useAction } from '../hooks';
import type { CaptchaTestResult, Project } from '../types';

interface Widget extends HTMLElement {
  verify(): Promise<unknown>;
  reset(): void;
}

export function AltchaPreview({ project, inForce }: { project: Project; inForce: boolean }) {
  const host = useRef<HTMLDivElement>(null);
  const widget = useRef<Widget | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [result, setResult] = useState<CaptchaTestResult | undefined>(undefined);
  const test = useAction();
  const challengeUrl = `${project.auth_url.replace(/\/$/, '')}/captcha/challenge`;

  useEffect(() => {
    if (!inForce) return;
    let cancelled = false;
    void import('altcha').then(() => {
      if (cancelled || !host.current) return;
      const element = document.createElement('altcha-widget') as Widget;
      element.setAttribute('challenge', challengeUrl);
      element.setAttribute('auto', 'off');
      host.current.replaceChildren(element);
      widget.current = element;
      setLoaded(true);
    });
    return () => {
      cancelled = true;
    };
  }, [inForce, challengeUrl]);

  const solveOnce = async () => {
    setResult(undefined);
    const element = widget.current;
    if (!element) return;
    const answer = await test.run(async () => {
      const payload = await new Promise<string>((resolve, reject) => {
        const onVerified = (event: Event) => resolve((event as CustomEvent<{ payload: string }>).detail.payload);
        const onState = (event: Event) => {
          if ((event as CustomEvent<{ state: string }>).detail.state === 'error') reject(new Error('The widget could not solve the challenge'));
        };
        element.addEventListener('verified', onVerified, { once: true });
        element.addEventListener('statechange', onState);
        element.reset();
        void element.verify();
      });
      return post<CaptchaTestResult>(projectPath(project.ref, '/captcha/test'), { provider: 'altcha', token: payload });
    });
    if (answer) setResult(answer);
  };

  return (
    <section className="card" aria-labelledby="altcha-preview">
      <h2 id="altcha-preview">Preview</h2>
      {inForce ? (
        <>
          <p className="hint">
            The widget as your app shows it, on <code>{challengeUrl}</code>.
          </p>
          <div ref={host} data-testid="altcha-widget-host" />
          <div className="test-row">
            <button type="button" className="button" onClick={solveOnce} disabled={!loaded || test.busy}>
              {test.busy ? 'Solving…' : 'Solve once'}
            </button>
            <div role="status" aria-live="polite" data-testid="altcha-test-result">
              {result ? <span className={`notice ${result.ok ? 'notice-ok' : 'notice-error'}`}>{result.detail}</span> : null}
            </div>
          </div>
          <ErrorNotice error={test.error} title="Not solved" />
        </>
      ) : (
        <p className="muted">Save the built-in provider with CAPTCHA required to preview its widget here.</p>
      )}
    </section>
  );
}
