/** One setting: its control, documentation, default, pin (read-only) and error. */
import { useId } from 'react';
import { Switch } from '../components/Switch';
import type { Setting } from '../types';
import { booleanOf, checkValue, enumValues, isOverridden, kindOf, secretIsSet, titleOf } from './settingsModel';

/** undefined: no change; null: back to the default; a string: the new value. */
export type Draft = string | null | undefined;

export function SettingField({
  setting,
  draft,
  onDraft,
  serverError,
}: {
  setting: Setting;
  draft: Draft;
  onDraft: (env: string, value: Draft) => void;
  serverError?: string;
}) {
  const id = useId();
  const docId = `${id}-doc`;
  const errorId = `${id}-error`;
  const kind = kindOf(setting);
  const pinned = setting.pinned_by !== null;
  const shown = draft !== undefined ? draft : setting.value;
  const localError = draft !== undefined && draft !== null ? checkValue(setting, draft) : undefined;
  const error = serverError ?? (localError ? `Expected ${localError}.` : undefined);
  const describedBy = [docId, error ? errorId : ''].filter(Boolean).join(' ');
  const changed = draft !== undefined;
  const title = titleOf(setting);
  const common = {
    id,
    'aria-describedby': describedBy,
    'aria-invalid': error ? true : undefined,
    'data-env': setting.env,
    disabled: pinned,
  } as const;

  let control;
  if (kind === 'boolean') {
    control = <Switch id={id} dataEnv={setting.env} label={title} checked={booleanOf(setting, draft)} disabled={pinned} describedBy={describedBy} onChange={(next) => onDraft(setting.env, next === booleanOf(setting, undefined) ? undefined : String(next))} />;
  } else if (kind === 'enum') {
    const values = enumValues(setting) ?? [];
    control = (
      <select {...common} value={shown ?? ''} onChange={(e) => onDraft(setting.env, e.target.value === '' ? null : e.target.value)}>
        <option value="">Default ({setting.default_text})</option>
        {values.map((value) => (
          <option key={value} value={value}>
            {value}
          </option>
        ))}
      </select>
    );
  } else if (kind === 'secret') {
    control = (
      <input
        {...common}
        type="password"
        autoComplete="off"
        value={draft ?? ''}
        placeholder={secretIsSet(setting) ? 'Set (hidden): type to replace it' : 'Not set'}
        onChange={(e) => onDraft(setting.env, e.target.value === '' ? undefined : e.target.value)}
      />
    );
  } else {
    control = (
      <input
        {...common}
        type="text"
        className={kind === 'url' || kind === 'text' ? 'mono' : undefined}
        inputMode={kind === 'number' ? 'decimal' : kind === 'url' ? 'url' : undefined}
        spellCheck={false}
        value={shown ?? ''}
        placeholder={setting.default_text}
        onChange={(e) => onDraft(setting.env, e.target.value === '' ? null : e.target.value)}
      />
    );
  }

  return (
    <div className={`setting${changed ? ' setting-changed' : ''}${pinned ? ' setting-pinned' : ''}`} data-setting={setting.env}>
      <div className="setting-head">
        {kind === 'boolean' ? <span className="setting-title" id={`${id}-label`}>{title}</span> : <label htmlFor={id} className="setting-title">{title}</label>}
        <code className="setting-env">{setting.env}</code>
        {changed ? <span className="badge badge-accent">unsaved</span> : null}
        {pinned ? <span className="badge badge-muted">read-only</span> : null}
      </div>
      <div className="setting-control">
        {control}
        {!pinned && isOverridden(setting) && draft === undefined && kind !== 'secret' ? (
          <button type="button" className="button ghost small" onClick={() => onDraft(setting.env, null)}>
            Reset to default
          </button>
        ) : null}
        {!pinned && setting.secret && isOverridden(setting) && draft === undefined ? (
          <button type="button" className="button ghost small" onClick={() => onDraft(setting.env, null)}>
            Clear
          </button>
        ) : null}
        {changed ? (
          <button type="button" className="button ghost small" onClick={() => onDraft(setting.env, undefined)}>
            Undo
          </button>
        ) : null}
      </div>
      <p id={docId} className="hint">
        {setting.doc} <span className="default">Default: {setting.default_text || '(unset)'}.</span>
        {pinned ? (
          <span className="pinned">
            {' '}
            Pinned by <code>{setting.pinned_by}</code> in the server's environment: change it there.
          </span>
        ) : null}
        {draft === null ? <span className="pinned"> Will go back to the default.</span> : null}
      </p>
      {error ? (
        <p id={errorId} className="field-error" role="alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}
