// The dataplane as a tap watcher (what the neutron source uses): links() lists every interface it
// knows of, 'link' says when one appears or disappears, from monitor events and from full reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Dataplane } from './dataplane.js';
import { FakeKernel } from './fake/fake-kernel.js';

test('links() after start lists the interfaces present; link events follow appearances and removals, not changes', async () => {
  const kernel = new FakeKernel();
  kernel.addLink('eth0');
  kernel.addLink('tapaaaaaaaa-aa');
  await kernel.settle();
  const dp = new Dataplane(kernel, { sweepIntervalMs: 0 });
  const events: string[] = [];
  dp.on('link', (l) => events.push(`${l.present ? '+' : '-'}${l.name}`));
  await dp.start();
  assert.deepEqual(dp.links().sort(), ['eth0', 'lo', 'tapaaaaaaaa-aa']);
  // the first read reports what was there
  assert.deepEqual(events.sort(), ['+eth0', '+lo', '+tapaaaaaaaa-aa']);
  events.length = 0;

  kernel.addLink('tapbbbbbbbb-bb');
  kernel.setLinkUp('eth0', false); // a change, not an appearance
  kernel.removeLink('tapaaaaaaaa-aa');
  await kernel.settle();
  assert.deepEqual(events, ['+tapbbbbbbbb-bb', '-tapaaaaaaaa-aa']);
  assert.deepEqual(dp.links().sort(), ['eth0', 'lo', 'tapbbbbbbbb-bb']);
  await dp.stop();
});

test('a full read (sweep) reports what the monitor missed', async () => {
  const kernel = new FakeKernel();
  const dp = new Dataplane(kernel, { sweepIntervalMs: 0 });
  await dp.start();
  const events: string[] = [];
  dp.on('link', (l) => events.push(`${l.present ? '+' : '-'}${l.name}`));
  const w = await dp.sweep();
  assert.equal(w.failed.length, 0);
  assert.deepEqual(events, []);
  // the watcher is stopped: changes reach the dataplane only through the next read
  await dp.stop();
  kernel.addLink('tapcccccccc-cc');
  await kernel.settle();
  assert.deepEqual(events, []);
  await dp.sweep();
  assert.deepEqual(events, ['+tapcccccccc-cc']);
});
