/**
 * `foyer admin create` (a console administrator) and `foyer project create|delete|list`, on the control
 * database (the default project's). Beside a running `foyer start` on the embedded database they are done
 * by that server (src/cli/local-admin/run.ts); with PostgreSQL a running Foyer picks a new project up at
 * once (NOTIFY).
 */
import type { Command } from 'commander';
import type { Config, Env } from '../config/load.js';
import { runOperation } from './local-admin/run.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

async function createAdmin(config: Config, env: Env, options: { email: string; password?: string; passwordStdin?: boolean; replace?: boolean }) {
  const password = options.passwordStdin ? await readStdin() : (options.password ?? process.env.FOYER_ADMIN_PASSWORD);
  if (!password) throw new Error('give the password with --password, --password-stdin or FOYER_ADMIN_PASSWORD');
  const { outcome } = (await runOperation(config, env, 'admin-create', { email: options.email, password, replace: Boolean(options.replace) })) as { outcome: string };
  process.stdout.write(`Console administrator ${options.email.trim().toLowerCase()} ${outcome}. Log in at <Foyer URL>/console\n`);
}

export function registerPlatformCommands(program: Command, config: () => Config, rawEnv: () => Env): void {
  const admin = program.command('admin').description('console administrators (docs/platform-api.md)');
  admin
    .command('create')
    .description('create a console administrator (or, with --replace, set a new password)')
    .requiredOption('--email <address>', 'the administrator’s email address')
    .option('--password <password>', 'the password (at least 8 characters; see also --password-stdin, FOYER_ADMIN_PASSWORD)')
    .option('--password-stdin', 'read the password from standard input')
    .option('--replace', 'set a new password when the administrator exists')
    .action(async (options: { email: string; password?: string; passwordStdin?: boolean; replace?: boolean }) => {
      await createAdmin(config(), rawEnv(), options);
    });

  const project = program.command('project').description('projects served next to the default one (docs/platform-api.md)');
  project
    .command('create')
    .description('create a project with its own database and keys')
    .requiredOption('--name <name>', 'a name for people')
    .option('--database-url <url>', 'its PostgreSQL database (migrated now); unset: an embedded database in FOYER_DATA_DIR/projects/<ref>')
    .action(async (options: { name: string; databaseUrl?: string }) => {
      const record = (await runOperation(config(), rawEnv(), 'project-create', { name: options.name, database_url: options.databaseUrl })) as {
        ref: string; name: string; anon_key: string; service_role_key: string;
      };
      process.stdout.write(
        [`Project ${record.ref} (${record.name}) created`, `  API URL:          <Foyer URL>/p/${record.ref}`,
          `  anon key:         ${record.anon_key}`, `  service_role key: ${record.service_role_key}`, ''].join('\n'),
      );
    });
  project
    .command('delete')
    .description('delete a project: an embedded database is removed, a PostgreSQL database is kept and released')
    .argument('<ref>', 'the project’s ref (foyer project list)')
    .requiredOption('--confirm <ref>', 'the same ref again: a deletion is never a slip')
    .action(async (ref: string, options: { confirm: string }) => {
      if (options.confirm !== ref) throw new Error(`--confirm must repeat the ref (${ref}) to delete the project`);
      const deleted = (await runOperation(config(), rawEnv(), 'project-delete', { ref })) as { database_removed: boolean };
      const database = deleted.database_removed ? 'its embedded database was removed' : 'its PostgreSQL database was kept, with its data, and released';
      process.stdout.write(`Project ${ref} deleted; ${database}\n`);
    });
  project
    .command('list')
    .description('list the projects: ref, database kind, created at, name (the refs --project takes)')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const records = (await runOperation(config(), rawEnv(), 'project-list', {})) as { ref: string; name: string; db_kind: string; created_at: string; problem: string | null }[];
      if (options.json) {
        process.stdout.write(`${JSON.stringify(records, null, 2)}\n`);
        return;
      }
      for (const record of records) {
        process.stdout.write(`${record.ref}\t${record.db_kind}\t${record.created_at}\t${record.name}${record.problem ? `\t(${record.problem})` : ''}\n`);
      }
    });
}
