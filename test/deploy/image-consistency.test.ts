/**
 * The Dockerfile, .dockerignore and deploy/docker-compose.foyer.yml agree with the code: the command
 * they run exists and takes those arguments, the health checks ask the path Foyer serves on the port
 * it listens on, the stages copy what their installs need before running them, the build context
 * holds what Foyer reads at run time and nothing private, and the compose service restates Supabase's
 * official auth service with variables Foyer reads (or that the guide says it does not implement).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { posix, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { settingsSchema } from '../../src/config/settings.js';
import {
  SUPABASE_COMPOSE_AUTH_ENV,
  SUPABASE_COMPOSE_AUTH_ENVIRONMENT,
  SUPABASE_COMPOSE_AUTH_SERVICE,
} from '../fixtures/supabase-compose-auth-env.js';
import {
  buildContextFiles,
  containerCommand,
  copiesOf,
  finalStage,
  instructionsOf,
  isIgnored,
  parseDockerignore,
  readDockerfile,
  REPO_ROOT,
  stageEnv,
  stageHealthcheck,
  stageNamed,
  stageWorkdir,
  type Stage,
} from '../helpers/dockerfile.js';
import { nodeMajorOf } from '../helpers/image-rootfs.js';
import { createTestProject, type TestProject } from '../helpers/project.js';

const dockerfile = readDockerfile();
const runtime = finalStage(dockerfile);
const build = stageNamed(dockerfile, 'build');
const packageJson = JSON.parse(readFileSync(resolve(REPO_ROOT, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  engines: { node: string };
};
const composePath = resolve(REPO_ROOT, 'deploy/docker-compose.foyer.yml');
const composeText = readFileSync(composePath, 'utf8');
interface ComposeService {
  container_name: string;
  image: string;
  restart: string;
  healthcheck: { test: string[] } & Record<string, unknown>;
  depends_on: Record<string, unknown>;
  environment: Record<string, string | number | boolean>;
}
const compose = parseYaml(composeText) as { services: Record<string, ComposeService> };
const knownVariables = new Set(Object.values(settingsSchema).flatMap((setting) => setting.env));

/** The RUN instruction whose command runs `npm ci`, and everything the stage copied before it. */
function npmCiOf(stage: Stage): { command: string; copiedBefore: string[] } {
  return runOf(stage, /\bnpm ci\b/);
}

/** The stage's first RUN matching `pattern`, and the build-context paths copied before it. */
function runOf(stage: Stage, pattern: RegExp): { command: string; copiedBefore: string[] } {
  const run = instructionsOf(stage, 'RUN').find((instruction) => pattern.test(instruction.text));
  assert.ok(run, `stage ${stage.name}: no RUN matching ${pattern}`);
  const copiedBefore = copiesOf(stage)
    .filter((copy) => copy.line < run.line && !copy.from)
    .flatMap((copy) => copy.sources.map((source) => source.replace(/\/+$/, '')));
  return { command: run.text, copiedBefore };
}

const covers = (copied: readonly string[], path: string) => copied.some((source) => path === source || path.startsWith(`${source}/`));

/** The file a package script runs with node (`node bin/x.js` → bin/x.js). */
function scriptFile(script: string): string {
  const match = /^node\s+(\S+)/.exec(packageJson.scripts[script] ?? '');
  assert.ok(match, `package.json ${script} runs a file with node: ${packageJson.scripts[script]}`);
  return match[1];
}

describe('the image runs Foyer directly', () => {
  it('ENTRYPOINT + CMD are exec form, start node on the copied bin/foyer.js, and `start` takes no further arguments', () => {
    const argv = containerCommand(runtime);
    assert.equal(argv[0], 'node', 'node itself is PID 1 (no npm or shell in between)');
    const workdir = stageWorkdir(runtime)!;
    const script = posix.relative(workdir, argv[1]);
    assert.equal(script, 'bin/foyer.js');
    assert.equal(packageJson.scripts.start, `node ${script} start`, 'the same command as `npm start`');
    assert.ok(covers(copiesOf(runtime).flatMap((c) => c.sources.map((s) => s.replace(/\/+$/, ''))), script), `${script} is copied into ${workdir}`);
    // commander refuses unknown commands and excess arguments: `--help` after them exits 0 only if they are accepted.
    const help = spawnSync(process.execPath, [resolve(REPO_ROOT, script), ...argv.slice(2), '--help'], { encoding: 'utf8', cwd: REPO_ROOT });
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /^Usage: foyer start/);
  });

  it('the base image is Node 20 (what package.json allows), and the process runs as an unprivileged user that owns the data directory', () => {
    for (const stage of dockerfile.stages) assert.equal(nodeMajorOf(stage.base), 20, stage.base);
    assert.match(packageJson.engines.node, /^>=\s*20\b/);
    const user = instructionsOf(runtime, 'USER').at(-1)?.text;
    assert.ok(user && user !== 'root' && user !== '0', `USER ${user}`);
    const dataDir = stageEnv(runtime).FOYER_DATA_DIR;
    assert.ok(dataDir, 'FOYER_DATA_DIR is set');
    const chown = instructionsOf(runtime, 'RUN').map((run) => /chown (\S+?):\S+ (\S+)/.exec(run.text)).find(Boolean);
    assert.deepEqual([chown?.[1], chown?.[2]], [user, dataDir]);
    assert.equal(instructionsOf(runtime, 'STOPSIGNAL').at(-1)?.text ?? 'SIGTERM', 'SIGTERM', 'the signal `foyer start` stops gracefully on');
  });
});

