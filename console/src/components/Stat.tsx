/** A labelled number on a card. */
import type { ReactNode } from 'react';

export function Stat({ label, value, hint, testId, tone }: { label: string; value: ReactNode; hint?: ReactNode; testId?: string; tone?: 'warn' | 'ok' }) {
  return (
    <div className={`stat${tone ? ` stat-${tone}` : ''}`}>
      <dt>{label}</dt>
      <dd data-testid={testId}>{value}</dd>
      {hint ? <dd className="stat-hint">{hint}</dd> : null}
    </div>
  );
}
