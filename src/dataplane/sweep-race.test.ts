// A periodic sweep reads the kernel while flushes keep applying: what a flush wrote after the read
// began must survive the read's merge, even when another flush runs between the end of the read
// and its merge (the read's snapshot is older than both). Found by bench/wiring-latency: a port
// added at the moment of the 30 s sweep failed with "address already assigned" (its fe80::1 was
// dropped from the observed state and added again).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Dataplane } from './dataplane.js';
import { FakeKernel } from './fake/fake-kernel.js';
import type { Kernel, KernelSnapshot } from './kernel.js';
import type { PortSpec } from './port.js';

const port: PortSpec = {
  id: 'p1',
  tap: 'tap1',
  mac: 'fa:16:3e:00:00:01',
  fixedIps: [{ address: '10.100.0.11', prefixLen: 16 }, { address: '2001:db8:100::11', prefixLen: 64 }],
  allowedAddressPairs: [],
  portSecurity: true,
};

test('a flush that ends after a sweep\'s read, and one queued behind it, do not let the stale read win', async () => {
  const fake = new FakeKernel();
  fake.addLink('tap1');
  await fake.settle();
  let readGate: Promise<void> | undefined;
  let applyGate: Promise<void> | undefined;
  const kernel: Kernel = {
    prepare: () => fake.prepare(),
    // the snapshot is taken when asked, delivered when the gate opens
    readState: async (): Promise<KernelSnapshot> => {
      const snap = await fake.readState();
      if (readGate) await readGate;
      return snap;
    },
    readSysctls: (p) => fake.readSysctls(p),
    // the writes happen at once, the answer comes when the gate opens
    apply: async (ops) => {
      const r = await fake.apply(ops);
      if (applyGate) await applyGate;
      return r;
    },
    applyFirewall: (s) => fake.applyFirewall(s),
    readFirewall: (t) => fake.readFirewall(t),
    watch: (onEvent) => fake.watch(onEvent),
  };
  const dp = new Dataplane(kernel, { sweepIntervalMs: 0, eventDelayMs: 0, firewall: false });
  await dp.start();
  dp.setPorts([]);
  dp.markInSync();
  await dp.flush();

  let openRead!: () => void;
  let openApply!: () => void;
  readGate = new Promise((r) => (openRead = r));
  applyGate = new Promise((r) => (openApply = r));
  const sweep = dp.sweep(); // its snapshot: nothing of p1 yet
  await new Promise((r) => setImmediate(r));
  dp.setPorts([port]);
  const wiring = dp.flush(); // writes p1's objects; its answer waits
  await new Promise((r) => setImmediate(r));
  const next = dp.flush(); // queued behind it
  readGate = undefined;
  openRead(); // the read ends now, its merge queued behind both flushes
  await new Promise((r) => setImmediate(r));
  applyGate = undefined;
  openApply();
  assert.ok((await wiring).added > 0);
  await next;
  await sweep;
  await fake.settle();
  assert.equal(dp.portStatus('p1')?.state, 'wired');
  const after = await dp.flush({ full: true });
  assert.deepEqual(after.failed, [], 'the stale read made the dataplane add objects that were there');
  assert.equal(after.ops, 0);
  await dp.stop();
});
