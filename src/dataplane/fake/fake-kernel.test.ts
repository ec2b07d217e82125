// The fake must behave like Linux where the reconciler depends on it (checked against the kernel
// in dataplane.itest.ts): exclusive route add, protocol-checked delete, what a link takes with it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeKernel } from './fake-kernel.js';
import { LAGLESS_PROTO, addrKey, neighKey, routeKey } from '../model.js';
import type { KernelEvent } from '../kernel.js';
import type { PlanOp } from '../plan.js';

const route = (dst: string, dev: string) => ({ dst, metric: 20, nextHops: [{ dev }] });
const add = (dst: string, dev: string): PlanOp => ({ kind: 'route', action: 'add', key: routeKey(dst, 20), route: route(dst, dev) });

test('route add is exclusive; a foreign route at the key fails with ERR_DP_ROUTE_FOREIGN; remove only takes lagless\'s', async () => {
  const k = new FakeKernel();
  k.addLink('tap1');
  k.addRouteByHand(route('10.0.0.9/32', 'tap1'), 4);
  const r = await k.apply([add('10.0.0.5/32', 'tap1'), add('10.0.0.5/32', 'tap1'), add('10.0.0.9/32', 'tap1')]);
  assert.deepEqual([...r.failed].map(([key, e]) => [key, e.code]), [
    [routeKey('10.0.0.5/32', 20), 'ERR_DP_ROUTE'],
    [routeKey('10.0.0.9/32', 20), 'ERR_DP_ROUTE_FOREIGN'],
  ]);
  await k.apply([{ kind: 'route', action: 'remove', key: routeKey('10.0.0.9/32', 20), route: route('10.0.0.9/32', 'tap1') }]);
  assert.equal(k.routeProto('10.0.0.9/32', 20), 4, 'a foreign route is never removed');
  assert.equal(k.routeProto('10.0.0.5/32', 20), LAGLESS_PROTO);
  const read = await k.readState();
  assert.deepEqual(read.routes.map((x) => x.dst), ['10.0.0.5/32'], 'reads show lagless\'s routes only');
});

test('a route needs its interface to exist and be up', async () => {
  const k = new FakeKernel();
  k.addLink('tap1', { up: false });
  const r = await k.apply([add('10.0.0.5/32', 'tap1'), add('10.0.0.6/32', 'nosuch')]);
  assert.equal(r.failed.size, 2);
});

test('a link going down flushes its routes (IPv4 silently, IPv6 with an event), neighbours and IPv6 addresses; deleting it takes its sysctls', async () => {
  const k = new FakeKernel();
  const events: KernelEvent[] = [];
  k.watch((e) => events.push(e));
  k.addLink('tap1');
  await k.apply([
    add('10.0.0.5/32', 'tap1'),
    add('2001:db8::5/128', 'tap1'),
    { kind: 'neigh', action: 'add', key: 'n', neigh: { dev: 'tap1', address: '10.0.0.5', lladdr: '02:00:00:00:00:05', proxy: false } },
    { kind: 'addr', action: 'add', key: 'a', addr: { dev: 'tap1', address: 'fe80::1', prefixLen: 64 } },
    { kind: 'addr', action: 'add', key: 'a', addr: { dev: 'lo', address: '10.0.0.1', prefixLen: 32, label: 'lo:lagless' } },
  ]);
  await k.settle();
  events.length = 0;
  k.setLinkUp('tap1', false);
  await k.settle();
  assert.equal(k.routes.size, 0);
  assert.equal(k.neighbours.has(neighKey({ dev: 'tap1', address: '10.0.0.5', proxy: false })), false);
  assert.equal(k.addresses.has(addrKey({ dev: 'tap1', address: 'fe80::1', prefixLen: 64 })), false);
  assert.equal(k.addresses.has(addrKey({ dev: 'lo', address: '10.0.0.1', prefixLen: 32 })), true);
  const routeEvents = events.filter((e) => e.type === 'route').map((e) => (e.type === 'route' ? e.route.dst : ''));
  assert.deepEqual(routeEvents, ['2001:db8::5/128']);
  assert.ok(k.sysctls.has('net/ipv4/conf/tap1/proxy_arp'));
  k.removeLink('tap1');
  assert.ok(!k.sysctls.has('net/ipv4/conf/tap1/proxy_arp'));
  // a sysctl of an interface that is gone counts as done; an unknown host-wide one fails
  const r = await k.apply([
    { kind: 'sysctl', action: 'replace', key: 's1', path: 'net/ipv4/conf/tap1/proxy_arp', value: '1' },
    { kind: 'sysctl', action: 'replace', key: 's2', path: 'net/ipv4/nonsense', value: '1' },
  ]);
  assert.deepEqual([...r.failed.keys()], ['s2']);
});

test('fault injection fails exactly the matching ops; the firewall can be made to fail', async () => {
  const k = new FakeKernel();
  k.addLink('tap1');
  k.failOn((op) => (op.key === routeKey('10.0.0.6/32', 20) ? 'boom' : undefined));
  const r = await k.apply([add('10.0.0.5/32', 'tap1'), add('10.0.0.6/32', 'tap1')]);
  assert.deepEqual([...r.failed.keys()], [routeKey('10.0.0.6/32', 20)]);
  assert.match(r.failed.get(routeKey('10.0.0.6/32', 20))?.message ?? '', /boom/);
  k.failFirewall('nope');
  await assert.rejects(k.applyFirewall('add table inet lagless\n'), { code: 'ERR_DP_FIREWALL' });
  k.clearFaults();
  await k.applyFirewall('add table inet lagless\n');
  assert.ok((await k.readFirewall([{ family: 'inet', name: 'lagless' }])) !== undefined);
  assert.equal(await k.readFirewall([{ family: 'arp', name: 'lagless' }]), undefined);
});
