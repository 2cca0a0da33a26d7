/**
 * Foyer runs postgres.js with patches/postgres+3.4.9.patch (see test/store/postgres-pool-queue.test.ts
 * for what it fixes). `foyer start` and `foyer doctor` warn when the installed driver lacks it.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { driverPatched } from '../../src/store/driver-patch.js';

/** The queue as postgres.js ships it: the patch's context and removed lines for src/queue.js. */
function unpatchedQueueSource(): string {
  const patch = readFileSync(new URL('../../patches/postgres+3.4.9.patch', import.meta.url), 'utf8');
  const file = patch.split(/^diff --git /m).find((part) => part.startsWith('a/node_modules/postgres/src/queue.js'));
  assert.ok(file, 'the patch changes src/queue.js');
  return file
    .split('\n')
    .filter((line) => line.startsWith(' ') || (line.startsWith('-') && !line.startsWith('---')))
    .map((line) => line.slice(1))
    .join('\n');
}

describe('the database driver patch', () => {
  it('is applied to the installed postgres.js', () => {
    assert.equal(driverPatched(), true, 'npm install applies patches/ (postinstall); was it run with --ignore-scripts?');
  });

  it('is told apart from the queue postgres.js ships', () => {
    const original = unpatchedQueueSource();
    assert.match(original, /remove: \(x\) =>/);
    assert.equal(driverPatched(original), false);
  });
});
