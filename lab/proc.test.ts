import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LabError, isRunning, parseProcStatState, procState, waitFor } from './proc.js';

test('parseProcStatState reads the state after the last ")" even when the name has spaces and parens', () => {
  assert.equal(parseProcStatState('123 (bgpd) S 1 2 3'), 'S');
  assert.equal(parseProcStatState('77 (a) b) (c) Z 1 0 0'), 'Z');
  assert.equal(parseProcStatState('garbage'), undefined);
  assert.equal(parseProcStatState('1 (x)'), undefined);
});

test('isRunning: this process runs, nonsense pids do not', () => {
  assert.equal(isRunning(process.pid), true);
  assert.equal(procState(process.pid), 'R');
  assert.equal(isRunning(0), false);
  assert.equal(isRunning(-5), false);
  assert.equal(isRunning(2 ** 31), false);
});

test('waitFor returns the first truthy value', async () => {
  let n = 0;
  const v = await waitFor(() => (++n >= 3 ? `got ${n}` : undefined), { timeoutMs: 2000, intervalMs: 1, what: 'n' });
  assert.equal(v, 'got 3');
  assert.equal(await waitFor(async () => 0, { timeoutMs: 10, what: 'zero is a value' }), 0);
});

test('waitFor times out with ERR_LAB_TIMEOUT naming what it waited for', async () => {
  const t0 = Date.now();
  await assert.rejects(
    waitFor(() => false, { timeoutMs: 60, intervalMs: 10, what: 'the impossible' }),
    (e: unknown) => e instanceof LabError && e.code === 'ERR_LAB_TIMEOUT' && e.message.includes('the impossible'),
  );
  assert.ok(Date.now() - t0 >= 55);
});

test('waitFor lets an exception from the check through', async () => {
  await assert.rejects(waitFor(() => { throw new Error('boom'); }, { timeoutMs: 100, what: 'x' }), /boom/);
});
