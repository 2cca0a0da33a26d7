/**
 * A server message that names variables (GOTRUE_…, FOYER_…), shown for a project the console manages:
 * each variable the console can change becomes a link to that setting on the Settings page, under the
 * name the page gives it, so the fix is one click instead of an environment to edit. Variables the
 * environment pins, or that are server-wide, keep their name: only the environment changes them.
 */
import { Fragment } from 'react';
import { projectHref } from '../router';
import type { Setting } from '../types';
import { titleOf } from './settingsModel';

const VARIABLE = /\b((?:GOTRUE|FOYER)_[A-Z0-9_]+)\b/g;

export function SettingLinks({ text, projectRef, settings }: { text: string; projectRef: string; settings: readonly Setting[] | undefined }) {
  const byEnv = new Map((settings ?? []).filter((setting) => setting.pinned_by === null).map((setting) => [setting.env, setting]));
  const parts = text.split(VARIABLE);
  return (
    <>
      {parts.map((part, index) => {
        // split() with a capturing group puts the names at the odd indexes.
        if (index % 2 === 0) return <Fragment key={index}>{part}</Fragment>;
        const setting = byEnv.get(part);
        return setting ? (
          <a key={index} href={projectHref(projectRef, 'settings', part)} title={part} data-env-link={part}>
            {titleOf(setting)}
          </a>
        ) : (
          <code key={index}>{part}</code>
        );
      })}
    </>
  );
}
