/**
 * One stage of the Dockerfile carried out on this machine, without Docker: a directory stands for the
 * image's root filesystem, COPY takes files from the build context (what .dockerignore keeps), RUN
 * commands that work on the application run in their WORKDIR with the stage's ENV, and the container's
 * command is started as the image would start it. Commands that set up the operating system
 * (apt-get, mkdir/chown of image paths, removing caches) are recognised and left out: they need root
 * in an image, not in a test. Any other RUN command fails the emulation, so a new one must be
 * classified here before a test can pass.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, posix, relative, resolve } from 'node:path';
import { buildContextFiles, containerCommand, copiesOf, REPO_ROOT, stageEnv, type Stage } from './dockerfile.js';

/** Steps of a RUN line (split at `&&`) that set up the OS of an image, not Foyer. */
const SYSTEM_STEP = /^(apt-get\s|rm -rf \/(var\/lib\/apt\/lists|root\/\.npm)|mkdir -p \/data$|chown node:node \/data$)/;

export interface RunStep {
  readonly command: string;
  /** The WORKDIR it runs in, as a path of this machine. */
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
}

export interface EmulatedStage {
  /** The directory standing for the image's `/`. */
  readonly rootfs: string;
  /** The stage's ENV, as the container's process receives it. */
  readonly env: Readonly<Record<string, string>>;
  /** The image path `path` as a path of this machine. */
  hostPath(imagePath: string): string;
  /** RUN steps that were executed, and OS steps that were recognised and skipped. */
  readonly ran: readonly string[];
  readonly skipped: readonly string[];
}

export interface EmulateOptions {
  /** Where the image's filesystem is built. */
  readonly rootfs: string;
  /** `COPY --from=<stage> <image path>`: where that stage's file or directory is on this machine. */
  readonly fromStage: (stage: string, imagePath: string) => string;
  /** Runs one application step (npm ci, …); the default runs it with /bin/sh in its WORKDIR. */
  readonly run?: (step: RunStep) => void;
  /** Variables every RUN step gets besides the stage's ENV (PATH, HOME, npm's cache). */
  readonly baseEnv?: Readonly<Record<string, string>>;
}

function defaultRun(step: RunStep): void {
  const result = spawnSync('/bin/sh', ['-c', step.command], { cwd: step.cwd, env: step.env, encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`RUN ${step.command} failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
}

/** Copies `source` (a file or a directory's contents) of the build context to `destination`. */
function copyFromContext(contextFiles: readonly string[], source: string, destination: string, destinationIsDir: boolean): number {
  const prefix = source.replace(/\/+$/, '');
  const matches = contextFiles.filter((file) => file === prefix || file.startsWith(`${prefix}/`));
  for (const file of matches) {
    const target = file === prefix ? (destinationIsDir ? join(destination, posix.basename(file)) : destination) : join(destination, relative(prefix, file));
    mkdirSync(dirname(target), { recursive: true });
    cpSync(resolve(REPO_ROOT, file), target);
  }
  return matches.length;
}

export function emulateStage(stage: Stage, options: EmulateOptions): EmulatedStage {
  const { rootfs } = options;
  const hostPath = (imagePath: string) => join(rootfs, imagePath);
  const contextFiles = buildContextFiles().filter((file) => existsSync(resolve(REPO_ROOT, file)));
  const copies = copiesOf(stage);
  let workdir = '/';
  const env: Record<string, string> = {};
  const ran: string[] = [];
  const skipped: string[] = [];
  mkdirSync(rootfs, { recursive: true });

  for (const instruction of stage.instructions) {
    switch (instruction.keyword) {
      case 'WORKDIR':
        workdir = posix.resolve(workdir, instruction.text);
        mkdirSync(hostPath(workdir), { recursive: true });
        break;
      case 'ENV':
        Object.assign(env, stageEnv({ ...stage, instructions: [instruction] }));
        break;
      case 'COPY': {
        const copy = copies.find((c) => c.line === instruction.line)!;
        const destinationIsDir = copy.destination.endsWith('/') || copy.sources.length > 1;
        const destination = hostPath(posix.resolve(workdir, copy.destination));
        for (const source of copy.sources) {
          if (copy.from) {
            const from = options.fromStage(copy.from, source);
            if (!existsSync(from)) throw new Error(`line ${copy.line}: COPY --from=${copy.from} ${source}: ${from} does not exist`);
            // A directory's contents go into the destination; a file goes into it, or becomes it.
            const target = statSync(from).isFile() && destinationIsDir ? join(destination, posix.basename(source)) : destination;
            mkdirSync(dirname(target), { recursive: true });
            cpSync(from, target, { recursive: true });
          } else if (copyFromContext(contextFiles, source, destination, destinationIsDir) === 0) {
            throw new Error(`line ${copy.line}: COPY ${source}: nothing in the build context (missing, or left out by .dockerignore)`);
          }
        }
        break;
      }
      case 'RUN': {
        const command = instruction.exec ? instruction.exec.join(' ') : instruction.text;
        for (const step of command.split('&&').map((part) => part.trim())) {
          if (SYSTEM_STEP.test(step)) {
            skipped.push(step);
            continue;
          }
          if (!/^(npm|node)\s/.test(step)) throw new Error(`line ${instruction.line}: RUN step not classified for emulation: ${step}`);
          (options.run ?? defaultRun)({ command: step, cwd: hostPath(workdir), env: { ...options.baseEnv, ...env } });
          ran.push(step);
        }
        break;
      }
      default:
        // USER, EXPOSE, HEALTHCHECK, STOPSIGNAL, ENTRYPOINT, CMD, LABEL: metadata, read by the tests.
        break;
    }
  }
  return { rootfs, env, hostPath, ran, skipped };
}

/**
 * The image's command and ENV run from this checkout instead of an emulated image: the runtime
 * stage's WORKDIR holds what this checkout holds (package files, bin/, src/, console/dist and the
 * installed node_modules), so image paths under it map here. `dataDir` stands for FOYER_DATA_DIR.
 */
export function checkoutCommand(stage: Stage, workdir: string, dataDir: string): { argv: string[]; env: Record<string, string> } {
  const inCheckout = (arg: string) => (arg.startsWith(`${workdir}/`) ? resolve(REPO_ROOT, posix.relative(workdir, arg)) : arg);
  const argv = containerCommand(stage).map(inCheckout);
  const env = { ...stageEnv(stage) };
  if (env.FOYER_DATA_DIR) env.FOYER_DATA_DIR = dataDir;
  return { argv, env };
}

/** The major version of a `node:<major>-…` base image. */
export function nodeMajorOf(base: string): number {
  const match = /^node:(\d+)(?:[.-]|$)/.exec(base);
  if (!match) throw new Error(`not a node base image: ${base}`);
  return Number(match[1]);
}

/** A process's command line, from /proc ('' once it has exited). */
export function processCommandLine(pid: number): string {
  return existsSync(`/proc/${pid}/cmdline`) ? readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim() : '';
}

export async function waitUntil(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

/** The PIDs of `pid`'s child processes (every thread's children), from /proc. */
export function childPids(pid: number): number[] {
  const output = execFileSync('/bin/sh', ['-c', `cat /proc/${pid}/task/*/children 2>/dev/null || true`], { encoding: 'utf8' });
  return output.split(/\s+/).filter(Boolean).map(Number);
}
