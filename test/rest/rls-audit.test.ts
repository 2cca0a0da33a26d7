/**
 * The RLS audit (src/audit): a deliberately unsafe policy set is reported policy by policy, the seed's
 * safe set is not reported at all; `foyer audit` gates deploys with its exit code; the admin endpoint
 * serves the same report to the service role only.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { auditRls, type AuditReport } from '../../src/audit/audit.js';
import type { Db } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { embeddedDbDir } from '../../src/store/open.js';
import { openPglite } from '../../src/store/pglite.js';
import { openPostgres } from '../../src/store/postgres.js';
import { createPostgresDatabase, engines, type EngineName } from '../helpers/engines.js';
import { createTestProject, TEST_JWT_SECRET, type TestProject } from '../helpers/project.js';
import { seedPoliciesSql, seedSchemaSql } from '../helpers/rest.js';

const FOYER = resolve(import.meta.dirname, '../../bin/foyer.js');

const unsafeSql = `
  create table posts (id serial primary key, author_id uuid, body text);
  alter table posts enable row level security;
  create policy "Authenticated users can read posts" on posts for select to authenticated using (true);
  create policy "Anyone signed in can post" on posts for insert to authenticated with check (true);
  create policy "Editors can update" on posts for update to authenticated using (auth.role() = 'authenticated');
  create policy "Public delete" on posts for delete using (true);

  create table votes (id serial primary key, voter uuid, choice int);
  alter table votes enable row level security;
  create policy "Votes by permanent users" on votes for insert to authenticated with check ((auth.jwt()->>'is_anonymous')::boolean is false);
  create policy "Everyone can vote" on votes for all to authenticated using (true) with check (true);

  create table settings (key text primary key, value text);
  create view posts_view as select * from posts;

  create table profiles (id uuid primary key references auth.users (id) on delete cascade, email text not null, handle text);
  alter table profiles enable row level security;
  create function public.handle_new_user() returns trigger language plpgsql security definer as $$
  begin
    insert into public.profiles (id, email, handle) values (new.id, new.email, split_part(new.email, '@', 1));
    return new;
  end $$;
  create trigger on_auth_user_created after insert on auth.users for each row execute function public.handle_new_user();
`;

/** Safe look-alikes living in the same database: none of these may be reported. */
const safeSql = `
  create table notes (id serial primary key, owner uuid not null default auth.uid(), body text);
  alter table notes enable row level security;
  create policy "Own notes" on notes for all to authenticated using (owner = (select auth.uid())) with check (owner = (select auth.uid()));
  create policy "Shared notes are public" on notes for insert to authenticated with check (true);
  create policy "No anonymous inserts" on notes as restrictive for insert to authenticated with check ((auth.jwt()->>'is_anonymous')::boolean is false);

  create table internal_only (id int primary key);
  revoke all on internal_only from anon, authenticated;
  create view notes_view with (security_invoker = true) as select * from notes;

  create function public.guarded_new_user() returns trigger language plpgsql as $$
  begin
    if new.email is null then return new; end if;
    perform lower(new.email);
    return new;
  end $$;
  create trigger guarded_user_created after insert on auth.users for each row execute function public.guarded_new_user();
`;

const expectedUnsafe = [
  'bypassable_anonymous_check public.votes Votes by permanent users',
  'rls_disabled public.settings',
  'trigger_assumes_email auth.users on_auth_user_created',
  'view_bypasses_rls public.posts_view',
  'write_without_anonymous_check public.posts Anyone signed in can post',
  'write_without_anonymous_check public.posts Editors can update',
  'write_without_anonymous_check public.posts Public delete',
  'write_without_anonymous_check public.votes Everyone can vote',
];

const summary = (report: AuditReport) =>
  report.findings.map((finding) => [finding.kind, `${finding.schema}.${finding.table}`, finding.policy ?? finding.trigger].filter(Boolean).join(' ')).sort();