describe('the stages install what they copied', () => {
  it('the runtime stage installs production dependencies with lifecycle scripts, after copying the patch and the prepare script', () => {
    const { command, copiedBefore } = npmCiOf(runtime);
    assert.match(command, /--omit=dev/);
    assert.doesNotMatch(command, /--ignore-scripts/, 'postinstall applies the driver patch');
    assert.equal(packageJson.scripts.postinstall, 'patch-package');
    assert.ok(packageJson.dependencies['patch-package'], 'patch-package is a production dependency (--omit=dev keeps it)');
    for (const file of ['package.json', 'package-lock.json', 'patches/postgres+3.4.9.patch', scriptFile('prepare')]) {
      assert.ok(covers(copiedBefore, file), `${file} is copied before npm ci`);
    }
    // Every patch names the exact version the lock installs, or patch-package refuses it.
    const patches = buildContextFiles().filter((file) => file.startsWith('patches/'));
    assert.ok(patches.length > 0);
    for (const patch of patches) {
      const [, name, version] = /^patches\/(.+)\+([^+]+)\.patch$/.exec(patch)!;
      assert.equal(packageJson.dependencies[name], version, patch);
    }
  });

  it('the build stage builds the console where the runtime stage copies it from', async () => {
    const { command, copiedBefore } = npmCiOf(build);
    assert.doesNotMatch(command, /--omit=dev|--ignore-scripts/, 'devDependencies and prepare are needed to build');
    for (const file of ['package.json', 'package-lock.json', 'patches', scriptFile('prepare'), 'console/vite.config.ts', 'console/index.html', 'console/src']) {
      assert.ok(covers(copiedBefore, file), `${file} is copied before npm ci`);
    }
    const viteConfigModule = (await import(pathToFileURL(resolve(REPO_ROOT, 'console/vite.config.ts')).href)) as {
      default: { root: string; build: { outDir: string } };
    };
    const viteConfig = viteConfigModule.default;
    const outDir = posix.join(stageWorkdir(build)!, posix.relative(REPO_ROOT, resolve(viteConfig.root, viteConfig.build.outDir)));
    const fromBuild = new Map(
      copiesOf(runtime)
        .filter((copy) => copy.from === 'build')
        .map((copy) => [copy.sources.map((s) => s.replace(/\/+$/, '')).join(' '), posix.resolve(stageWorkdir(runtime)!, copy.destination)]),
    );
    const compiledDir = `${stageWorkdir(build)}/dist`;
    assert.deepEqual([...fromBuild.keys()].sort(), [compiledDir, outDir].sort());
    assert.equal(fromBuild.get(outDir), `${stageWorkdir(runtime)}/console/dist`);
    assert.equal(fromBuild.get(compiledDir), `${stageWorkdir(runtime)}/dist`);
  });

  it('the build stage compiles the sources into the dist/ the runtime stage copies, and the runtime stage copies no source', () => {
    assert.equal(packageJson.scripts.build, 'node bin/build.js');
    const { copiedBefore } = runOf(build, /^npm run build$/);
    for (const file of ['src', 'tsconfig.json', 'tsconfig.build.json', scriptFile('build')]) {
      assert.ok(covers(copiedBefore, file), `${file} is copied before npm run build`);
    }
    const runtimeCopies = copiesOf(runtime).filter((copy) => !copy.from).flatMap((copy) => copy.sources);
    assert.ok(!runtimeCopies.some((source) => source.startsWith('src')), `the runtime stage copies: ${runtimeCopies.join(', ')}`);
  });
});

