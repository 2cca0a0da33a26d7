/**
 * The image's command run as the container would run it: the exec-form ENTRYPOINT + CMD as the argv of
 * one process (no shell, no npm), the image's ENV overlaid by the container's environment (as
 * `docker run -e` or a compose `environment:` block does), in the image's WORKDIR. Ready means the
 * health check's URL answers, not a line of output. Every process still running when the test process
 * exits is SIGKILLed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from './ports.js';

export { freePort };

export interface ContainerProcess {
  readonly pid: number;
  readonly port: number;
  /** Everything printed so far (stdout and stderr). */
  output(): string;
  /** A value printed in Foyer's banner, e.g. `anon key:`. */
  bannerValue(label: string): string | undefined;
  /** SIGTERM, then the exit code (SIGKILL and an error after `timeoutMs`). */
  stop(timeoutMs?: number): Promise<number | null>;
}

export interface ExitedProcess {
  readonly code: number | null;
  readonly output: string;
}

export interface ContainerOptions {
  /** ENTRYPOINT + CMD; `node` is this test's node binary, image paths already mapped. */
  readonly argv: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  /** The port the container's process listens on (for the readiness check). */
  readonly port: number;
  readonly readyTimeoutMs?: number;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** The variables a process needs from this machine (the rest of the test's environment stays out). */
export function hostEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG']) if (process.env[name]) env[name] = process.env[name]!;
  return env;
}

function launch(options: ContainerOptions): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const [command, ...args] = options.argv;
  const executable = command === 'node' ? process.execPath : command;
  const child = spawn(executable, args, { cwd: options.cwd, env: { ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let text = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  const exited = new Promise<number | null>((done) => {
    child.once('exit', (code) => {
      running.delete(child);
      done(code);
    });
  });
  return { child, output: () => text, exited };
}

/** Runs the command until it exits by itself (a start that must fail); SIGKILL after `timeoutMs`. */
export async function runToExit(options: ContainerOptions, timeoutMs = 90_000): Promise<ExitedProcess> {
  const { child, output, exited } = launch(options);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await exited;
  clearTimeout(timer);
  return { code, output: output() };
}

export async function startContainer(options: ContainerOptions): Promise<ContainerProcess> {
  const { child, output, exited } = launch(options);
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  const deadline = Date.now() + (options.readyTimeoutMs ?? 90_000);
  for (;;) {
    if (exitCode !== undefined) throw new Error(`${options.argv.join(' ')} exited (code ${exitCode}) before it was healthy:\n${output()}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${options.argv.join(' ')} was not healthy within ${options.readyTimeoutMs ?? 90_000} ms:\n${output()}`);
    }
    const healthy = await fetch(`http://127.0.0.1:${options.port}/health`).then((r) => r.ok, () => false);
    // The banner follows the listen; wait for it too, so its values can be read.
    if (healthy && /service_role key:/.test(output())) break;
    await new Promise((done) => setTimeout(done, 200));
  }
  return {
    pid: child.pid!,
    port: options.port,
    output,
    bannerValue: (label) => new RegExp(`^\\s*${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s+(\\S+)\\s*$`, 'm').exec(output())?.[1],
    async stop(timeoutMs = 30_000) {
      if (exitCode !== undefined) return exitCode;
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, fail) => {
        timer = setTimeout(() => {
          child.kill('SIGKILL');
          fail(new Error(`no exit within ${timeoutMs} ms of SIGTERM:\n${output()}`));
        }, timeoutMs);
      });
      try {
        return await Promise.race([exited, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
