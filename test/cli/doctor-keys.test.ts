import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createKeyring } from '../../src/security/jwt.js';
import { createCliProject, runCli, withDb, type CliProject } from '../helpers/cli.js';
import { engines } from '../helpers/engines.js';
import { addCartRow, convert, createCartTable, seedMany } from '../helpers/ops.js';
import { TEST_JWT_SECRET } from '../helpers/project.js';

/** The project's database, migrated; close it before running `foyer` (an embedded database has one owner). */

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

for (const engine of engines) {
  describe(`foyer --help, doctor and keys rotate (${engine})`, () => {
    let project: CliProject;
    const seeded = { stale: [] as string[], owners: [] as string[], fresh: [] as string[] };
    before(async () => {
      project = await createCliProject(engine);
      await withDb(project, async (db) => {
        await createCartTable(db);
        seeded.stale = await seedMany(db, 4, { daysAgo: 40 });
        seeded.owners = await seedMany(db, 1, { daysAgo: 40 });
        await addCartRow(db, seeded.owners[0]);
        seeded.fresh = await seedMany(db, 2);
        const [converted] = await seedMany(db, 1, { daysAgo: 40 });
        await convert(db, converted);
      });
    });
    after(() => project.close());

    it('has --help on every command', async () => {
      for (const [args, mentions] of [
        [['keys', '--help'], /--json/],
        [['keys', 'rotate', '--help'], /--yes/],
        [['users', '--help'], /--anonymous[\s\S]*--stale/],
        [['stats', '--help'], /--bucket[\s\S]*--fail-on-spike/],
        [['cleanup', '--help'], /--dry-run[\s\S]*Ctrl-C/],
        [['doctor', '--help'], /troubleshooting[\s\S]*--offline/],
      ] as const) {
        const result = await runCli(project, args);
        assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
        assert.match(result.stdout, mentions, args.join(' '));
      }
    });

    it('foyer doctor names each problem of a misconfigured project and its fix', async () => {
      const otherSecret = 'another-secret-that-is-long-enough-0123456789';
      const foreignAnonKey = await createKeyring({ secret: otherSecret }).sign({ role: 'anon', iss: 'supabase' });
      const result = await runCli(project, ['doctor'], {
        GOTRUE_JWT_SECRET: TEST_JWT_SECRET,
        GOTRUE_EXTERNAL_ANONYMOUS_USERS_ENABLED: '"true"',
        GOTRUE_SECURITY_MANUAL_LINKING_ENABLED: 'yes',
        GOTRUE_SECURITY_CAPTCHA_ENABLED: 'true',
        GOTRUE_SECURITY_CAPTCHA_PROVIDER: 'turnstile',
        GOTRUE_RATE_LIMIT_HEADER: 'X-Real-IP',
        GOTRUE_SMTP_HOST: '127.0.0.1',
        GOTRUE_SMTP_PORT: String(await closedPort()),
        JWT_SECRET: otherSecret,
        ANON_KEY: foreignAnonKey,
        FOYER_ANONYMOUS_CLEANUP_INACTIVE_DAYS: '-5',
      });
      assert.equal(result.code, 1, result.stderr);
      const out = result.stdout;
      assert.match(out, /^foyer doctor: 8 problem\(s\)/);
      const problem = (pattern: RegExp) => assert.match(out, new RegExp(`\\[PROBLEM\\] ${pattern.source}`), pattern.source);
      problem(/GOTRUE_EXTERNAL_ANONYMOUS_USERS_ENABLED spelling: .*the quotes are part of the value/);
      problem(/GOTRUE_SECURITY_MANUAL_LINKING_ENABLED spelling: .*neither true nor false/);
      problem(/CAPTCHA: CAPTCHA is enabled without a secret key/);
      problem(/rate limits keyed on a trusted IP: GOTRUE_RATE_LIMIT_HEADER=x-real-ip is ignored/);
      problem(/SMTP: 127\.0\.0\.1:\d+ is not usable/);
      problem(/JWT keys: JWT_SECRET differs from GOTRUE_JWT_SECRET/);
      problem(/JWT keys: ANON_KEY does not verify/);
      problem(/settings: FOYER_ANONYMOUS_CLEANUP_INACTIVE_DAYS must be at least 1, got -5/);
      const fixes = out.split('\n').filter((line) => line.trim().startsWith('fix:'));
      assert.ok(fixes.length >= 8);
      assert.match(out, /fix: In docker-compose\.yml write `GOTRUE_EXTERNAL_ANONYMOUS_USERS_ENABLED: "true"`/);
      assert.match(out, /fix: Set FOYER_TRUSTED_PROXIES/);

      const json = JSON.parse((await runCli(project, ['doctor', '--json', '--offline'], { GOTRUE_SECURITY_MANUAL_LINKING_ENABLED: 'yes' })).stdout);
      assert.ok(json.findings.some((finding: { check: string; status: string }) => finding.check.startsWith('GOTRUE_SECURITY_MANUAL_LINKING_ENABLED') && finding.status === 'problem'));
    });

    it('foyer doctor names GoTrue features Foyer lacks and GOTRUE_* names nobody reads, and checks the rest', async () => {
      const result = await runCli(project, ['doctor', '--json', '--offline'], {
        GOTRUE_EXPERIMENTAL_SCIM_ENABLED: 'true',
        GOTRUE_SITEURL: 'https://typo.example',
        GOTRUE_SECURITY_MANUAL_LINKING_ENABLED: 'true',
      });
      assert.equal(result.code, 1, result.stderr);
      const { findings } = JSON.parse(result.stdout) as { findings: { check: string; status: string; message: string; fix?: string }[] };
      const refusal = findings.find((finding) => finding.message.startsWith('GOTRUE_EXPERIMENTAL_SCIM_ENABLED=true asks for SCIM provisioning'));
      assert.equal(refusal?.status, 'problem');
      assert.match(refusal?.fix ?? '', /docs\/configuration\.md/);
      const unknown = findings.find((finding) => finding.check === 'GoTrue variables');
      assert.equal(unknown?.status, 'warn');
      assert.match(unknown?.message ?? '', /ignored: GOTRUE_SITEURL/);
      assert.ok(findings.some((finding) => finding.check === 'manual linking' && finding.status === 'ok'), 'the rest of the configuration is still checked');
      assert.ok(!findings.some((finding) => finding.message.startsWith('docs/')), 'the closing line of the error is not a finding');
    });

    it('foyer doctor passes a sound project', async () => {
      const result = await runCli(project, ['doctor'], {
        GOTRUE_EXTERNAL_ANONYMOUS_USERS_ENABLED: 'true',
        GOTRUE_SECURITY_MANUAL_LINKING_ENABLED: 'true',
        GOTRUE_SECURITY_CAPTCHA_ENABLED: 'true',
        GOTRUE_SECURITY_CAPTCHA_PROVIDER: 'hcaptcha',
        GOTRUE_SECURITY_CAPTCHA_SECRET: '0x' + 'a'.repeat(40),
        GOTRUE_MAILER_AUTOCONFIRM: 'true',
        FOYER_ANONYMOUS_CLEANUP_ENABLED: 'true',
      });
      assert.equal(result.code, 0, result.stdout);
      assert.match(result.stdout, /^foyer doctor: 0 problem\(s\)/);
      assert.match(result.stdout, /\[ok\] +database: .*migrations up to date/);
      assert.match(result.stdout, /\[warn\] +data tables: cart_items\.user_id references auth\.users without an index/);
      // The server's own setting decides: the warning appears exactly when PostgreSQL runs without autovacuum.
      const autovacuumOff =
        engine === 'postgres' &&
        (await withDb(project, async (db) => (await db.query<{ v: string }>(`select current_setting('autovacuum') as v`))[0].v)) !== 'on';
      const warning = /\[warn\] +autovacuum: PostgreSQL runs with autovacuum off[\s\S]*fix: Set autovacuum = on/;
      if (autovacuumOff) assert.match(result.stdout, warning);
      else assert.doesNotMatch(result.stdout, /autovacuum/);
    });

    it('foyer keys rotate explains a shared secret, and rotates only the embedded one with --yes', async () => {
      const explain = await runCli(project, ['keys', 'rotate']);
      assert.equal(explain.code, 1);
      assert.match(explain.stderr, /nothing changed/);
      if (engine === 'postgres') {
        assert.match(explain.stdout, /rotating that secret everywhere at once/);
        return;
      }
      assert.match(explain.stdout, /Embedded mode: Foyer owns the HS256 secret/);
      const before = JSON.parse((await runCli(project, ['keys', '--json'])).stdout);
      const rotated = await runCli(project, ['keys', 'rotate', '--yes']);
      assert.equal(rotated.code, 0, rotated.stderr);
      const afterwards = JSON.parse((await runCli(project, ['keys', '--json'])).stdout);
      assert.notEqual(afterwards.anon_key, before.anon_key);
      assert.ok(rotated.stdout.includes(afterwards.anon_key));
      assert.equal(readdirSync(project.dataDir!).filter((name) => name.startsWith('jwt-secret.old-')).length, 1);
    });
  });
}
