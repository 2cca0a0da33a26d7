/**
 * FOYER_WORKERS=auto and the default pool size count the CPUs a process may keep busy: its cores
 * capped by its cgroup's CPU quota. Each case lays out the files as the kernel shows them (cgroup v2,
 * v1, both, inside and outside a container) in a directory of its own.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { cpuQuota, usableCpus, type CgroupFiles } from '../../src/config/cpu-count.js';

const roots: string[] = [];
after(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

/** A fake /proc/self/cgroup and /sys/fs/cgroup: `files` maps paths under the mount root to their text. */
function layout(membership: string | undefined, files: Record<string, string>): CgroupFiles {
  const root = mkdtempSync(join(tmpdir(), 'foyer-cgroup-'));
  roots.push(root);
  const mountRoot = join(root, 'sys/fs/cgroup');
  mkdirSync(mountRoot, { recursive: true });
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(mountRoot, path)), { recursive: true });
    writeFileSync(join(mountRoot, path), text);
  }
  const membershipFile = join(root, 'cgroup');
  if (membership !== undefined) writeFileSync(membershipFile, membership);
  return { membership: membershipFile, mountRoot };
}

const V1_MEMBERSHIP = (path: string) => `12:pids:${path}\n4:cpu,cpuacct:${path}\n3:memory:${path}\n1:name=systemd:${path}\n`;

describe('the CPUs a process may use', () => {
  it('cgroup v2 in a container (--cpus=1.5): the quota, rounded up', () => {
    const files = layout('0::/\n', { 'cpu.max': '150000 100000\n' });
    assert.equal(cpuQuota(files), 1.5);
    assert.equal(usableCpus(files, 16), 2);
  });

  it('cgroup v2 without a limit: every core', () => {
    const files = layout('0::/\n', { 'cpu.max': 'max 100000\n' });
    assert.equal(cpuQuota(files), undefined);
    assert.equal(usableCpus(files, 16), 16);
  });

  it('cgroup v2 under systemd: the tightest of the service and the slices above it', () => {
    const membership = '0::/system.slice/foyer.service\n';
    const parentLimits = layout(membership, {
      'cpu.max': 'max 100000\n',
      'system.slice/cpu.max': '300000 100000\n',
      'system.slice/foyer.service/cpu.max': 'max 100000\n',
    });
    assert.equal(usableCpus(parentLimits, 16), 3);
    const ownLimit = layout(membership, {
      'system.slice/cpu.max': '300000 100000\n',
      'system.slice/foyer.service/cpu.max': '100000 50000\n',
    });
    assert.equal(cpuQuota(ownLimit), 2);
  });

  it('cgroup v1 in a container that sees the host path: the limit at its own mount root', () => {
    // /proc/self/cgroup names /docker/<id>, but inside the container that directory is the mount root.
    const files = layout(V1_MEMBERSHIP('/docker/3f2a9c'), {
      'cpu,cpuacct/cpu.cfs_quota_us': '200000\n',
      'cpu,cpuacct/cpu.cfs_period_us': '100000\n',
    });
    assert.equal(cpuQuota(files), 2);
    assert.equal(usableCpus(files, 8), 2);
  });

  it('cgroup v1 mounted as cpu alone, and without a limit (-1)', () => {
    const limited = layout('2:cpu:/\n', { 'cpu/cpu.cfs_quota_us': '50000\n', 'cpu/cpu.cfs_period_us': '100000\n' });
    assert.equal(cpuQuota(limited), 0.5);
    assert.equal(usableCpus(limited, 4), 1, 'at least one');
    const unlimited = layout(V1_MEMBERSHIP('/'), { 'cpu,cpuacct/cpu.cfs_quota_us': '-1\n', 'cpu,cpuacct/cpu.cfs_period_us': '100000\n' });
    assert.equal(cpuQuota(unlimited), undefined);
    assert.equal(usableCpus(unlimited, 4), 4);
  });

  it('both hierarchies (hybrid): the v1 cpu controller decides when v2 has no cpu.max', () => {
    const files = layout(`0::/\n${V1_MEMBERSHIP('/')}`, {
      'unified/cgroup.procs': '',
      'cpu,cpuacct/cpu.cfs_quota_us': '400000\n',
      'cpu,cpuacct/cpu.cfs_period_us': '100000\n',
    });
    assert.equal(usableCpus(files, 16), 4);
  });

  it('a quota above the cores counts the cores', () => {
    assert.equal(usableCpus(layout('0::/\n', { 'cpu.max': '800000 100000\n' }), 2), 2);
  });

  it('no cgroup files, or files it cannot read as a quota: every core', () => {
    assert.equal(usableCpus(layout(undefined, {}), 6), 6);
    assert.equal(usableCpus(layout('0::/\n', {}), 6), 6);
    assert.equal(usableCpus(layout('not a cgroup line\n', { 'cpu.max': '150000 100000' }), 6), 6);
    assert.equal(cpuQuota(layout('0::/\n', { 'cpu.max': 'garbage\n' })), undefined);
    assert.equal(cpuQuota(layout('0::/\n', { 'cpu.max': '100000 0\n' })), undefined);
  });
});
