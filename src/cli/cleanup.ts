/** `foyer cleanup`: preview (--dry-run) or run a project's anonymous-user cleanup, on its live settings, with a progress bar. */
import type { Config, Env } from '../config/load.js';
import type { CleanupOutcome, planView } from '../jobs/cleanup.js';
import { runOperation } from './local-admin/run.js';
import { progressBar } from './progress.js';

export interface CleanupOptions {
  readonly dryRun?: boolean;
  readonly json?: boolean;
  readonly sample: number;
  readonly project?: string;
}

type PlanView = ReturnType<typeof planView>;

function describePlan(plan: PlanView): string {
  const { settings } = plan;
  const lines = [
    `Stale anonymous users (no sign-in or token refresh for ${settings.inactive_days} days): ${plan.stale}`,
    `  would delete:        ${plan.would_delete}${plan.sample_ids.length ? ` (first: ${plan.sample_ids.join(', ')})` : ''}`,
    `  kept (own data):     ${plan.kept_data_owners}${plan.kept_sample_ids.length ? ` (first: ${plan.kept_sample_ids.join(', ')})` : ''}`,
  ];
  if (plan.data_tables.length === 0) lines.push('  data tables:         none (no foreign key references auth.users outside the auth schema)');
  for (const reference of plan.data_tables) {
    lines.push(
      `  data table:          ${reference.table}.${reference.column} (on delete ${reference.on_delete}): ` +
        `${reference.stale_owners} stale owner(s), ${reference.owners_kept ? 'kept' : 'deleted with their rows'}`,
    );
  }
  if (!settings.keep_data_owners) lines.push('  FOYER_ANONYMOUS_CLEANUP_KEEP_DATA_OWNERS=false: owners of cascading rows are deleted with them.');
  return `${lines.join('\n')}\n`;
}

/** Returns the exit code: 0 done (or previewed), 1 another cleanup is running, 130 interrupted. */
export async function cleanupCommand(config: Config, env: Env, options: CleanupOptions): Promise<number> {
  const params = { project: options.project, sample: options.sample, dry_run: Boolean(options.dryRun) };
  if (options.dryRun) {
    const { plan } = (await runOperation(config, env, 'cleanup', params)) as { plan: PlanView };
    process.stdout.write(options.json ? `${JSON.stringify(plan, null, 2)}\n` : describePlan(plan));
    return 0;
  }
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write('\nstopping after the current batch (Ctrl-C again to quit now; that batch then rolls back)\n');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let bar: ReturnType<typeof progressBar> | undefined;
  const onEvent = (event: Record<string, unknown>) => {
    if (event.type === 'plan') {
      const plan = event.plan as PlanView;
      if (!options.json) process.stdout.write(describePlan(plan));
      bar = progressBar(process.stderr, 'cleanup', plan.would_delete);
    } else if (event.type === 'progress') {
      bar?.update(Number(event.deleted), event.batches ? `deleted, ${String(event.batches)} batches, ${String(event.kept_data_owners)} kept` : 'deleted');
    }
  };
  let outcome: CleanupOutcome;
  try {
    ({ outcome } = (await runOperation(config, env, 'cleanup', params, { onEvent, signal: controller.signal })) as { outcome: CleanupOutcome });
  } catch (error) {
    // Beside a running server, Ctrl-C hangs up: the server stops the cleanup after its current batch.
    if (!controller.signal.aborted) throw error;
    bar?.finish();
    process.stderr.write('stopped: the running Foyer ends the cleanup after its current batch; what was deleted stays deleted (run it again to go on)\n');
    return 130;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  bar?.finish();
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
}
