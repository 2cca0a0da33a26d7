/** A project's endpoints, keys, a copy-paste createClient snippet, and its deletion. */
import { CodeBlock, CopyField } from '../components/CopyField';
import { dateTime } from '../format';
import type { Project } from '../types';
import { DeleteProject } from './DeleteProject';
import { ProjectGlance } from './ProjectGlance';

export function browserSnippet(project: Project): string {
  return `import { createClient } from '@supabase/supabase-js'

const supabase = createClient(
  '${project.api_url}',
  '${project.anon_key}',
)

const { data, error } = await supabase.auth.signInAnonymously()`;
}

export function nodeSnippet(project: Project): string {
  return `// Node 20 has no global WebSocket: give Realtime one (npm install ws).
import { createClient } from '@supabase/supabase-js'
import WebSocket from 'ws'

const supabase = createClient(
  '${project.api_url}',
  '${project.anon_key}',
  { realtime: { transport: WebSocket } },
)`;
}

export function ProjectOverview({ project, onDeleted }: { project: Project; onDeleted: () => void }) {
  return (
    <>
      <h1>
        {project.name} {project.is_default ? <span className="badge">default</span> : null}
      </h1>
      <p className="lede">
        Ref <code>{project.ref}</code> · {project.database.kind} database · created {dateTime(project.created_at)}
      </p>
      {project.problem ? (
        <p className="notice notice-error" role="alert">
          <strong>This project cannot be served:</strong> {project.problem}
        </p>
      ) : null}
      {project.problem ? null : <ProjectGlance project={project} />}
      <section className="card" aria-labelledby="endpoints">
        <h2 id="endpoints">Endpoints</h2>
        <div className="copy-grid">
          <CopyField label="API URL (createClient)" value={project.api_url} testId="api-url" />
          <CopyField label="Auth API" value={project.auth_url} testId="auth-url" />
          <CopyField label="REST API" value={project.rest_url} testId="rest-url" />
          {project.host_url ? <CopyField label="By host name" value={project.host_url} testId="host-url" /> : null}
        </div>
      </section>
      <section className="card" aria-labelledby="keys">
        <h2 id="keys">API keys</h2>
        <div className="copy-grid">
          <CopyField label="anon key (public)" value={project.anon_key} testId="anon-key" />
          {project.service_role_key ? (
            <CopyField label="service_role key (secret: servers only)" value={project.service_role_key} secret testId="service-role-key" />
          ) : (
            <p className="muted" data-testid="service-role-key-hidden">The service_role key is not shown to read-only administrators.</p>
          )}
        </div>
        <p className="hint">The service_role key bypasses Row Level Security and calls the admin API. Never ship it to a browser or an app.</p>
      </section>
      <section className="card" aria-labelledby="snippet">
        <h2 id="snippet">Connect with supabase-js</h2>
        <CodeBlock label="Browser, Deno, Bun, Node 22+" code={browserSnippet(project)} />
        <CodeBlock label="Node 20" code={nodeSnippet(project)} />
        <p className="hint">
          On Node 20 supabase-js needs <code>realtime: {'{ transport: WebSocket }'}</code> (from the <code>ws</code> package): Node 20 has no
          global WebSocket, and creating the client without it throws.
        </p>
      </section>
      {project.is_default ? null : <DeleteProject project={project} onDeleted={onDeleted} />}
    </>
  );
}
