import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../lib/log.js';
import { DeviceStatusReporter, type DeviceListResult } from './device-status.js';

async function until(check: () => boolean, what: string, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

function setup() {
  const calls: { up: string[]; down: string[] }[] = [];
  let gate: Promise<void> | undefined;
  let fail: Error | undefined;
  const reporter = new DeviceStatusReporter({
    send: async (up, down): Promise<DeviceListResult> => {
      calls.push({ up: [...up], down: [...down] });
      if (gate) await gate;
      if (fail) throw fail;
      return { failedDevicesUp: [], failedDevicesDown: [] };
    },
    logger: silentLogger,
    coalesceMs: 2,
    backoff: { initialMs: 10, maxMs: 40, factor: 2, jitter: 0 },
  });
  return { reporter, calls, hold: (p: Promise<void> | undefined) => (gate = p), fail: (e: Error | undefined) => (fail = e) };
}

test('a burst of wants goes in one call; what Neutron was told is not sent again', async () => {
  const { reporter, calls } = setup();
  reporter.want('a', 'up');
  reporter.want('b', 'up');
  reporter.want('c', 'down');
  await until(() => reporter.pending === 0, 'sent');
  assert.deepEqual(calls, [{ up: ['a', 'b'], down: ['c'] }]);
  reporter.want('a', 'up');
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(calls.length, 1);
  // down told: the port is forgotten
  assert.equal(reporter.told('c'), undefined);
  assert.equal(reporter.told('a'), 'up');
  // reset: Neutron changed the status itself, the wanted status is sent again
  reporter.reset('a');
  await until(() => calls.length === 2, 'sent again');
  assert.deepEqual(calls[1], { up: ['a'], down: [] });
  await reporter.stop();
});

test('a want that changes while the call is out is sent after it; a failed call is retried', async () => {
  const { reporter, calls, hold, fail } = setup();
  let release = () => {};
  hold(new Promise<void>((r) => (release = r)));
  reporter.want('a', 'up');
  await until(() => calls.length === 1, 'first call out');
  reporter.want('a', 'down');
  hold(undefined);
  release();
  await until(() => calls.length === 2, 'second call');
  assert.deepEqual(calls[1], { up: [], down: ['a'] });

  fail(new Error('timeout'));
  reporter.want('b', 'up');
  await until(() => calls.length >= 4, 'retries');
  fail(undefined);
  await until(() => reporter.pending === 0, 'told');
  assert.ok(calls.slice(2).every((c) => c.up[0] === 'b'));
  // unwant drops what was not sent yet
  const n = calls.length;
  reporter.want('c', 'up');
  reporter.unwant('c');
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(calls.length, n);
  await reporter.stop();
});
