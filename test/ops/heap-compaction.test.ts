/**
 * FOYER_COMPACT_HEAP_WHEN_IDLE: one full collection at start, then one whenever the process has been
 * idle for a check period after the heap grew, or after something large was let go; none while busy.
 * No engine is involved: the same on both.
 */
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { compactHeapWhenIdle, requestCompaction } from '../../src/jobs/heap-compaction.js';
import { configError } from '../helpers/config-error.js';
import { until } from '../helpers/jobs.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const youngGenerationMb = () => (v8.getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? 0) / (1024 * 1024);

describe('compacting the heap when idle', () => {
  it('collects once start-up is over, and at the next idle check after the heap grew or a collection was asked for', async () => {
    const compaction = compactHeapWhenIdle({ firstCheckMs: 200, checkEveryMs: 200 });
    try {
      assert.equal(compaction.collections, 0);
      // The first idle check collects (this test process may still be busy loading for a few checks).
      await until(async () => compaction.collections === 1, 10_000);
      // Idle, nothing grew: no further collection.
      await sleep(600);
      assert.equal(compaction.collections, 1);
      requestCompaction();
      await until(async () => compaction.collections === 2, 10_000);
    } finally {
      compaction.stop();
    }
  });

  it('waits while the process is busy', async () => {
    const compaction = compactHeapWhenIdle({ firstCheckMs: 200, checkEveryMs: 200 });
    try {
      await until(async () => compaction.collections === 1, 10_000);
      requestCompaction();
      // Busy for a whole second: the check that follows finds far more than 2 % of a core used.
      const busyUntil = Date.now() + 1_000;
      let garbage = 0;
      while (Date.now() < busyUntil) garbage += JSON.stringify({ n: Math.random() }).length;
      assert.ok(garbage > 0);
      await sleep(50);
      assert.equal(compaction.collections, 1);
      await until(async () => compaction.collections === 2, 10_000);
    } finally {
      compaction.stop();
    }
  });

  it('collects the heap start-up grew as soon as a short window is quiet, not a whole check period after a busy start', async () => {
    // A check period of a minute: only the start window's re-checks can collect within the test.
    const compaction = compactHeapWhenIdle({ firstCheckMs: 200, checkEveryMs: 60_000, startWindowMs: 100 });
    try {
      // Busy through the first checks, as a server is while it prints its banner and runs its first jobs;
      // it yields between slices, so the checks do run (and find it busy).
      const busyUntil = Date.now() + 600;
      let garbage = 0;
      while (Date.now() < busyUntil) {
        const sliceEnd = Date.now() + 20;
        while (Date.now() < sliceEnd) garbage += JSON.stringify({ n: Math.random() }).length;
        await new Promise((resolve) => setImmediate(resolve));
      }
      assert.ok(garbage > 0);
      assert.equal(compaction.collections, 0);
      await until(async () => compaction.collections === 1, 5_000);
    } finally {
      compaction.stop();
    }
  });

  it('collects again, a little later, when V8 kept its young generation grown through the collection', async () => {
    // V8 shrinks its young generation in a full collection only once it counts allocation as slow, over
    // about the last 5 s: a collection right after a burst leaves it grown. Without the retries nothing
    // would collect again here for a minute (the check period).
    const compaction = compactHeapWhenIdle({ firstCheckMs: 200, checkEveryMs: 60_000, startWindowMs: 100, shrinkRetryMs: 5_500 });
    try {
      // A burst whose objects live a little while (as requests' do), so they survive scavenges and V8
      // grows the young generation; it yields between slices, so the checks run and find it busy.
      const busyUntil = Date.now() + 800;
      let kept: { n: number; text: string }[] = [];
      while (Date.now() < busyUntil) {
        const sliceEnd = Date.now() + 20;
        while (Date.now() < sliceEnd) {
          kept.push({ n: kept.length, text: `item ${kept.length}` });
          if (kept.length > 200_000) kept = kept.slice(100_000);
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
      assert.ok(kept.length > 0);
      kept = [];
      assert.ok(youngGenerationMb() > 4, `the burst grew the young generation (${youngGenerationMb()} MB)`);
      await until(async () => compaction.collections >= 1, 5_000);
      await until(async () => youngGenerationMb() <= 4, 20_000);
      assert.ok(compaction.collections >= 2, `collected ${compaction.collections} time(s)`);
    } finally {
      compaction.stop();
    }
  });

  it('is on by default; FOYER_COMPACT_HEAP_WHEN_IDLE=false turns it off, and a bad value stops the start', () => {
    assert.equal(loadConfig({}).compactHeapWhenIdle, true);
    assert.equal(loadConfig({ FOYER_COMPACT_HEAP_WHEN_IDLE: 'false' }).compactHeapWhenIdle, false);
    assert.match(configError({ FOYER_COMPACT_HEAP_WHEN_IDLE: 'sometimes' }), /FOYER_COMPACT_HEAP_WHEN_IDLE/);
  });

  it('FOYER_HEAP_GROWTH_PERCENT: 50 by default, 0 leaves it to V8, nonsense stops the start', () => {
    assert.equal(loadConfig({}).heapGrowthPercent, 50);
    assert.equal(loadConfig({ FOYER_HEAP_GROWTH_PERCENT: '0' }).heapGrowthPercent, 0);
    assert.equal(loadConfig({ FOYER_HEAP_GROWTH_PERCENT: '100' }).heapGrowthPercent, 100);
    for (const bad of ['-1', '301', 'half', '1.5']) {
      assert.match(configError({ FOYER_HEAP_GROWTH_PERCENT: bad }), /FOYER_HEAP_GROWTH_PERCENT/);
    }
  });

  it('FOYER_EMBEDDED_PROJECT_IDLE_SECONDS: 600 by default, 0 keeps projects open, nonsense stops the start', () => {
    assert.equal(loadConfig({}).embeddedProjectIdleSeconds, 600);
    assert.equal(loadConfig({ FOYER_EMBEDDED_PROJECT_IDLE_SECONDS: '0' }).embeddedProjectIdleSeconds, 0);
    for (const bad of ['-1', '10m', 'soon', String(32 * 24 * 3600)]) {
      assert.match(configError({ FOYER_EMBEDDED_PROJECT_IDLE_SECONDS: bad }), /FOYER_EMBEDDED_PROJECT_IDLE_SECONDS/);
    }
  });
});
