/** What every bench report records about its run: the checkout, the software, the machine and the load's shape. */
import { availableParallelism } from 'node:os';
import { serverVersion } from './databases.js';
import { checkoutCommit } from './foyer.js';
import type { BenchOptions } from './options.js';
import type { RunMeta } from './report.js';

export async function runMeta(startedAt: string, options: BenchOptions, loadGenerator: string): Promise<RunMeta> {
  return {
    startedAt,
    commit: checkoutCommit(),
    node: process.version,
    postgres: await serverVersion(options.serverUrl),
    cpus: availableParallelism(),
    connections: options.connections,
    clientIps: options.clientIps,
    seconds: options.seconds,
    rounds: options.rounds,
    loadGenerator,
    ...(options.profile ? { profiled: true } : {}),
  };
}
