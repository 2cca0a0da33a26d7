/**
 * Hash routes (#/projects/<ref>/settings): the console works from /console whatever the server does
 * with deeper paths, and a reload keeps the page.
 */
import { useEffect, useState } from 'react';

export type Route =
  | { readonly page: 'projects' }
  | { readonly page: 'setup'; readonly token: string }
  | { readonly page: 'project'; readonly ref: string; readonly section: ProjectSection; readonly id?: string };

export const projectSections = ['overview', 'settings', 'captcha', 'hooks', 'sms', 'templates', 'dashboard', 'users', 'cleanup', 'rls', 'mail', 'audit'] as const;
export type ProjectSection = (typeof projectSections)[number];

export function parseRoute(hash: string): Route {
  const [path, query = ''] = hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'setup') return { page: 'setup', token: new URLSearchParams(query).get('token') ?? '' };
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

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const update = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return route;
}
