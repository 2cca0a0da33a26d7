/**
 * The Dockerfile's runtime stage carried out on this machine: its COPY instructions fill a directory
 * standing for the image from the build context (.dockerignore applied) and from the console this
 * checkout built (what the build stage produces), its `npm ci --omit=dev` runs there, and its
 * ENTRYPOINT + CMD start Foyer exactly as the container would, on the embedded database. npm reuses
 * this machine's cache (prefer-offline), so the install takes seconds.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix, resolve } from 'node:path';
import { it } from 'node:test';
import { driverPatched } from '../../src/store/driver-patch.js';
import { childPids, emulateStage, nodeMajorOf, processCommandLine, waitUntil } from '../helpers/image-rootfs.js';
import { freePort, hostEnv, startContainer } from '../helpers/container-process.js';
import {
  containerCommand,
  finalStage,
  readDockerfile,
  REPO_ROOT,
  stageHealthcheck,
  stageNamed,
  stageWorkdir,
} from '../helpers/dockerfile.js';
import { makeClient } from '../helpers/server.js';

const dockerfile = readDockerfile();
const runtime = finalStage(dockerfile);
const build = stageNamed(dockerfile, 'build');

it(
  "the runtime stage, carried out here: npm ci --omit=dev patches the driver, and the image's command serves /health, sign-ups and the console, then stops on SIGTERM",
  { timeout: 240_000 },
  async () => {
    // The image's node is the one this test runs on, or the test would not say much about the image.
    assert.equal(nodeMajorOf(runtime.base), Number(process.versions.node.split('.')[0]), `base image ${runtime.base}`);
    const consoleDist = resolve(REPO_ROOT, 'console/dist');
    assert.ok(existsSync(join(consoleDist, 'index.html')), 'the console is built in this checkout (npm install runs prepare)');

    const root = mkdtempSync(join(tmpdir(), 'foyer-image-'));
    try {
      const buildWorkdir = stageWorkdir(build)!;
      // The build stage's `npm run build`, run on this checkout's sources into a directory of the test's.
      assert.ok(build.instructions.some((step) => step.keyword === 'RUN' && step.text.trim() === 'npm run build'), 'the build stage compiles the sources');
      const compiled = join(root, 'build-stage-dist');
      const compile = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/build.js'), '--out', compiled], { encoding: 'utf8' });
      assert.equal(compile.status, 0, compile.stderr);
      const image = emulateStage(runtime, {
        rootfs: join(root, 'rootfs'),
        // The build stage's output: dist/ compiled above, and the console this checkout built (same
        // sources, same `npm ci` + prepare).
        fromStage: (stage, imagePath) => {
          assert.equal(stage, 'build');
          const path = posix.relative(buildWorkdir, imagePath);
          return path === 'dist' || path.startsWith('dist/') ? join(compiled, posix.relative('dist', path)) : resolve(REPO_ROOT, path);
        },
        baseEnv: { ...hostEnv(), npm_config_prefer_offline: 'true', npm_config_update_notifier: 'false' },
      });
      assert.ok(image.ran.some((step) => /^npm ci\b.*--omit=dev/.test(step)), `ran: ${image.ran.join(' | ')}`);

      const app = image.hostPath(stageWorkdir(runtime)!);
      // postinstall ran patch-package: the pool queue drops its spent slots.
      assert.ok(driverPatched(readFileSync(join(app, 'node_modules/postgres/src/queue.js'), 'utf8')), 'postgres.js carries the patch');
      assert.ok(!existsSync(join(app, 'node_modules/vite')), 'no devDependency in the image');
      assert.ok(!existsSync(join(app, 'test')) && !existsSync(join(app, '.env')), 'no tests, no .env in the image');
      assert.ok(existsSync(join(app, 'dist/main.js')) && !existsSync(join(app, 'src')), 'the compiled build, not the sources');
      assert.ok(existsSync(join(app, 'dist/store/migrations/gotrue/auth-schema.sql')), 'the migrations beside the code that reads them');

      const port = await freePort();
      const argv = containerCommand(runtime).map((arg) => (arg.startsWith('/') ? image.hostPath(arg) : arg));
      const dataDir = image.hostPath(image.env.FOYER_DATA_DIR);
      mkdirSync(dataDir, { recursive: true }); // the image's `RUN mkdir -p /data`
      // A fresh container's /tmp: tsx's compile cache starts empty, and goes with the test's files.
      const containerTmp = image.hostPath('/tmp');
      mkdirSync(containerTmp, { recursive: true });
      // `docker run -e PORT=…`: everything else is the image's ENV.
      const env = { ...hostEnv(), TMPDIR: containerTmp, ...image.env, FOYER_DATA_DIR: dataDir, PORT: String(port) };
      const container = await startContainer({ argv, cwd: app, env, port });
      let stopped = false;
      try {
        assert.match(container.output(), /Database:\s+embedded \(PGlite\)/);

        // The HEALTHCHECK's command line, as Docker runs it (/bin/sh -c, the container's environment).
        const healthcheck = stageHealthcheck(runtime)!;
        assert.equal(spawnSync('/bin/sh', ['-c', healthcheck.shell!], { env }).status, 0, 'healthy while serving');

        // bin/foyer.js runs Foyer's build in the process the container starts, so SIGTERM reaches it,
        // and compiles nothing: no child (tsx would have started esbuild's compiler service).
        const children = childPids(container.pid);
        assert.deepEqual(children.map(processCommandLine), [], 'no child process');

        const client = makeClient(`http://127.0.0.1:${port}`, container.bannerValue('anon key:')!);
        const { data, error } = await client.auth.signInAnonymously();
        assert.equal(error, null);
        assert.equal(data.user?.is_anonymous, true);
        assert.ok(data.session?.access_token);

        // The console: the page, and the script it loads, from the image's console/dist.
        const page = await fetch(`http://127.0.0.1:${port}/console/`);
        assert.equal(page.status, 200);
        const html = await page.text();
        const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(html)?.[1];
        assert.ok(script, `the built page loads its script:\n${html.slice(0, 500)}`);
        const served = await fetch(`http://127.0.0.1:${port}${script}`);
        assert.equal(served.status, 200);
        const assets = readdirSync(join(app, 'console/dist/assets'));
        assert.ok(assets.includes(posix.basename(script)), 'served from the copied console/dist');
        assert.equal(await served.text(), readFileSync(join(app, 'console/dist/assets', posix.basename(script)), 'utf8'));

        assert.equal(await container.stop(), 0, `exit code after SIGTERM:\n${container.output()}`);
        stopped = true;
        await waitUntil(() => children.every((child) => !existsSync(`/proc/${child}`)), 5_000, 'children gone with their parent');
        assert.notEqual(spawnSync('/bin/sh', ['-c', healthcheck.shell!], { env }).status, 0, 'unhealthy once stopped');
      } finally {
        if (!stopped) await container.stop().catch(() => undefined);
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  },
);
