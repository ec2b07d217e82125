import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { backoffDelay, DEFAULT_BACKOFF } from './backoff.js';

test('without jitter the delays double from initialMs up to maxMs', () => {
  const o = { initialMs: 100, maxMs: 1000, factor: 2, jitter: 0 };
  assert.deepEqual([1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, o, () => 0.5)), [100, 200, 400, 800, 1000, 1000]);
});

test('jitter spreads a delay over ±jitter and never past maxMs', () => {
  const o = { initialMs: 1000, maxMs: 1500, factor: 2, jitter: 0.2 };
  assert.equal(backoffDelay(1, o, () => 0), 800);
  assert.equal(backoffDelay(1, o, () => 1), 1200);
  assert.equal(backoffDelay(2, o, () => 1), 1500);
  fc.assert(
    fc.property(fc.integer({ min: -3, max: 60 }), fc.double({ min: 0, max: 1, noNaN: true }), (attempt, r) => {
      const d = backoffDelay(attempt, DEFAULT_BACKOFF, () => r);
      return d >= DEFAULT_BACKOFF.initialMs * 0.8 - 1 && d <= DEFAULT_BACKOFF.maxMs;
    }),
  );
});
