/**
 * postgres.js keeps its pool's connections in queues. A connection taken for a pipelined query is
 * shifted out and pushed straight back; unpatched, every such hand-off left a spent slot behind, which
 * `remove` then scanned on every later query: the pool slowed down for as long as the process ran
 * (42 000 → 19 000 queries/s within 160 000 queries in one measurement here). patches/postgres+*.patch
 * drops the spent slots. This checks the patched queue's cost stays linear in the hand-offs.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

interface PoolQueue<T> {
  readonly length: number;
  push(x: T): T;
  shift(): T;
  remove(x: T): T | null;
}

// The queue is internal to postgres.js (not in its exports): imported by path, as patched.
const QUEUE_MODULE = new URL('../../node_modules/postgres/src/queue.js', import.meta.url).href;
const { default: Queue } = (await import(QUEUE_MODULE)) as { default: <T>() => PoolQueue<T> };


/** The pool's pattern under load: a busy connection taken for one more query and put back, then looked up. */
function handOffs(count: number): number {
  const queue = Queue<object>();
  const connections = [{}, {}, {}, {}];
  for (const connection of connections) queue.push(connection);
  const started = performance.now();
  for (let i = 0; i < count; i += 1) {
    const connection = queue.shift();
    queue.push(connection);
    queue.remove(connections[i % connections.length]);
    queue.push(connections[i % connections.length]);
  }
  assert.equal(queue.length, connections.length);
  return performance.now() - started;
}

describe('postgres.js pool queue (patched)', () => {
  it('costs ten times as much for ten times the hand-offs, not a hundred', () => {
    handOffs(5_000); // warm-up
    const small = handOffs(5_000);
    const large = handOffs(50_000);
    // Linear: about 10×. Unpatched it is quadratic: about 100×, and seconds.
    assert.ok(large < 30 * small + 20, `5 000 hand-offs took ${small.toFixed(1)} ms, 50 000 took ${large.toFixed(1)} ms`);
  });
});
