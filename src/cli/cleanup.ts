/** `foyer cleanup`: preview (--dry-run) or run the anonymous-user cleanup, with a progress bar. */
import type { Config } from '../config/load.js';
import { cleanupSettings, planView, previewCleanup, runCleanup, type CleanupPlan } from '../jobs/cleanup.js';
import { withDatabase } from './context.js';
import { progressBar } from './progress.js';

export interface CleanupOptions {
  readonly dryRun?: boolean;
  readonly json?: boolean;
  readonly sample: number;
}

function describePlan(plan: CleanupPlan): string {
  const { settings } = plan;
  const lines = [
    `Stale anonymous users (no sign-in or token refresh for ${settings.inactiveDays} days): ${plan.stale}`,
    `  would delete:        ${plan.deletable}${plan.sampleIds.length ? ` (first: ${plan.sampleIds.join(', ')})` : ''}`,
    `  kept (own data):     ${plan.keptDataOwners}${plan.keptSampleIds.length ? ` (first: ${plan.keptSampleIds.join(', ')})` : ''}`,
  ];
  if (plan.references.length === 0) lines.push('  data tables:         none (no foreign key references auth.users outside the auth schema)');
  for (const reference of plan.references) {
    lines.push(
      `  data table:          ${reference.table_name}.${reference.column_name} (on delete ${reference.on_delete}): ` +
        `${reference.stale_owners} stale owner(s), ${reference.keeps_owners ? 'kept' : 'deleted with their rows'}`,
    );
  }
  if (!settings.keepDataOwners) lines.push('  FOYER_ANONYMOUS_CLEANUP_KEEP_DATA_OWNERS=false: owners of cascading rows are deleted with them.');
  return `${lines.join('\n')}\n`;
}

/** Returns the exit code: 0 done (or previewed), 1 another cleanup is running, 130 interrupted. */
export async function cleanupCommand(config: Config, options: CleanupOptions): Promise<number> {
  const settings = cleanupSettings(config);
  return withDatabase(config, async (db) => {
    const plan = await previewCleanup(db, settings, options.sample);
    if (options.dryRun) {
      process.stdout.write(options.json ? `${JSON.stringify(planView(plan), null, 2)}\n` : describePlan(plan));
      return 0;
    }
    if (!options.json) process.stdout.write(describePlan(plan));
    const controller = new AbortController();
    const onSignal = () => {
      if (controller.signal.aborted) process.exit(130);
      process.stderr.write('\nstopping after the current batch (Ctrl-C again to quit now; that batch then rolls back)\n');
      controller.abort();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const bar = progressBar(process.stderr, 'cleanup', plan.deletable);
    try {
      const outcome = await runCleanup(db, settings, {
        trigger: 'cli',
        signal: controller.signal,
        onStart: () => bar.update(0, 'deleted'),
        onProgress: (progress) => bar.update(progress.deleted, `deleted, ${progress.batches} batches, ${progress.keptDataOwners} kept`),
      });
      bar.finish();
      if (outcome.status === 'skipped') {
        const holder = outcome.holder;
        process.stderr.write(
          `foyer cleanup: another cleanup is running${holder ? ` (run ${holder.id}, started ${holder.started_at} on ${holder.host ?? '?'}, pid ${holder.pid ?? '?'})` : ''}; nothing done\n`,
        );
        return 1;
      }
      const { run } = outcome;
      if (options.json) process.stdout.write(`${JSON.stringify({ status: outcome.status, run }, null, 2)}\n`);
      else {
        process.stdout.write(
          `${outcome.status === 'completed' ? 'Done' : 'Stopped'}: deleted ${run.deleted} stale anonymous user(s) in ${run.batches} batch(es) ` +
            `(run ${run.id}); kept ${run.kept_data_owners} data owner(s)` +
            `${run.spared ? `; ${run.spared} active again or converted meanwhile, kept` : ''}` +
            `${outcome.interruptedRunsMarked ? `; ${outcome.interruptedRunsMarked} earlier run(s) marked interrupted` : ''}\n`,
        );
      }
      return outcome.status === 'completed' ? 0 : 130;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  });
}
