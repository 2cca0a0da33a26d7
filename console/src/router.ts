/**
 * Hash routes (#/projects/<ref>/settings): the console works from /console whatever the server does
 * with deeper paths, and a reload keeps the page.
 */
import { useEffect, useState } from 'react';

export type Route =
  | { readonly page: 'projects' }
  | { readonly page: 'setup'; readonly token: string }
  | { readonly page: 'accept'; readonly token: string }
  | { readonly page: 'admins' }
  | { readonly page: 'project'; readonly ref: string; readonly section: ProjectSection; readonly id?: string };

export const projectSections = ['overview', 'settings', 'captcha', 'hooks', 'sms', 'templates', 'dashboard', 'users', 'cleanup', 'rls', 'mail', 'audit', 'providers', 'oauth-apps'] as const;
export type ProjectSection = (typeof projectSections)[number];

export function parseRoute(hash: string): Route {
  const [path, query = ''] = hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'setup') return { page: 'setup', token: new URLSearchParams(query).get('token') ?? '' };
  if (parts[0] === 'accept') return { page: 'accept', token: new URLSearchParams(query).get('token') ?? '' };
  if (parts[0] === 'admins') return { page: 'admins' };
  if (parts[0] === 'projects' && parts[1]) {
    const section = (projectSections as readonly string[]).includes(parts[2] ?? '') ? (parts[2] as ProjectSection) : 'overview';
    return { page: 'project', ref: parts[1], section, id: parts[3] };
  }
  return { page: 'projects' };
}

export function href(route: Route): string {
  switch (route.page) {
    case 'projects':
      return '#/';
    case 'setup':
      return `#/setup?token=${encodeURIComponent(route.token)}`;
    case 'accept':
      return `#/accept?token=${encodeURIComponent(route.token)}`;
    case 'admins':
      return '#/admins';
    case 'project': {
      const base = `#/projects/${encodeURIComponent(route.ref)}`;
      if (route.section === 'overview' && !route.id) return base;
      return `${base}/${route.section}${route.id ? `/${encodeURIComponent(route.id)}` : ''}`;
    }
  }
}

export const projectHref = (ref: string, section: ProjectSection = 'overview', id?: string) => href({ page: 'project', ref, section, id });

export function navigate(target: string): void {
  if (window.location.hash !== target) window.location.hash = target;
}

/**
 * Pages with unsaved work register what to ask before leaving (useLeaveGuard). A hash change is only
 * taken once the person agrees; otherwise the address goes back to the page they stayed on. One
 * listener decides for every useRoute, so a change asks once however many components follow the route.
 */
const leaveGuards = new Set<string>();
const routeListeners = new Set<(route: Route) => void>();
let acceptedHash = typeof window === 'undefined' ? '' : window.location.hash;

/** True when no page holds unsaved work, or the person agreed to drop it (in-page views: tabs). */
export function confirmLeave(): boolean {
  const [question] = leaveGuards;
  return question === undefined || window.confirm(question);
}

function onHashChange(): void {
  const next = window.location.hash;
  if (next === acceptedHash) return;
  if (!confirmLeave()) {
    // replaceState fires no hashchange: the page and its drafts stay as they were.
    window.history.replaceState(null, '', acceptedHash || '#/');
    return;
  }
  acceptedHash = next;
  const route = parseRoute(next);
  for (const listener of routeListeners) listener(route);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    if (routeListeners.size === 0) {
      acceptedHash = window.location.hash;
      window.addEventListener('hashchange', onHashChange);
    }
    routeListeners.add(setRoute);
    return () => {
      routeListeners.delete(setRoute);
      if (routeListeners.size === 0) window.removeEventListener('hashchange', onHashChange);
    };
  }, []);
  return route;
}

/**
 * While `question` is set (unsaved changes), leaving the page asks it first: console links and the
 * back button through the route, closing or reloading the tab through the browser's own prompt.
 */
export function useLeaveGuard(question: string | undefined): void {
  useEffect(() => {
    if (question === undefined) return;
    leaveGuards.add(question);
    const onBeforeUnload = (event: BeforeUnloadEvent) => {
      event.preventDefault();
      // Older browsers show the prompt only when returnValue is set.
      event.returnValue = '';
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => {
      leaveGuards.delete(question);
      window.removeEventListener('beforeunload', onBeforeUnload);
    };
  }, [question]);
}

/**
 * The query part of the hash (#/projects/x/users?kind=pending_conversion&q=1a2b): a page's filters live
 * there, so a link or a reload shows the same list. Setting it replaces the history entry's hash.
 */
export function useHashQuery(): [URLSearchParams, (changes: Record<string, string | null>) => void] {
  const [query, setQuery] = useState(() => new URLSearchParams(window.location.hash.split('?')[1] ?? ''));
  useEffect(() => {
    const update = () => setQuery(new URLSearchParams(window.location.hash.split('?')[1] ?? ''));
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  const change = (changes: Record<string, string | null>) => {
    const [path, current = ''] = window.location.hash.split('?');
    const next = new URLSearchParams(current);
    for (const [key, value] of Object.entries(changes)) {
      if (value === null || value === '') next.delete(key);
      else next.set(key, value);
    }
    const text = next.toString();
    window.location.hash = text ? `${path}?${text}` : path;
  };
  return [query, change];
}
