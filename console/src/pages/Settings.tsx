/** Auth settings of a project: grouped, checked, saved as a new version; history and comparison in tabs. */
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { ApiError } from '../api';
import { ErrorNotice, LoadState, Success } from '../components/Notice';
import { Tabs } from '../components/Tabs';
import { confirmLeave, useLeaveGuard } from '../router';
import { useAction } from '../hooks';
import type { Project, Setting, SettingsDoc } from '../types';
import { SettingField, type Draft } from './SettingField';
import { saveSettings, useSettings } from './settingsApi';
import { checkValue, envsIn, groupOf, groups, otherGroup } from './settingsModel';
import { SettingsCompare } from './SettingsCompare';
import { SettingsHistory } from './SettingsHistory';

type TabKey = 'edit' | 'history' | 'compare';

/** Scrolls to a group and moves focus there (in-page links would change the hash route). */
function jumpTo(id: string) {
  const heading = document.getElementById(id);
  heading?.scrollIntoView({ block: 'start' });
  heading?.focus({ preventScroll: true });
}

export function SettingsForm({
  project,
  doc,
  onSaved,
  only,
  focusEnv,
}: {
  project: Project;
  doc: SettingsDoc;
  onSaved: (doc: SettingsDoc) => void;
  /** Only these settings, without the search box (the cleanup policy). */
  only?: RegExp;
  /** A setting to bring into view and focus when the form opens (a link from a warning). */
  focusEnv?: string;
}) {
  const [drafts, setDrafts] = useState<Record<string, string | null>>({});
  const [filter, setFilter] = useState('');
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const action = useAction();
  const changes = Object.keys(drafts).length;
  useLeaveGuard(changes ? `Leave without saving? ${changes} unsaved change${changes > 1 ? 's' : ''} to ${project.name}'s settings will be lost.` : undefined);
  const conflict = action.error instanceof ApiError && action.error.status === 409;

  const setDraft = (env: string, value: Draft) => {
    setFieldErrors((errors) => {
      const { [env]: _dropped, ...rest } = errors;
      return rest;
    });
    setDrafts((current) => {
      const next = { ...current };
      const setting = doc.settings.find((s) => s.env === env);
      if (value === undefined || (setting && value === setting.value)) delete next[env];
      else next[env] = value;
      return next;
    });
  };

  const shown = useMemo(() => {
    const needle = filter.trim().toLowerCase();
    const scoped = only ? doc.settings.filter((s) => only.test(s.env)) : doc.settings;
    const visible = needle ? scoped.filter((s) => `${s.env} ${s.key} ${s.doc}`.toLowerCase().includes(needle)) : scoped;
    const byGroup = new Map<string, Setting[]>();
    for (const setting of visible) {
      const id = groupOf(setting).id;
      byGroup.set(id, [...(byGroup.get(id) ?? []), setting]);
    }
    return [...groups, otherGroup].flatMap((group) => (byGroup.has(group.id) ? [{ group, settings: byGroup.get(group.id) ?? [] }] : []));
  }, [doc, filter, only]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const invalid = doc.settings.filter((s) => drafts[s.env] !== undefined && checkValue(s, drafts[s.env] ?? null));
    if (invalid.length) {
      document.querySelector<HTMLElement>(`[data-env="${invalid[0].env}"]`)?.focus();
      return;
    }
    const saved = await action.run(() => saveSettings(project.ref, drafts, doc.version), (d) => `Saved: version ${d.version} is in force.`);
    if (saved) {
      setDrafts({});
      setFieldErrors({});
      onSaved(saved);
    }
  };

  useEffect(() => {
    if (!focusEnv) return;
    const field = document.querySelector<HTMLElement>(`[data-env="${CSS.escape(focusEnv)}"]`);
    field?.scrollIntoView({ block: 'center' });
    field?.focus({ preventScroll: true });
  }, [focusEnv]);

  // A 422 names the variable: show the message at that setting and move focus there.
  const lastError = action.error;
  const named = lastError instanceof ApiError && lastError.status === 422 ? envsIn(lastError.message, doc.settings) : [];
  useEffect(() => {
    if (!(lastError instanceof ApiError) || lastError.status !== 422) return;
    const envs = envsIn(lastError.message, doc.settings);
    if (!envs.length) return;
    setFieldErrors(Object.fromEntries(envs.map((env) => [env, lastError.message])));
    document.querySelector<HTMLElement>(`[data-env="${envs[0]}"]`)?.focus();
  }, [lastError, doc.settings]);

  return (
    <form onSubmit={submit} aria-label="Auth settings" className="settings-form">
      <div className="toolbar" hidden={Boolean(only)}>
        <label className="search">
          <span className="visually-hidden">Find a setting</span>
          <input type="search" placeholder="Find a setting…" value={filter} onChange={(e) => setFilter(e.target.value)} />
        </label>
        <span className="muted" data-testid="settings-version">
          Version {doc.version}
        </span>
      </div>
      {only || shown.length < 2 ? null : (
        <nav className="group-nav" aria-label="Setting groups">
          {shown.map(({ group }) => (
            <button key={group.id} type="button" className="chip" onClick={() => jumpTo(`group-${group.id}`)}>
              {group.title}
            </button>
          ))}
        </nav>
      )}
      {shown.map(({ group, settings }) => {
        const fields = settings.map((setting) => (
          <SettingField key={setting.env} setting={setting} draft={drafts[setting.env]} onDraft={setDraft} serverError={fieldErrors[setting.env]} />
        ));
        return only ? (
          <div key={group.id}>{fields}</div>
        ) : (
          <section key={group.id} className="card" aria-labelledby={`group-${group.id}`}>
            <h2 id={`group-${group.id}`} tabIndex={-1}>
              {group.title}
            </h2>
            {fields}
          </section>
        );
      })}
      {shown.length === 0 ? <p className="empty">No setting matches “{filter}”.</p> : null}
      {/* Always in view at the bottom: what is unsaved, and what the last save did. */}
      <div className={changes ? 'savebar sticky dirty' : 'savebar sticky'} role="region" aria-label="Save settings">
        {conflict ? (
          <div className="notice notice-error savebar-message" role="alert">
            Someone saved these settings since you opened them ({(action.error as ApiError).message}). Your changes are kept here: reload to see
            theirs, then save again.
          </div>
        ) : named.length ? null : (
          <div className="savebar-message">
            <ErrorNotice error={action.error} title="Not saved" />
          </div>
        )}
        <span className="savebar-state">{changes ? `${changes} unsaved change${changes > 1 ? 's' : ''}` : action.message ? null : 'No unsaved changes'}</span>
        <Success message={changes ? undefined : action.message} />
        <button type="button" className="button ghost" disabled={!changes || action.busy} onClick={() => (setDrafts({}), setFieldErrors({}), action.clear())}>
          Discard
        </button>
        <button type="submit" className="button primary" disabled={!changes || action.busy}>
          {action.busy ? 'Saving…' : 'Save changes'}
        </button>
      </div>
    </form>
  );
}

