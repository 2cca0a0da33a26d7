/** The operations commands of `foyer`: keys, users, stats, cleanup, doctor (docs/operations.md). */
import { Command, InvalidArgumentError, Option } from 'commander';
import type { Config, Env } from '../config/load.js';

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
    .description('list users with their last activity (sign-in or token refresh), newest first')
    .option('--anonymous', 'only anonymous users')
    .option('--permanent', 'only permanent users')
    .option('--stale', 'only anonymous users the cleanup considers stale (FOYER_ANONYMOUS_CLEANUP_INACTIVE_DAYS)')
    .addOption(new Option('--limit <n>', 'how many to show').argParser(positive('--limit', 10000)).default(50))
    .option('--json', 'print JSON')
    .action(async (options: { anonymous?: boolean; permanent?: boolean; stale?: boolean; limit: number; json?: boolean }) => {
      const { listUsers } = await import('./users.js');
      await listUsers(config(), options);
    });

  program
    .command('stats')
    .description('anonymous sign-ups, active anonymous users, conversions, cleanups and the spike signal, from the database')
    .addOption(new Option('--bucket <size>', 'series bucket').choices(['hour', 'day']).default('day'))
    .addOption(new Option('--buckets <n>', 'how many buckets, ending now').argParser(positive('--buckets', 744)))
    .option('--json', 'print the stats API document')
    .option('--fail-on-spike', 'exit with code 3 when the spike signal fires (for cron and CI checks)')
    .action(async (options: { bucket: 'hour' | 'day'; buckets?: number; json?: boolean; failOnSpike?: boolean }) => {
      const { printStats } = await import('./stats.js');
      const buckets = options.buckets ?? (options.bucket === 'hour' ? 24 : 14);
      process.exitCode = await printStats(config(), { ...options, buckets });
    });

  program
    .command('cleanup')
    .description('delete anonymous users inactive for FOYER_ANONYMOUS_CLEANUP_INACTIVE_DAYS (data owners kept), with a progress bar')
    .option('--dry-run', 'only print what would be deleted: counts, sample ids, data owners kept')
    .addOption(new Option('--sample <n>', 'how many ids to show').argParser(positive('--sample', 1000)).default(10))
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      '\nRuns whatever FOYER_ANONYMOUS_CLEANUP_ENABLED says (that only schedules it in `foyer start`). One cleanup runs at a\n' +
        'time across processes; each batch commits on its own, so Ctrl-C or a crash loses nothing (run it again).',
    )
    .action(async (options: { dryRun?: boolean; sample: number; json?: boolean }) => {
      const { cleanupCommand } = await import('./cleanup.js');
      process.exitCode = await cleanupCommand(config(), options);
    });

  program
    .command('doctor')
    .description("check the configuration against the seed guide's troubleshooting list; exit code 1 when there is a problem")
    .option('--json', 'print the findings as JSON')
    .option('--offline', 'skip the SMTP and database checks')
    .action(async (options: { json?: boolean; offline?: boolean }) => {
      const { runDoctor } = await import('./doctor.js');
      process.exitCode = await runDoctor(rawEnv(), options);
    });
}
