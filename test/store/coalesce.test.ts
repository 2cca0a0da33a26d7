/** The coalescer that lets concurrent hot-path writes share one statement (src/store/coalesce.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Coalescer } from '../../src/store/coalesce.js';

interface Deferred {
  readonly inputs: readonly string[];
  resolve(outputs: readonly string[]): void;
  reject(error: Error): void;
}

/** A batch runner whose batches finish only when the test says so. */
function controlledRunner() {
  const calls: Deferred[] = [];
  const run = (inputs: readonly string[]) =>
    new Promise<readonly string[]>((resolve, reject) => {
      calls.push({ inputs, resolve, reject });
    });
  return { calls, run };
}

const settled = () => new Promise((resolve) => setImmediate(resolve));
const upper = (inputs: readonly string[]) => inputs.map((input) => input.toUpperCase());

describe('Coalescer', () => {
  it('starts a batch on the next turn of the event loop with every call submitted in this one', async () => {
    const { calls, run } = controlledRunner();
    const coalescer = new Coalescer(run, { maxInFlight: 2, maxBatch: 10 });
    const a = coalescer.submit('a');
    const b = coalescer.submit('b');
    assert.equal(calls.length, 0, 'nothing runs before the turn ends');
    await settled();
    assert.deepEqual(calls.map((call) => call.inputs), [['a', 'b']]);
    const c = coalescer.submit('c');
    await settled();
    assert.deepEqual(calls.map((call) => call.inputs), [['a', 'b'], ['c']], 'a second batch may run beside the first');
    calls[1].resolve(['C']);
    calls[0].resolve(['A', 'B']);
    assert.deepEqual(await Promise.all([a, b, c]), ['A', 'B', 'C']);
  });

  it('collects the calls that arrive while the batches run into the next batch, each answered with its own output', async () => {
    const { calls, run } = controlledRunner();
    const coalescer = new Coalescer(run, { maxInFlight: 1, maxBatch: 10 });
    const first = coalescer.submit('a');
    await settled();
    const rest = ['b', 'c', 'd'].map((input) => coalescer.submit(input));
    await settled();
    assert.equal(calls.length, 1, 'no second batch while one runs');
    assert.equal(coalescer.stats.waiting, 3);
    calls[0].resolve(['A']);
    await settled();
    assert.deepEqual(calls[1].inputs, ['b', 'c', 'd']);
    calls[1].resolve(upper(calls[1].inputs));
    assert.equal(await first, 'A');
    assert.deepEqual(await Promise.all(rest), ['B', 'C', 'D']);
    assert.equal(coalescer.stats.waiting, 0);
  });

  it('starts the next batch before it answers the calls of the batch that finished', async () => {
    const { calls, run } = controlledRunner();
    const coalescer = new Coalescer(run, { maxInFlight: 1, maxBatch: 10 });
    const first = coalescer.submit('a');
    await settled();
    const second = coalescer.submit('b');
    await settled();
    assert.equal(calls.length, 1);
    let batchesStartedWhenAnswered = 0;
    const answered = first.then((output) => {
      batchesStartedWhenAnswered = calls.length;
      return output;
    });
    calls[0].resolve(['A']);
    assert.equal(await answered, 'A');
    assert.equal(batchesStartedWhenAnswered, 2, 'the waiting call was already on its way to the database');
    assert.deepEqual(calls[1].inputs, ['b']);
    calls[1].resolve(['B']);
    assert.equal(await second, 'B');
  });

  it('runs no empty statement when a finishing batch took the calls a new one was gathering', async () => {
    const { calls, run } = controlledRunner();
    const coalescer = new Coalescer(run, { maxInFlight: 2, maxBatch: 10 });
    const a = coalescer.submit('a');
    await settled();
    const b = coalescer.submit('b');
    calls[0].resolve(['A']);
    assert.equal(await a, 'A');
    await settled();
    assert.deepEqual(calls.map((call) => call.inputs), [['a'], ['b']], 'b went with the finishing batch; no batch of nothing followed');
    calls[1].resolve(['B']);
    assert.equal(await b, 'B');
  });

  it('never puts more than maxBatch calls into one batch', async () => {
    const { calls, run } = controlledRunner();
    const coalescer = new Coalescer(run, { maxInFlight: 1, maxBatch: 2 });
    const all = ['a', 'b', 'c', 'd', 'e'].map((input) => coalescer.submit(input));
    for (let index = 0; index < 3; index += 1) {
      await settled();
      calls[index].resolve(upper(calls[index].inputs));
    }
    assert.deepEqual(await Promise.all(all), ['A', 'B', 'C', 'D', 'E']);
    assert.deepEqual(calls.map((call) => call.inputs), [['a', 'b'], ['c', 'd'], ['e']]);
  });

  it('runs each call of a failed batch again on its own, so one bad input fails only its own call', async () => {
    const attempts: string[][] = [];
    const coalescer = new Coalescer(
      async (inputs: readonly string[]) => {
        attempts.push([...inputs]);
        if (inputs.includes('bad')) throw new Error(`statement failed for ${inputs.join(',')}`);
        return upper(inputs);
      },
      { maxInFlight: 1, maxBatch: 10 },
    );
    const outcomes = await Promise.allSettled(['a', 'b', 'bad', 'c'].map((input) => coalescer.submit(input)));
    assert.deepEqual(
      outcomes.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value : (outcome.reason as Error).message)),
      ['A', 'B', 'statement failed for bad', 'C'],
    );
    assert.deepEqual(attempts, [['a', 'b', 'bad', 'c'], ['a'], ['b'], ['bad'], ['c']]);
    assert.deepEqual(coalescer.stats, { batches: 5, requests: 8, retried: 1, waiting: 0 }, 'what the metrics report');
  });

  it('fails the calls of a batch whose runner answers with the wrong number of outputs', async () => {
    const coalescer = new Coalescer(async (inputs: readonly string[]) => upper(inputs).slice(1), { maxInFlight: 1, maxBatch: 10 });
    const outcomes = await Promise.allSettled(['a', 'b', 'c'].map((input) => coalescer.submit(input)));
    assert.deepEqual(
      outcomes.map((outcome) => outcome.status === 'rejected' && (outcome.reason as Error).message),
      ['a batch of 1 returned 0 results', 'a batch of 1 returned 0 results', 'a batch of 1 returned 0 results'],
      'never an output handed to the wrong caller',
    );
  });

  it('keeps serving after a batch fails', async () => {
    let fail = true;
    const coalescer = new Coalescer(
      async (inputs: readonly string[]) => {
        if (fail) throw new Error('database unavailable');
        return upper(inputs);
      },
      { maxInFlight: 1, maxBatch: 10 },
    );
    await assert.rejects(coalescer.submit('a'), /database unavailable/);
    fail = false;
    assert.deepEqual(await Promise.all([coalescer.submit('b'), coalescer.submit('c')]), ['B', 'C']);
  });

  it('refuses nonsense limits', () => {
    assert.throws(() => new Coalescer(async () => [], { maxInFlight: 0, maxBatch: 1 }), RangeError);
    assert.throws(() => new Coalescer(async () => [], { maxInFlight: 1, maxBatch: 0 }), RangeError);
  });
});