export function SettingsPage({ project, projects, focusEnv }: { project: Project; projects: readonly Project[]; focusEnv?: string }) {
  const settings = useSettings(project.ref);
  const [tab, setTab] = useState<TabKey>('edit');
  return (
    <>
      <h1>Auth settings</h1>
      <p className="lede">
        Changes apply to every Foyer process within a second, without a restart. Each save is a version you can revert to.
      </p>
      <Tabs
        label="Settings views"
        selected={tab}
        onSelect={(next) => {
          // The other views replace the form: its unsaved changes would go without a word.
          if (next === tab || confirmLeave()) setTab(next);
        }}
        tabs={[
          { key: 'edit', label: 'Settings' },
          { key: 'history', label: 'Version history' },
          { key: 'compare', label: 'Copy and compare' },
        ]}
      >
        {tab === 'edit' ? (
          <LoadState loaded={settings} what="Live settings" endpoint={`/platform/v1/projects/${project.ref}/settings`}>
            {(doc) => (
              <>
                <SettingsForm project={project} doc={doc} onSaved={settings.set} focusEnv={focusEnv} />
                <p>
                  <button type="button" className="button ghost small" onClick={settings.reload}>
                    Reload from the server
                  </button>
                </p>
              </>
            )}
          </LoadState>
        ) : tab === 'history' ? (
          <SettingsHistory project={project} currentVersion={settings.data?.version} onReverted={settings.set} />
        ) : (
          <SettingsCompare project={project} projects={projects} onCopied={settings.set} />
        )}
      </Tabs>
    </>
  );
}
