// Allowed address pairs and rp_filter through the Dataplane (FakeKernel): each pair routed to one
// tap, a shared pair to the lowest port id and moved when that port goes, rp_filter per port.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Dataplane } from './dataplane.js';
import { FakeKernel } from './fake/fake-kernel.js';
import { LAGLESS_PROTO, neighKey, routeKey } from './model.js';
import type { PortSpec } from './port.js';

const spec = (n: number, extra: Partial<PortSpec> = {}): PortSpec => ({
  id: `port-${n}`,
  tap: `tap${n}`,
  mac: `02:00:00:00:00:0${n}`,
  fixedIps: [{ address: `10.0.0.${n}`, prefixLen: 24, gateway: '10.0.0.254' }],
  allowedAddressPairs: [],
  portSecurity: true,
  ...extra,
});
const VIP = '10.0.0.100';
const VRRP_MAC = '00:00:5e:00:01:07';
const p1 = spec(1, { allowedAddressPairs: [{ ipAddress: VIP, macAddress: VRRP_MAC }] });
const p2 = spec(2, { allowedAddressPairs: [{ ipAddress: VIP, macAddress: VRRP_MAC }, { ipAddress: '10.0.9.0/24' }, { ipAddress: '10.0.0.3' }] });
const p3 = spec(3);
const p4 = spec(4, { portSecurity: false });

async function setup() {
  const kernel = new FakeKernel();
  for (const tap of ['tap1', 'tap2', 'tap3', 'tap4']) kernel.addLink(tap);
  await kernel.settle();
  const dp = new Dataplane(kernel, { sweepIntervalMs: 0 });
  await dp.start();
  return { kernel, dp };
}

const routeDev = (k: FakeKernel, dst: string) => {
  const r = k.routes.get(routeKey(dst, 20));
  assert.equal(r?.proto, LAGLESS_PROTO, `${dst} is lagless's`);
  return r?.route.nextHops.map((h) => h.dev).join(',');
};
const neighMac = (k: FakeKernel, dev: string, address: string) => k.neighbours.get(neighKey({ dev, address, proxy: false }))?.neigh.lladdr;

test('a shared pair is routed to the lowest port id and moves when that port goes; a pair equal to another port\'s fixed IP adds no route', async () => {
  const { kernel, dp } = await setup();
  dp.setPorts([p2, p1, p3, p4]);
  dp.markInSync();
  const r = await dp.flush();
  assert.deepEqual(r.failed, []);
  for (const id of ['port-1', 'port-2', 'port-3', 'port-4']) assert.equal(dp.portStatus(id)?.state, 'wired', id);

  assert.equal(routeDev(kernel, `${VIP}/32`), 'tap1');
  assert.equal(neighMac(kernel, 'tap1', VIP), VRRP_MAC);
  assert.equal(neighMac(kernel, 'tap2', VIP), undefined);
  assert.equal(routeDev(kernel, '10.0.9.0/24'), 'tap2');
  assert.equal(routeDev(kernel, '10.0.0.3/32'), 'tap3', 'port 3\'s address stays port 3\'s');
  assert.equal(neighMac(kernel, 'tap2', '10.0.0.3'), undefined);

  dp.setPorts([p2, p3, p4]);
  await dp.flush();
  assert.equal(routeDev(kernel, `${VIP}/32`), 'tap2', 'the other claimer takes the pair over');
  assert.equal(neighMac(kernel, 'tap2', VIP), VRRP_MAC);
  assert.equal(neighMac(kernel, 'tap1', VIP), undefined);

  dp.setPorts([p1, p2, p3, p4]);
  await dp.flush();
  assert.equal(routeDev(kernel, `${VIP}/32`), 'tap1');
  assert.equal(neighMac(kernel, 'tap2', VIP), undefined);

  dp.setPorts([p1, p3, p4]); // port 2 and its CIDR pair go
  await dp.flush();
  assert.equal(kernel.routes.has(routeKey('10.0.9.0/24', 20)), false);
  const full = await dp.flush({ full: true });
  assert.equal(full.ops, 0, 'the incremental flushes left nothing for a full comparison to fix');
  await dp.stop();
});

test('rp_filter: strict on a filtered port without pairs, off with pairs or port security off, and no host-wide floor', async () => {
  const { kernel, dp } = await setup();
  kernel.setSysctlByHand('net/ipv4/conf/all/rp_filter', '1'); // a hardened host
  dp.setPorts([p1, p3, p4]);
  dp.markInSync();
  await dp.sweep(); // reads the kernel, then flushes
  assert.equal(kernel.sysctls.get('net/ipv4/conf/tap1/rp_filter'), '0');
  assert.equal(kernel.sysctls.get('net/ipv4/conf/tap3/rp_filter'), '1');
  assert.equal(kernel.sysctls.get('net/ipv4/conf/tap4/rp_filter'), '0');
  assert.equal(kernel.sysctls.get('net/ipv4/conf/all/rp_filter'), '0');
  // the same port losing its pairs becomes strict
  dp.setPorts([{ ...p1, allowedAddressPairs: [] }, p3, p4]);
  await dp.flush();
  assert.equal(kernel.sysctls.get('net/ipv4/conf/tap1/rp_filter'), '1');
  assert.equal(kernel.routes.has(routeKey(`${VIP}/32`, 20)), false);
  await dp.stop();
});
