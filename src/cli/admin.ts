/**
 * `foyer admin create` (a console administrator) and `foyer project create|delete|list`. They open the control
 * database (the default project's): in embedded mode stop `foyer start` first (one process per data
 * directory); with PostgreSQL a running Foyer picks a new project up at once (NOTIFY).
 */
import type { Command } from 'commander';
import type { Config, Env } from '../config/load.js';
import type { Platform } from '../platform/platform.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

async function createAdmin(config: Config, options: { email: string; password?: string; passwordStdin?: boolean; replace?: boolean }) {
  const password = options.passwordStdin ? await readStdin() : (options.password ?? process.env.FOYER_ADMIN_PASSWORD);
  if (!password) throw new Error('give the password with --password, --password-stdin or FOYER_ADMIN_PASSWORD');
  const [{ openDb }, { migrate }, { ConsoleAuth }] = await Promise.all([
    import('../store/open.js'),
    import('../store/migrate.js'),
    import('../platform/console-auth.js'),
  ]);
  const db = await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 2 });
  try {
    await migrate(db);
    const outcome = await new ConsoleAuth(db).createAdmin(options.email, password, { replace: options.replace });
    process.stdout.write(`Console administrator ${options.email.trim().toLowerCase()} ${outcome}. Log in at <Foyer URL>/console\n`);
  } finally {
    await db.close();
  }
}

async function withPlatform<T>(config: Config, env: Env, work: (platform: Platform) => Promise<T>): Promise<T> {
  const [{ openProject }, { Platform }] = await Promise.all([import('../runtime.js'), import('../platform/platform.js')]);
  const project = await openProject(config);
  try {
    const platform = await Platform.open({ env, project, log: { info: () => {}, warn: (m) => process.stderr.write(`${m}\n`), error: (m) => process.stderr.write(`${m}\n`) } });
    try {
      return await work(platform);
    } finally {
      await platform.close();
    }
  } finally {
    await project.deps.rateLimits.close();
    await project.deps.db.close();
  }
}

/** A PlatformError's message with its code. */
const describe = (error: unknown) => {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && (error as Error).name === 'PlatformError' ? `${(error as Error).message} (${code})` : (error as Error).message;
};

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
      try {
        await createAdmin(config(), options);
      } catch (error) {
        throw new Error(describe(error));
      }
    });

  const project = program.command('project').description('projects served next to the default one (docs/platform-api.md)');
  project
    .command('create')
    .description('create a project with its own database and keys')
    .requiredOption('--name <name>', 'a name for people')
    .option('--database-url <url>', 'its PostgreSQL database (migrated now); unset: an embedded database in FOYER_DATA_DIR/projects/<ref>')
    .action(async (options: { name: string; databaseUrl?: string }) => {
      await withPlatform(config(), rawEnv(), async (platform) => {
        try {
          const record = await platform.registry.create({ name: options.name.trim(), databaseUrl: options.databaseUrl });
          process.stdout.write(
            [`Project ${record.ref} (${record.name}) created`, `  API URL:          <Foyer URL>/p/${record.ref}`,
              `  anon key:         ${record.apiKeys?.anonKey}`, `  service_role key: ${record.apiKeys?.serviceRoleKey}`, ''].join('\n'),
          );
        } catch (error) {
          throw new Error(describe(error));
        }
      });
    });
  project
    .command('delete')
    .description('delete a project: an embedded database is removed, a PostgreSQL database is kept and released')
    .argument('<ref>', 'the project’s ref (foyer project list)')
    .requiredOption('--confirm <ref>', 'the same ref again: a deletion is never a slip')
    .action(async (ref: string, options: { confirm: string }) => {
      if (options.confirm !== ref) throw new Error(`--confirm must repeat the ref (${ref}) to delete the project`);
      await withPlatform(config(), rawEnv(), async (platform) => {
        try {
          const deleted = await platform.registry.delete(ref);
          const database = deleted.databaseRemoved ? 'its embedded database was removed' : 'its PostgreSQL database was kept, with its data, and released';
          process.stdout.write(`Project ${ref} deleted; ${database}\n`);
        } catch (error) {
          throw new Error(describe(error));
        }
      });
    });
  project
    .command('list')
    .description('list the projects')
    .action(async () => {
      await withPlatform(config(), rawEnv(), async (platform) => {
        for (const record of platform.registry.list()) {
          process.stdout.write(`${record.ref}\t${record.dbKind}\t${record.createdAt}\t${record.name}${record.problem ? `\t(${record.problem})` : ''}\n`);
        }
      });
    });
}
