/** The `foyer` command line. */
import cluster from 'node:cluster';
import { Command, Option } from 'commander';
import { registerPlatformCommands } from './cli/admin.js';
import { registerOpsCommands } from './cli/ops-commands.js';
import { ConfigError, loadConfig, readEnv } from './config/load.js';
import { FOYER_VERSION } from './version.js';

export async function main(argv: readonly string[]): Promise<void> {
  const program = new Command('foyer')
    .description('GoTrue-compatible auth server with anonymous users that convert without losing data')
    .version(FOYER_VERSION)
    .addOption(new Option('--env-file <path...>', 'read variables from these files (default: .env)'))
    .showHelpAfterError();

  const rawEnv = () => readEnv(process.env, (program.opts().envFile as string[] | undefined) ?? ['.env']);
  const config = () => loadConfig(rawEnv());

  program
    .command('start')
    .description(
      'migrate the database and serve the API (PORT, DATABASE_URL, GOTRUE_* variables; with DATABASE_URL, PORT serves GoTrue\'s routes only ' +
        'and the console, Data API and /metrics are on FOYER_ADMIN_PORT; see docs/configuration.md)',
    )
    .addHelpText(
      'after',
      '\nFOYER_WORKERS=N (or auto: one per CPU core) serves with N processes sharing the ports, on PostgreSQL only. The database\n' +
        'is migrated and the banner printed once; a worker that dies is replaced; SIGTERM/SIGINT drains them all. Rate limits\n' +
        'stay exact across them (FOYER_RATE_LIMIT_STORE postgres or redis; memory is refused). See docs/operations.md, "Workers".',
    )
    .action(async () => {
      const settings = config();
      // The primary of several workers serves nothing: it never loads the server (src/cluster/primary.ts).
      if (settings.workers > 1 && cluster.isPrimary) {
        const { runPrimary } = await import('./cluster/primary.js');
        await runPrimary(settings, rawEnv());
        return;
      }
      const { start } = await import('./cli/start.js');
      await start(settings, rawEnv());
    });

  program
    .command('migrate')
    .description('apply pending database migrations and exit (beside a running `foyer start` on the embedded database, that server applies them)')
    .action(async () => {
      const { runMigrate } = await import('./cli/migrate.js');
      await runMigrate(config());
    });

  program
    .command('audit')
    .description('audit row-level security for anonymous users (exit code 1 on findings; see docs/rls-audit.md)')
    .option('--json', 'print the report as JSON')
    .option('--schema <name...>', 'exposed schemas to check (default: FOYER_REST_SCHEMAS)')
    .option('--project <ref>', 'the project whose database to audit (default: the default project; `foyer project list` shows the refs)')
    .action(async (options: { json?: boolean; schema?: string[]; project?: string }) => {
      const { runAudit } = await import('./cli/audit.js');
      process.exitCode = await runAudit(config(), rawEnv(), { json: options.json, schemas: options.schema, project: options.project });
    });

  program
    .command('config')
    .description('list every setting: variable, default and meaning')
    .option('--markdown', 'print docs/configuration.md')
    .option('--gotrue', 'list every variable GoTrue reads: honoured, not applicable, or not supported (and when it stops the start)')
    .action(async (options: { markdown?: boolean; gotrue?: boolean }) => {
      const { printSettings } = await import('./cli/settings-help.js');
      printSettings(options.markdown ? 'markdown' : options.gotrue ? 'gotrue' : 'text');
    });

  // keys, users, stats, cleanup, doctor (src/cli/ops-commands.ts)
  registerOpsCommands(program, config, rawEnv);
  // admin create, project create|list (src/cli/admin.ts)
  registerPlatformCommands(program, config, rawEnv);

  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`foyer: ${error.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`foyer: ${(error as Error).message}\n`);
    process.exit(1);
  }
}
