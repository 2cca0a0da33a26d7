/** An on/off switch: a real button with role=switch, labelled by visible text. */
export function Switch({
  checked,
  onChange,
  label,
  disabled = false,
  describedBy,
  id,
  dataEnv,
}: {
  checked: boolean;
  onChange: (next: boolean) => void;
  label: string;
  disabled?: boolean;
  describedBy?: string;
  id?: string;
  /** The setting's variable name, for tests and scripts (data-env). */
  dataEnv?: string;
}) {
  return (
    <button
      id={id}
      type="button"
      role="switch"
      aria-checked={checked}
      aria-label={label}
      aria-describedby={describedBy}
      className="switch"
      data-env={dataEnv}
      disabled={disabled}
      onClick={() => onChange(!checked)}
    >
      <span className="switch-track" aria-hidden="true">
        <span className="switch-thumb" />
      </span>
      <span className="switch-text">{checked ? 'On' : 'Off'}</span>
    </button>
  );
}
