import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CarrierTracker } from './carrier.js';
import type { Kernel, KernelEvent } from './kernel.js';
import { Dataplane } from './dataplane.js';
import { FakeKernel } from './fake/fake-kernel.js';
import { parseMonitorLine } from './linux/parse.js';

const link = (name: string, lowerUp: boolean | undefined, deleted = false): KernelEvent => ({
  type: 'link', deleted, name, ifindex: 2, up: true, mtu: 1500, ...(lowerUp === undefined ? {} : { lowerUp }),
});

test('carrier changes are reported once per change; an interface not seen before has carrier', () => {
  const t = new CarrierTracker();
  assert.equal(t.observe(link('tor1', true)), undefined);
  assert.deepEqual(t.observe(link('tor1', false)), { name: 'tor1', up: false });
  assert.equal(t.observe(link('tor1', false)), undefined); // another event of the same down link
  assert.deepEqual(t.observe(link('tor1', true)), { name: 'tor1', up: true });
  assert.deepEqual(t.observe(link('tor2', false)), { name: 'tor2', up: false });
});

test('events without carrier information, other kinds of events and deleted links change nothing', () => {
  const t = new CarrierTracker();
  assert.equal(t.observe(link('eth0', undefined)), undefined);
  assert.equal(t.observe({ type: 'lost', reason: 'x' }), undefined);
  assert.deepEqual(t.observe(link('eth0', false)), { name: 'eth0', up: false });
  assert.equal(t.observe(link('eth0', false, true)), undefined);
  // a new interface of the same name starts with carrier
  assert.equal(t.observe(link('eth0', true)), undefined);
});

test('from monitor lines: NO-CARRIER (admin up) and admin down are carrier loss; LOWER_UP is carrier', () => {
  const t = new CarrierTracker();
  const line = (flags: string) => parseMonitorLine(`[LINK]2: tor1@if3: <${flags}> mtu 1500 qdisc noqueue state DOWN group default \\    link/ether d2:c5:68:7b:d3:0b brd ff:ff:ff:ff:ff:ff`)!;
  assert.deepEqual(t.observe(line('NO-CARRIER,BROADCAST,MULTICAST,UP')), { name: 'tor1', up: false });
  assert.deepEqual(t.observe(line('BROADCAST,MULTICAST,UP,LOWER_UP')), { name: 'tor1', up: true });
  assert.deepEqual(t.observe(line('BROADCAST,MULTICAST')), { name: 'tor1', up: false });
});

test("the Dataplane emits 'carrier' for the kernel's link events", async () => {
  const fake = new FakeKernel();
  fake.addLink('tor1');
  let push: ((e: KernelEvent) => void) | undefined;
  const kernel: Kernel = {
    prepare: () => fake.prepare(),
    readState: () => fake.readState(),
    readSysctls: (p) => fake.readSysctls(p),
    apply: (ops) => fake.apply(ops),
    applyFirewall: (s) => fake.applyFirewall(s),
    readFirewall: (t) => fake.readFirewall(t),
    watch: (onEvent) => {
      push = onEvent;
      return fake.watch(onEvent);
    },
  };
  const dp = new Dataplane(kernel, { sweepIntervalMs: 0 });
  const seen: string[] = [];
  dp.on('carrier', (c) => seen.push(`${c.name} ${c.up ? 'up' : 'down'}`));
  await dp.start();
  assert.ok(push);
  push(link('tor1', false));
  push(link('tor1', false));
  push(link('tor1', true));
  assert.deepEqual(seen, ['tor1 down', 'tor1 up']);
  await dp.stop();
});
