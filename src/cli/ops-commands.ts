/**
 * The operations commands of `foyer`: keys, users, stats, cleanup, doctor (docs/operations.md). Beside a
 * running `foyer start` on the embedded database they are answered by that server over its local admin
 * channel (src/cli/local-admin/channel.ts); otherwise they open the database themselves.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import type { Config, Env } from '../config/load.js';

const projectOption = () =>
  new Option('--project <ref>', 'the project (default: the default project; `foyer project list` shows the refs)');

const positive = (name: string, max: number) => (raw: string) => {
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > max) throw new InvalidArgumentError(`${name} must be a whole number from 1 to ${max}`);
  return Number(raw);
};

export function registerOpsCommands(program: Command, config: () => Config, rawEnv: () => Env): void {
  const keys = program
    .command('keys')
    .description('print the anon and service_role API keys (signed with GOTRUE_JWT_SECRET, GOTRUE_JWT_KEYS or the embedded secret)')
    .option('--json', 'print them as JSON')
    .action(async (options: { json?: boolean }) => {
      const { printKeys } = await import('./keys.js');
      await printKeys(config(), options);
    });
  keys
    .command('rotate')
    .description('rotate the keys: with a shared GOTRUE_JWT_SECRET, explains the steps; in embedded mode, replaces the generated secret')
    .option('--yes', 'really replace the embedded secret (every current key and access token stops working)')
    .action(async (options: { yes?: boolean }) => {
      const { rotateKeys } = await import('./keys.js');
      process.exitCode = await rotateKeys(config(), options);
    });

  program
    .command('users')
    .description("list a project's users with their last activity (sign-in or token refresh), newest first")
    .option('--anonymous', 'only anonymous users')
    .option('--permanent', 'only permanent users')
    .option('--stale', "only anonymous users the cleanup considers stale (the project's FOYER_ANONYMOUS_CLEANUP_INACTIVE_DAYS)")
    .addOption(new Option('--limit <n>', 'how many to show').argParser(positive('--limit', 10000)).default(50))
    .addOption(projectOption())
    .option('--json', 'print JSON')
    .action(async (options: { anonymous?: boolean; permanent?: boolean; stale?: boolean; limit: number; json?: boolean; project?: string }) => {
      const { listUsers } = await import('./users.js');
      await listUsers(config(), rawEnv(), options);
    });

  program
    .command('stats')
    .description("a project's anonymous sign-ups, active anonymous users, conversions, cleanups and the spike signal (on its live settings)")
    .addOption(new Option('--bucket <size>', 'series bucket').choices(['hour', 'day']).default('day'))
    .addOption(new Option('--buckets <n>', 'how many buckets, ending now').argParser(positive('--buckets', 744)))
    .option('--json', 'print the stats API document')
    .option('--fail-on-spike', 'exit with code 3 when the spike signal fires (for cron and CI checks)')
    .addOption(projectOption())
    .action(async (options: { bucket: 'hour' | 'day'; buckets?: number; json?: boolean; failOnSpike?: boolean; project?: string }) => {
      const { printStats } = await import('./stats.js');
      const buckets = options.buckets ?? (options.bucket === 'hour' ? 24 : 14);
      process.exitCode = await printStats(config(), rawEnv(), { ...options, buckets });
    });

  program
    .command('cleanup')
    .description("delete a project's anonymous users inactive for its FOYER_ANONYMOUS_CLEANUP_INACTIVE_DAYS (data owners kept), with a progress bar")
    .option('--dry-run', 'only print what would be deleted: counts, sample ids, data owners kept')
    .addOption(new Option('--sample <n>', 'how many ids to show').argParser(positive('--sample', 1000)).default(10))
    .addOption(projectOption())
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      '\nRuns whatever FOYER_ANONYMOUS_CLEANUP_ENABLED says (that only schedules it in `foyer start`). One cleanup runs at a\n' +
        'time across processes; each batch commits on its own, so Ctrl-C or a crash loses nothing (run it again).\n' +
        'Beside a running `foyer start` on the embedded database, that server runs it; Ctrl-C stops it after the current batch.',
    )
    .action(async (options: { dryRun?: boolean; sample: number; json?: boolean; project?: string }) => {
      const { cleanupCommand } = await import('./cleanup.js');
      process.exitCode = await cleanupCommand(config(), rawEnv(), options);
    });

  program
    .command('doctor')
    .description(
      "check a project's live configuration (the environment and the settings changed in the console) against the seed guide's " +
        'troubleshooting list; exit code 1 when there is a problem',
    )
    .option('--json', 'print the findings as JSON')
    .option('--offline', 'skip the SMTP and database checks (without a running server, the console settings are then not read)')
    .addOption(projectOption())
    .action(async (options: { json?: boolean; offline?: boolean; project?: string }) => {
      const { runDoctor } = await import('./doctor.js');
      process.exitCode = await runDoctor(rawEnv(), options);
    });
}
