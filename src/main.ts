/** The `foyer` command line. */
import { Command, Option } from 'commander';
import { ConfigError, loadConfig, readEnv } from './config/load.js';
import { FOYER_VERSION } from './version.js';

export async function main(argv: readonly string[]): Promise<void> {
  const program = new Command('foyer')
    .description('GoTrue-compatible auth server with anonymous users that convert without losing data')
    .version(FOYER_VERSION)
    .addOption(new Option('--env-file <path...>', 'read variables from these files (default: .env)'))
    .showHelpAfterError();

  const config = () => loadConfig(readEnv(process.env, (program.opts().envFile as string[] | undefined) ?? ['.env']));

  program
    .command('start')
    .description('migrate the database and serve the API (PORT, DATABASE_URL, GOTRUE_* variables; see docs/configuration.md)')
    .action(async () => {
      const { start } = await import('./cli/start.js');
      await start(config());
    });

  program
    .command('migrate')
    .description('apply pending database migrations and exit')
    .action(async () => {
      const { runMigrate } = await import('./cli/migrate.js');
      await runMigrate(config());
    });

  program
    .command('config')
    .description('list every setting: variable, default and meaning')
    .option('--markdown', 'print the table of docs/configuration.md')
    .action(async (options: { markdown?: boolean }) => {
      const { printSettings } = await import('./cli/settings-help.js');
      printSettings(options.markdown ? 'markdown' : 'text');
    });

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
