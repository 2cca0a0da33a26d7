/** Watching background jobs in tests: a logger that records their lines, and waiting for a condition. */
import type { JobLogger } from '../../src/jobs/scheduler.js';
import type { ProjectJobLogger } from '../../src/platform/platform.js';

export interface LogLine {
  readonly project: string;
  readonly level: string;
  readonly message: string;
}

/**
 * `log` is like Fastify's logger: `child({project})` labels the lines of one project's jobs. `logger`
 * is its child for the default project, for a scheduler started by hand.
 */
export function recordingJobLog(): { lines: LogLine[]; log: ProjectJobLogger; logger: JobLogger } {
  const lines: LogLine[] = [];
  const log: ProjectJobLogger = {
    child: ({ project }): JobLogger => ({
      info: (_object, message) => lines.push({ project, level: 'info', message }),
      warn: (_object, message) => lines.push({ project, level: 'warn', message }),
      error: (_object, message) => lines.push({ project, level: 'error', message }),
    }),
  };
  return { lines, log, logger: log.child({ project: 'default' }) };
}

/** Resolves once `condition` holds (checked every 50 ms); throws after `ms`. */
export async function until(condition: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
