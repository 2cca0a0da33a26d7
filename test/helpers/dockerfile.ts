/**
 * Reading the repository's Dockerfile and .dockerignore as Docker does, for tests that check what their
 * instructions do without a Docker engine: stages and their instructions (continuations joined,
 * comments dropped, exec and shell forms told apart), and the build context (files that survive
 * .dockerignore, with Docker's rules: the last matching pattern wins, `!` re-includes, a pattern that
 * matches a directory matches everything under it).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');

export interface Instruction {
  /** Upper-case keyword: FROM, RUN, COPY, ENV, … */
  readonly keyword: string;
  /** Leading `--name=value` options (RUN --mount, COPY --from, HEALTHCHECK --interval, …). */
  readonly flags: Readonly<Record<string, string>>;
  /** The rest of the instruction after its flags, as written. */
  readonly text: string;
  /** Set for the exec (JSON array) form. */
  readonly exec: readonly string[] | undefined;
  readonly line: number;
}

export interface Stage {
  readonly name: string | undefined;
  readonly base: string;
  readonly instructions: readonly Instruction[];
}

export interface Dockerfile {
  readonly stages: readonly Stage[];
}

/** Splits leading `--flag=value` words off `text`. */
function takeFlags(text: string): { flags: Record<string, string>; rest: string } {
  const flags: Record<string, string> = {};
  let rest = text.trimStart();
  for (let match = /^--([a-z-]+)=(\S+)\s*/.exec(rest); match; match = /^--([a-z-]+)=(\S+)\s*/.exec(rest)) {
    flags[match[1]] = match[2];
    rest = rest.slice(match[0].length);
  }
  return { flags, rest: rest.trim() };
}

function execForm(text: string): string[] | undefined {
  if (!text.startsWith('[')) return undefined;
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === 'string')) throw new Error(`not an exec form: ${text}`);
  return parsed as string[];
}

/** `${NAME}` and `${NAME:-default}` from the build arguments (ARG before the first FROM). */
function substitute(text: string, args: Readonly<Record<string, string>>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_m, name: string, fallback: string | undefined) => args[name] || fallback || '');
}

export function parseDockerfile(source: string): Dockerfile {
  const logical: { text: string; line: number }[] = [];
  let pending: { text: string; line: number } | undefined;
  source.split('\n').forEach((raw, index) => {
    const trimmed = raw.trim();
    // Comment lines are dropped, also inside a continued instruction (Docker does the same).
    if (trimmed.startsWith('#') || (trimmed === '' && !pending)) return;
    const continued = trimmed.endsWith('\\');
    const piece = continued ? trimmed.slice(0, -1).trim() : trimmed;
    pending = pending ? { text: `${pending.text} ${piece}`.trim(), line: pending.line } : { text: piece, line: index + 1 };
    if (!continued) {
      logical.push(pending);
      pending = undefined;
    }
  });
  if (pending) logical.push(pending);

  const globalArgs: Record<string, string> = {};
  const stages: { name: string | undefined; base: string; instructions: Instruction[] }[] = [];
  for (const { text, line } of logical) {
    const keyword = /^\S+/.exec(text)![0].toUpperCase();
    const { flags, rest } = takeFlags(text.slice(keyword.length));
    if (keyword === 'ARG' && stages.length === 0) {
      const [name, value = ''] = rest.split('=');
      globalArgs[name] = value;
      continue;
    }
    if (keyword === 'FROM') {
      const match = /^(\S+)(?:\s+as\s+(\S+))?$/i.exec(rest);
      if (!match) throw new Error(`line ${line}: cannot read FROM ${rest}`);
      stages.push({ base: substitute(match[1], globalArgs), name: match[2], instructions: [] });
      continue;
    }
    if (stages.length === 0) throw new Error(`line ${line}: ${keyword} before the first FROM`);
    stages.at(-1)!.instructions.push({ keyword, flags, text: rest, exec: execForm(rest), line });
  }
  return { stages };
}

export function readDockerfile(path = resolve(REPO_ROOT, 'Dockerfile')): Dockerfile {
  return parseDockerfile(readFileSync(path, 'utf8'));
}

export function stageNamed(dockerfile: Dockerfile, name: string): Stage {
  const stage = dockerfile.stages.find((s) => s.name === name);
  if (!stage) throw new Error(`no stage named ${name}`);
  return stage;
}

/** The stage `docker build` produces (the last one). */
export const finalStage = (dockerfile: Dockerfile): Stage => dockerfile.stages.at(-1)!;