/** A migrated database of this engine that `foyer audit` can open on its own, with `sql` applied. */
async function standaloneDatabase(engine: EngineName, sql: string): Promise<{ env: Record<string, string>; open: () => Promise<Db>; remove: () => Promise<void> }> {
  if (engine === 'pglite') {
    const dir = mkdtempSync(join(tmpdir(), 'foyer-audit-'));
    const open = () => openPglite({ dataDir: embeddedDbDir(dir) });
    const db = await open();
    await migrate(db);
    await db.execScript(sql);
    await db.close();
    return { env: { FOYER_DATA_DIR: dir }, open, remove: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const { url, drop } = await createPostgresDatabase();
  const open = () => openPostgres({ url, poolSize: 1 });
  const db = await open();
  await migrate(db);
  await db.execScript(sql);
  await db.close();
  return { env: { DATABASE_URL: url, GOTRUE_JWT_SECRET: TEST_JWT_SECRET }, open, remove: drop };
}

function runCli(env: Record<string, string>, args: string[]) {
  const childEnv: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) if (value !== undefined && !/^(GOTRUE_|FOYER_|DATABASE_URL$|PGRST_)/.test(name)) childEnv[name] = value;
  const cwd = mkdtempSync(join(tmpdir(), 'foyer-cwd-'));
  try {
    return spawnSync(process.execPath, [FOYER, 'audit', ...args], { cwd, env: { ...childEnv, ...env }, encoding: 'utf8', timeout: 120_000 });
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

for (const engine of engines) {
  describe(`RLS audit (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine);
    });
    after(() => t.close());

    it('reports each unsafe policy, table, view and trigger — and none of their safe look-alikes', async () => {
      await t.database.db.execScript(unsafeSql + safeSql);
      const report = await auditRls(t.database.db, ['public']);
      assert.deepEqual(summary(report), expectedUnsafe);
      assert.equal(report.ok, false);
      for (const finding of report.findings) {
        assert.ok(finding.message.length > 20);
        assert.ok(finding.fix.length > 10);
        if (finding.policy) assert.match(finding.current ?? '', new RegExp(`create policy "${finding.policy}"`));
      }
      const bypass = report.findings.find((finding) => finding.kind === 'bypassable_anonymous_check');
      assert.match(bypass?.message ?? '', /"Everyone can vote"/);
      assert.match(bypass?.fix ?? '', /as restrictive for insert/);
      const trigger = report.findings.find((finding) => finding.kind === 'trigger_assumes_email');
      assert.equal(trigger?.function, 'public.handle_new_user');
      assert.match(trigger?.current ?? '', /split_part\(new\.email/);
      const write = report.findings.find((finding) => finding.policy === 'Everyone can vote');
      assert.match(write?.fix ?? '', /as restrictive for insert/);
      assert.match(write?.fix ?? '', /as restrictive for update/);
      assert.match(write?.fix ?? '', /as restrictive for delete/);

      // The suggested fixes are SQL that removes the policy findings.
      for (const finding of report.findings) if (finding.policy || finding.kind === 'rls_disabled' || finding.kind === 'view_bypasses_rls') await t.database.db.execScript(finding.fix);
      assert.deepEqual(summary(await auditRls(t.database.db, ['public'])), ['trigger_assumes_email auth.users on_auth_user_created']);
    });

    it("reports nothing for the seed's safe set, and only the cart limit for the seed as written", async () => {
      const safeSeed = seedPoliciesSql.split('\n').filter((line) => !line.includes('Anonymous cart item limit')).join('\n');
      const project = await createTestProject(engine);
      try {
        await project.database.db.execScript(seedSchemaSql + safeSeed);
        assert.deepEqual((await auditRls(project.database.db, ['public'])).findings, []);
        await project.database.db.execScript(seedPoliciesSql.split('\n').filter((line) => line.includes('Anonymous cart item limit')).join('\n'));
        assert.deepEqual(summary(await auditRls(project.database.db, ['public'])), ['bypassable_anonymous_check public.cart_items Anonymous cart item limit']);
      } finally {
        await project.close();
      }
    });

    it('the admin endpoint serves the report to the service role only', async () => {
      const forService = await t.app.inject({ method: 'GET', url: '/auth/v1/admin/audit/rls', headers: { authorization: `Bearer ${t.serviceRoleKey}` } });
      assert.equal(forService.statusCode, 200, forService.body);
      const report = forService.json() as AuditReport;
      assert.deepEqual(report.exposedSchemas, ['public']);
      assert.ok(Array.isArray(report.findings));
      const otherSchema = await t.app.inject({ method: 'GET', url: '/auth/v1/admin/audit/rls?schema=nothing_here', headers: { authorization: `Bearer ${t.serviceRoleKey}` } });
      assert.deepEqual((otherSchema.json() as AuditReport).exposedSchemas, ['nothing_here']);
      const badSchema = await t.app.inject({ method: 'GET', url: '/auth/v1/admin/audit/rls?schema=x;drop', headers: { authorization: `Bearer ${t.serviceRoleKey}` } });
      assert.equal(badSchema.statusCode, 400);
      const forAnon = await t.app.inject({ method: 'GET', url: '/auth/v1/admin/audit/rls', headers: { authorization: `Bearer ${t.anonKey}` } });
      assert.equal(forAnon.statusCode, 403);
      const forNobody = await t.app.inject({ method: 'GET', url: '/auth/v1/admin/audit/rls' });
      assert.equal(forNobody.statusCode, 401);
    });

    it('`foyer audit` exits 1 with findings (text and --json) and 0 once fixed', async () => {
      const database = await standaloneDatabase(engine, seedSchemaSql + seedPoliciesSql);
      try {
        const text = runCli(database.env, []);
        assert.equal(text.status, 1, text.stderr);
        assert.match(text.stdout, /1 finding/);
        assert.match(text.stdout, /bypassable_anonymous_check: policy "Anonymous cart item limit" on public\.cart_items/);
        assert.match(text.stdout, /as restrictive for insert/);
        const json = runCli(database.env, ['--json']);
        assert.equal(json.status, 1, json.stderr);
        const report = JSON.parse(json.stdout) as AuditReport;
        assert.equal(report.findings.length, 1);
        const db = await database.open();
        try {
          await db.execScript(report.findings[0].fix);
        } finally {
          await db.close();
        }
        const clean = runCli(database.env, []);
        assert.equal(clean.status, 0, clean.stdout + clean.stderr);
        assert.match(clean.stdout, /no findings/);
      } finally {
        await database.remove();
      }
    });
  });
}
