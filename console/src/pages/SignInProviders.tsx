/** Sign-in providers kept in the project's database: custom OAuth/OpenID Connect providers and SAML identity providers. */
import type { Project } from '../types';
import { CustomProvidersSection } from './CustomProviders';
import { SsoProvidersSection } from './SsoProviders';

export function SignInProvidersPage({ project }: { project: Project }) {
  return (
    <>
      <h1>Sign-in providers</h1>
      <p className="muted">
        Providers kept in this project&apos;s database. The built-in ones (Google, GitHub, Apple, …) are switched on in Auth settings.
      </p>
      <CustomProvidersSection project={project} />
      <SsoProvidersSection project={project} />
    </>
  );
}
