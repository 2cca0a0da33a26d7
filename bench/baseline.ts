/**
 * `--baseline REF`: the same anonymous sign-in measured on another commit of Foyer, in the same run, so
 * a change on the hot path is judged by a same-round ratio instead of two runs on a machine whose load
 * moves. REF is checked out into a detached worktree in the bench's temp dir and runs with this
 * checkout's node_modules (so a REF whose dependencies differ much from today's may not start), on its
 * own database migrated by its own `foyer migrate`. REF is compiled as this checkout is (`bin/build.js`, where
 * REF has it): a worktree without dist/ would run its TypeScript through tsx's loader, which costs memory
 * and start-up time this checkout's compiled run does not.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './foyer.js';
import { onCleanup } from './processes.js';

const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

export interface Baseline {
  /** The checkout's root, to run its bin/foyer.js from. */
  readonly root: string;
  /** REF as given and the commit it names, e.g. "main~3 (3fc880e)". */
  readonly label: string;
}

export function checkoutBaseline(ref: string, scratchDir: string): Baseline {
  let sha: string;
  try {
    sha = git('rev-parse', '--verify', '--short', `${ref}^{commit}`);
  } catch {
    throw new Error(`--baseline: "${ref}" is not a commit of this repository`);
  }
  const root = join(scratchDir, 'baseline');
  git('worktree', 'add', '--detach', root, sha);
  onCleanup(async () => {
    git('worktree', 'remove', '--force', root);
  });
  if (!existsSync(join(root, 'node_modules'))) symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
  const build = join(root, 'bin', 'build.js');
  if (existsSync(build)) execFileSync(process.execPath, [build], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  return { root, label: ref === sha ? sha : `${ref} (${sha})` };
}
