/** A new password typed twice, with the rule as a hint and the mismatch said at the second field. */
import { useId } from 'react';

export function PasswordPair({
  label,
  hint,
  password,
  confirm,
  mismatch,
  onPassword,
  onConfirm,
}: {
  label: string;
  hint: string;
  password: string;
  confirm: string;
  mismatch: boolean;
  onPassword: (value: string) => void;
  onConfirm: (value: string) => void;
}) {
  const ids = { password: useId(), confirm: useId(), hint: useId(), mismatch: useId() };
  return (
    <>
      <div className="field">
        <label htmlFor={ids.password}>{label}</label>
        <input
          id={ids.password}
          type="password"
          autoComplete="new-password"
          required
          minLength={8}
          aria-describedby={ids.hint}
          value={password}
          onChange={(e) => onPassword(e.target.value)}
        />
        <p id={ids.hint} className="hint">{hint}</p>
      </div>
      <div className="field">
        <label htmlFor={ids.confirm}>Repeat the password</label>
        <input
          id={ids.confirm}
          type="password"
          autoComplete="new-password"
          required
          aria-invalid={mismatch}
          aria-describedby={mismatch ? ids.mismatch : undefined}
          value={confirm}
          onChange={(e) => onConfirm(e.target.value)}
        />
        {mismatch ? (
          <p id={ids.mismatch} className="field-error">
            The passwords differ.
          </p>
        ) : null}
      </div>
    </>
  );
}
