/**
 * `foyer start` prints where it serves and with which keys, and warns at once about a database server
 * that will slow it down over time (autovacuum off), not only when someone runs `foyer doctor`, and
 * about GOTRUE_* variables nobody reads (a typo leaves a setting unapplied).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { createCliProject, startCli, withDb, type CliProject } from '../helpers/cli.js';
import { engines } from '../helpers/engines.js';
import { freePort } from '../helpers/ports.js';

/** `foyer start` on a free admin port, once its banner is printed: its output so far, the output later on, and a stop. */
async function startUntilBanner(
  project: CliProject,
  env: Record<string, string>,
): Promise<{ stdout: string; output: () => string; stop: () => Promise<void> }> {
  const child = startCli(project, ['start'], { PORT: '0', GOTRUE_API_HOST: '127.0.0.1', FOYER_ADMIN_PORT: String(await freePort()), ...env });
  let stdout = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const stop = async () => {
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  };
  try {
    const deadline = Date.now() + 60_000;
    while (!/anon key:[\s\S]*\n\n/.test(stdout)) {
      assert.ok(child.exitCode === null, `foyer start exited: ${stderr}`);
      assert.ok(Date.now() < deadline, `no banner after 60 s:\n${stdout}\n${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { stdout, output: () => stdout, stop };
}

for (const engine of engines) {
  describe(`foyer start banner (${engine})`, () => {
    let project: CliProject;
    before(async () => {
      project = await createCliProject(engine);
    });
    after(() => project.close());

    it('warns about autovacuum exactly when the PostgreSQL server runs without it', async () => {
      const autovacuumOff =
        engine === 'postgres' &&
        (await withDb(project, async (db) => (await db.query<{ v: string }>(`select current_setting('autovacuum') as v`))[0].v)) !== 'on';
      const { stdout, stop } = await startUntilBanner(project, {});
      try {
        assert.match(stdout, /API URL \(createClient\): +http:\/\/127\.0\.0\.1:\d+/);
        const warning = /Warning: +PostgreSQL runs with autovacuum off.*Set autovacuum = on/;
        if (autovacuumOff) assert.match(stdout, warning);
        else assert.doesNotMatch(stdout, /autovacuum/);
        assert.doesNotMatch(stdout, /pool queue/, 'the installed driver is patched: no warning about it');
      } finally {
        await stop();
      }
    });

    it('names GOTRUE_* variables that neither GoTrue nor Foyer reads, in the banner and the log', async () => {
      const { stdout, output, stop } = await startUntilBanner(project, {
        GOTRUE_SITEURL: 'https://typo.example',
        GOTRUE_EXTERNAL_SAML_ENABLED: 'true',
        GOTRUE_TRACING_ENABLED: 'true',
      });
      try {
        assert.match(stdout, /Warning: +ignored: GOTRUE_EXTERNAL_SAML_ENABLED, GOTRUE_SITEURL \(neither GoTrue nor Foyer reads these variables/);
        // The log line and the banner are written separately: on a busy machine the line may come a little later.
        const warned = () =>
          output()
            .split('\n')
            .filter((line) => line.startsWith('{'))
            .map((line) => JSON.parse(line) as { level: number; variables?: string[] })
            .some((entry) => entry.level === 40 && JSON.stringify(entry.variables) === '["GOTRUE_EXTERNAL_SAML_ENABLED","GOTRUE_SITEURL"]');
        const deadline = Date.now() + 10_000;
        while (!warned() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
        assert.ok(warned(), `a warning in the log names them:\n${output()}`);
        assert.doesNotMatch(stdout, /GOTRUE_TRACING_ENABLED/, 'a GoTrue variable that does not apply is not unknown');
      } finally {
        await stop();
      }
    });
  });
}
