/** A small destructive button that asks first (the browser's confirm dialog) and acts only on yes. */
export function ConfirmButton({
  label,
  accessibleName,
  question,
  disabled,
  onConfirm,
}: {
  label: string;
  /** What a screen reader announces (the button's text names no row on its own). */
  accessibleName: string;
  question: string;
  disabled?: boolean;
  onConfirm: () => void;
}) {
  return (
    <button
      type="button"
      className="button danger small"
      disabled={disabled}
      aria-label={accessibleName}
      onClick={() => {
        if (window.confirm(question)) onConfirm();
      }}
    >
      {label}
    </button>
  );
}