export const instructionsOf = (stage: Stage, keyword: string): Instruction[] => stage.instructions.filter((i) => i.keyword === keyword);

/** `KEY=value` pairs of ENV instructions, in order (quotes around a value removed). */
export function stageEnv(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const instruction of instructionsOf(stage, 'ENV')) {
    for (const match of instruction.text.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("([^"]*)"|\S*)/g)) env[match[1]] = match[3] ?? match[2];
  }
  return env;
}

export const stageWorkdir = (stage: Stage): string | undefined => instructionsOf(stage, 'WORKDIR').at(-1)?.text;

/** What the container runs: ENTRYPOINT then CMD, both required in exec form (no shell in between). */
export function containerCommand(stage: Stage): string[] {
  const entrypoint = instructionsOf(stage, 'ENTRYPOINT').at(-1);
  const cmd = instructionsOf(stage, 'CMD').at(-1);
  for (const instruction of [entrypoint, cmd]) {
    if (instruction && !instruction.exec) throw new Error(`line ${instruction.line}: ${instruction.keyword} is in shell form`);
  }
  return [...(entrypoint?.exec ?? []), ...(cmd?.exec ?? [])];
}

export interface Healthcheck {
  readonly flags: Readonly<Record<string, string>>;
  /** The shell form's command line (run with /bin/sh -c), or undefined for the exec form. */
  readonly shell: string | undefined;
  readonly exec: readonly string[] | undefined;
}

export function stageHealthcheck(stage: Stage): Healthcheck | undefined {
  const instruction = instructionsOf(stage, 'HEALTHCHECK').at(-1);
  if (!instruction) return undefined;
  const command = /^CMD\s+([\s\S]+)$/.exec(instruction.text);
  if (!command) throw new Error(`line ${instruction.line}: HEALTHCHECK without CMD`);
  const exec = execForm(command[1]);
  return { flags: instruction.flags, shell: exec ? undefined : command[1], exec };
}

export interface CopyInstruction {
  readonly from: string | undefined;
  readonly sources: readonly string[];
  readonly destination: string;
  readonly line: number;
}

export function copiesOf(stage: Stage): CopyInstruction[] {
  return instructionsOf(stage, 'COPY').map((instruction) => {
    const words = instruction.exec ?? instruction.text.split(/\s+/);
    return { from: instruction.flags.from, sources: words.slice(0, -1), destination: words.at(-1)!, line: instruction.line };
  });
}

// --- The build context -------------------------------------------------------------------------

interface IgnoreRule {
  readonly negated: boolean;
  readonly pattern: RegExp;
}

/** .dockerignore's patterns (Go filepath.Match syntax plus `**`), relative to the context root. */
export function parseDockerignore(source: string): IgnoreRule[] {
  return source
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const negated = line.startsWith('!');
      const glob = (negated ? line.slice(1) : line).trim().replace(/^\/+/, '').replace(/\/+$/, '');
      let pattern = '';
      for (let i = 0; i < glob.length; i += 1) {
        const char = glob[i];
        if (char === '*' && glob[i + 1] === '*') {
          pattern += '.*';
          i += 1;
          if (glob[i + 1] === '/') i += 1;
        } else if (char === '*') pattern += '[^/]*';
        else if (char === '?') pattern += '[^/]';
        else pattern += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
      }
      return { negated, pattern: new RegExp(`^${pattern}$`) };
    });
}

/** Whether `path` (relative, `/`-separated) is left out of the context by `rules`. */
export function isIgnored(path: string, rules: readonly IgnoreRule[]): boolean {
  const parts = path.split('/');
  const selfAndParents = parts.map((_, index) => parts.slice(0, index + 1).join('/'));
  let ignored = false;
  for (const rule of rules) {
    if (selfAndParents.some((candidate) => rule.pattern.test(candidate))) ignored = !rule.negated;
  }
  return ignored;
}

/**
 * The files `docker build` would send from this checkout: the working tree's files (tracked, and
 * untracked ones git does not ignore) that .dockerignore keeps.
 */
export function buildContextFiles(root = REPO_ROOT): string[] {
  const rules = parseDockerignore(readFileSync(resolve(root, '.dockerignore'), 'utf8'));
  const listed = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: root, encoding: 'utf8' });
  return listed
    .split('\0')
    .filter((path) => path !== '')
    .filter((path) => !isIgnored(path, rules))
    .sort();
}
