/**
 * How many CPUs this process can keep busy: the cores it may run on (`os.availableParallelism()`,
 * which counts a cpuset but, on Node 20, not a CPU quota) capped by the CFS quota of its cgroup. A
 * container started with `--cpus=2` (compose: `cpus: 2`) on a 16-core host sees 16 cores and may use
 * two of them; sixteen workers there would only take turns being throttled.
 *
 * The quota is read from the cgroup files as the kernel shows them to this process: cgroup v2
 * (`cpu.max`) and v1 (`cpu.cfs_quota_us` / `cpu.cfs_period_us`), in the process's own cgroup and every
 * one above it up to the mount root, the tightest winning. Inside a container the mount root is the
 * container's own cgroup, so its limit is found even when /proc/self/cgroup names the host's path.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { posix } from 'node:path';

/** Where the cgroup files are (other roots in tests). */
export interface CgroupFiles {
  /** The process's cgroup memberships, `/proc/self/cgroup`. */
  readonly membership: string;
  /** Where the cgroup file systems are mounted, `/sys/fs/cgroup`. */
  readonly mountRoot: string;
}

const SYSTEM_FILES: CgroupFiles = { membership: '/proc/self/cgroup', mountRoot: '/sys/fs/cgroup' };

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The cgroup directory of `cgroupPath` under `mount`, then each parent up to `mount` itself. */
function selfAndAncestors(mount: string, cgroupPath: string): string[] {
  const directories: string[] = [];
  let path = posix.normalize(`/${cgroupPath}`);
  for (;;) {
    directories.push(posix.join(mount, path));
    if (path === '/') return directories;
    path = posix.dirname(path);
  }
}

/** CPUs allowed per period, from a quota and a period in microseconds; undefined: no limit. */
function coresOf(quotaUs: string | undefined, periodUs: string | undefined): number | undefined {
  if (quotaUs === undefined || quotaUs === 'max') return undefined;
  const quota = Number(quotaUs);
  const period = Number(periodUs ?? '100000');
  // v1 writes -1 for no limit.
  return Number.isFinite(quota) && quota > 0 && Number.isFinite(period) && period > 0 ? quota / period : undefined;
}

/** cgroup v2: `cpu.max` holds "<quota> <period>" or "max <period>". */
function v2Cores(directory: string): number | undefined {
  const [quota, period] = readText(posix.join(directory, 'cpu.max'))?.trim().split(/\s+/) ?? [];
  return coresOf(quota, period);
}

/** cgroup v1: the cpu controller's `cpu.cfs_quota_us` and `cpu.cfs_period_us`. */
function v1Cores(directory: string): number | undefined {
  return coresOf(readText(posix.join(directory, 'cpu.cfs_quota_us'))?.trim(), readText(posix.join(directory, 'cpu.cfs_period_us'))?.trim());
}

/** The CPU quota of this process's cgroups in CPUs (1.5 for `--cpus=1.5`); undefined when none is set or none can be read. */
export function cpuQuota(files: CgroupFiles = SYSTEM_FILES): number | undefined {
  let tightest: number | undefined;
  const consider = (cores: number | undefined) => {
    if (cores !== undefined && (tightest === undefined || cores < tightest)) tightest = cores;
  };
  for (const line of readText(files.membership)?.split('\n') ?? []) {
    // hierarchy-id:controllers:path; the unified (v2) hierarchy is "0::path".
    const match = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (!match) continue;
    const [, hierarchy, controllers, path] = match;
    if (hierarchy === '0' && controllers === '') {
      for (const directory of selfAndAncestors(files.mountRoot, path)) consider(v2Cores(directory));
    } else if (controllers.split(',').includes('cpu')) {
      // Mounted as "cpu,cpuacct" (with a "cpu" link beside it) or as "cpu" alone.
      for (const mount of new Set([controllers, 'cpu'])) {
        for (const directory of selfAndAncestors(posix.join(files.mountRoot, mount), path)) consider(v1Cores(directory));
      }
    }
  }
  return tightest;
}

/** The cores this process may run on, capped by its CPU quota rounded up (1.5 CPUs: 2); at least 1. */
export function usableCpus(files: CgroupFiles = SYSTEM_FILES, cores: number = availableParallelism()): number {
  const quota = cpuQuota(files);
  return quota === undefined ? cores : Math.max(1, Math.min(cores, Math.ceil(quota)));
}