describe('the build context', () => {
  const rules = parseDockerignore(readFileSync(resolve(REPO_ROOT, '.dockerignore'), 'utf8'));

  it('holds every source Foyer runs and every file the stages copy', () => {
    const context = new Set(buildContextFiles());
    const tracked = spawnSync('git', ['ls-files', 'src', 'bin', 'patches', 'console'], { cwd: REPO_ROOT, encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
    for (const file of tracked) assert.ok(context.has(file), `${file} is in the build context`);
    for (const copy of [...copiesOf(build), ...copiesOf(runtime)].filter((c) => !c.from)) {
      for (const source of copy.sources) {
        const path = source.replace(/\/+$/, '');
        assert.ok([...context].some((file) => file === path || file.startsWith(`${path}/`)), `COPY ${source} (line ${copy.line}) finds files`);
      }
    }
  });

  it('leaves out secrets, data, installed modules, a local console build, git and tests', () => {
    for (const path of ['.env', '.env.production', '.foyer/jwt-secret', 'node_modules/postgres/package.json', 'console/dist/index.html', '.git/HEAD', 'test/helpers/engines.ts', 'scratch/x.ts']) {
      assert.ok(isIgnored(path, rules), `${path} stays out of the image`);
    }
  });
});

describe('health checks', () => {
  let project: TestProject;
  before(async () => {
    project = await createTestProject('pglite');
  });
  after(async () => {
    await project.close();
  });

  it('Foyer answers GET and HEAD /health (wget --spider sends HEAD)', async () => {
    for (const method of ['GET', 'HEAD'] as const) {
      const response = await project.app.inject({ method, url: '/health' });
      assert.equal(response.statusCode, 200, method);
    }
  });

  it("the image's HEALTHCHECK asks /health on the port Foyer's configuration listens on", () => {
    const healthcheck = stageHealthcheck(runtime);
    assert.ok(healthcheck?.shell, 'HEALTHCHECK CMD in shell form (it reads the port variables)');
    const url = /"(http:\/\/[^"]+)"/.exec(healthcheck.shell)?.[1];
    assert.ok(url, healthcheck.shell);
    const environments: Record<string, string>[] = [{}, { GOTRUE_API_PORT: '9999' }, { PORT: '7000', GOTRUE_API_PORT: '9999' }];
    for (const env of environments) {
      // The URL as /bin/sh expands it in the container.
      const expanded: string = spawnSync('/bin/sh', ['-c', `printf %s "${url}"`], { env, encoding: 'utf8' }).stdout;
      const config = loadConfig({ ...env, FOYER_DATA_DIR: '/data' });
      assert.equal(expanded, `http://127.0.0.1:${config.port}/health`, JSON.stringify(env));
    }
  });

  it("the compose service's healthcheck asks /health on the port its environment gives Foyer", () => {
    const test = compose.services.auth.healthcheck.test;
    const url = new URL(test.at(-1)!);
    assert.deepEqual(test.slice(0, -1), ['CMD', 'wget', '--no-verbose', '--tries=1', '--spider']);
    assert.equal(url.pathname, '/health');
    assert.equal(Number(url.port), loadConfig(SUPABASE_COMPOSE_AUTH_ENV).port);
  });
});

describe('deploy/docker-compose.foyer.yml', () => {
  const service = compose.services.auth;
  const asStrings = (environment: Record<string, string | number | boolean>) =>
    Object.fromEntries(Object.entries(environment).map(([name, value]) => [name, String(value)]));

  it("restates Supabase's auth service (name, environment, depends_on, healthcheck) and swaps only the image", () => {
    assert.deepEqual(Object.keys(compose.services), ['auth']);
    assert.deepEqual(asStrings(service.environment), { ...SUPABASE_COMPOSE_AUTH_ENVIRONMENT });
    assert.deepEqual(service.depends_on, SUPABASE_COMPOSE_AUTH_SERVICE.depends_on);
    assert.deepEqual(service.healthcheck, SUPABASE_COMPOSE_AUTH_SERVICE.healthcheck);
    assert.equal(service.container_name, SUPABASE_COMPOSE_AUTH_SERVICE.container_name);
    assert.equal(service.restart, SUPABASE_COMPOSE_AUTH_SERVICE.restart);
    assert.match(service.image, /foyer/);
  });

  it('every variable it sets is one Foyer reads, and the values of a fresh install are valid', () => {
    const unknown = Object.keys(service.environment).filter((name) => !knownVariables.has(name));
    assert.deepEqual(unknown, []);
    const config = loadConfig(SUPABASE_COMPOSE_AUTH_ENV);
    assert.equal(config.port, 9999);
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.embedded, false);
    assert.deepEqual(config.jwtAdminRoles, ['service_role']);
  });

  it('every variable it leaves commented out is one Foyer reads, or the guide names it', () => {
    const guide = readFileSync(resolve(REPO_ROOT, 'docs/self-hosted-supabase.md'), 'utf8');
    const named = (name: string) =>
      guide.includes(`\`${name}\``) ||
      [...guide.matchAll(/`([A-Z0-9_]+)_\*`/g)].some(([, prefix]) => name.startsWith(`${prefix}_`));
    const commented = [...composeText.matchAll(/^\s*#\s*([A-Z][A-Z0-9_]+):/gm)].map(([, name]) => name);
    assert.ok(commented.length > 40, `${commented.length} commented-out variables`);
    const neither = commented.filter((name) => !knownVariables.has(name) && !named(name));
    assert.deepEqual(neither, []);
    // And what the guide calls not implemented is indeed not read (it must change when support lands).
    const notImplemented = /<!-- not-implemented -->([\s\S]*?)<!-- \/not-implemented -->/.exec(guide)?.[1];
    assert.ok(notImplemented !== undefined, 'the guide marks its list of variables Foyer does not implement (empty now)');
    const listed = [...notImplemented.matchAll(/`([A-Z0-9_]+)`/g)].map(([, name]) => name);
    const prefixes = [...notImplemented.matchAll(/`([A-Z0-9_]+)_\*`/g)].map(([, prefix]) => `${prefix}_`);
    assert.deepEqual(listed.filter((name) => knownVariables.has(name)), []);
    assert.deepEqual([...knownVariables].filter((name) => prefixes.some((prefix) => name.startsWith(prefix))), []);
  });
});
