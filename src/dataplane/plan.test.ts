import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPlan, type PlanOp } from './plan.js';
import { buildDesired, portObjects } from './wiring.js';
import { validatePort, type WirablePort } from './validate.js';
import { emptyObserved, addrKey, neighKey, routeKey, type ObservedState, type DesiredState } from './model.js';
import { recordOp } from './observe.js';
import type { PortSpec } from './port.js';

const DEFAULTS = new Map([
  ['net/ipv4/conf/%/proxy_arp', '0'],
  ['net/ipv4/neigh/%/proxy_delay', '80'],
  ['net/ipv4/conf/%/rp_filter', '0'],
  ['net/ipv4/conf/%/forwarding', '0'],
  ['net/ipv6/conf/%/accept_ra', '1'],
  ['net/ipv6/conf/%/forwarding', '0'],
  ['net/ipv6/conf/%/proxy_ndp', '0'],
]);

const spec = (n: number, extra: Partial<PortSpec> = {}): PortSpec => ({
  id: `port-${n}`,
  tap: `tap${n}`,
  mac: `02:00:00:00:00:${n.toString(16).padStart(2, '0')}`,
  fixedIps: [
    { address: `10.0.0.${n}`, prefixLen: 24, gateway: '10.0.0.1' },
    { address: `2001:db8::${n}`, prefixLen: 64, gateway: 'fe80::1' },
  ],
  allowedAddressPairs: [],
  portSecurity: true,
  ...extra,
});

function wirable(s: PortSpec): WirablePort {
  const v = validatePort(s);
  if (!('ips' in v)) throw v;
  return v;
}

function desiredFor(specs: PortSpec[], routes: Parameters<typeof buildDesired>[0]['routes'] = []): DesiredState {
  return buildDesired({
    ports: specs.map((s) => ({ id: s.id, objects: portObjects(wirable(s), { metric: 20, defaultGatewayV4: undefined, tapSysctlDefaults: DEFAULTS }) })),
    routes,
    metric: 20,
    hostSysctls: true,
  }).state;
}

function observedWithLinks(...names: string[]): ObservedState {
  const o = emptyObserved();
  o.links.set('lo', { name: 'lo', ifindex: 1, mtu: 65536, up: true, alias: undefined });
  names.forEach((n, i) => o.links.set(n, { name: n, ifindex: 10 + i, mtu: 1500, up: true, alias: undefined }));
  for (const [t, v] of DEFAULTS) o.sysctls.set(t.replace('%', 'default'), v);
  return o;
}

const kinds = (ops: readonly PlanOp[]) => ops.map((o) => `${o.kind} ${o.action}`);

test('a new port: every object is added, in dependency order', () => {
  const plan = buildPlan({ desired: desiredFor([spec(5)]), observed: observedWithLinks('tap5'), inSync: true, tapDefaults: DEFAULTS });
  const k = kinds(plan.ops);
  assert.equal(k[0], 'link add');
  assert.ok(k.lastIndexOf('sysctl add') < k.indexOf('route add'), 'sysctls (proxy_arp...) before routes');
  assert.ok(k.indexOf('neigh add') < k.indexOf('route add'), 'neighbour entries before routes');
  const routes = plan.ops.filter((o) => o.kind === 'route').map((o) => (o.kind === 'route' ? o.route.dst : ''));
  assert.deepEqual(routes.sort(), ['10.0.0.5/32', '2001:db8::5/128']);
  assert.equal(plan.counts.remove, 0);
  // 1 link + 7 tap sysctls + 7 host sysctls + lo gateway + fe80::1 + 2 neighbours + 2 routes
  assert.equal(plan.ops.length, 1 + 7 + 7 + 2 + 2 + 2);
});

test('applying the plan leaves nothing to do; untouched counts every object', () => {
  const desired = desiredFor([spec(5), spec(6)]);
  const observed = observedWithLinks('tap5', 'tap6');
  const first = buildPlan({ desired, observed, inSync: true, tapDefaults: DEFAULTS });
  for (const op of first.ops) recordOp(observed, op);
  const second = buildPlan({ desired, observed, inSync: true, tapDefaults: DEFAULTS });
  assert.equal(second.ops.length, 0);
  assert.equal(second.untouched, first.ops.length);
});

test('a port without its tap is not wired', () => {
  const plan = buildPlan({ desired: desiredFor([spec(5)]), observed: observedWithLinks(), inSync: true, tapDefaults: DEFAULTS });
  assert.equal(plan.ops.filter((o) => o.kind === 'link').length, 0);
});

test('nothing is removed before in-sync; everything lagless owns is removed after', () => {
  const observed = observedWithLinks('tap5');
  for (const op of buildPlan({ desired: desiredFor([spec(5)]), observed, inSync: true, tapDefaults: DEFAULTS }).ops) recordOp(observed, op);
  const empty = desiredFor([]);
  const before = buildPlan({ desired: empty, observed, inSync: false, tapDefaults: DEFAULTS });
  assert.equal(before.counts.remove, 0);
  assert.equal(before.ops.length, 0);
  const after = buildPlan({ desired: empty, observed, inSync: true, tapDefaults: DEFAULTS });
  const k = kinds(after.ops);
  assert.deepEqual(
    [...new Set(k)],
    ['route remove', 'neigh remove', 'addr remove', 'sysctl remove', 'link remove'],
    'removals run routes first, the tap mark last',
  );
  const resets = after.ops.filter((o) => o.kind === 'sysctl');
  assert.ok(resets.some((o) => o.kind === 'sysctl' && o.path === 'net/ipv4/neigh/tap5/proxy_delay' && o.value === '80'), 'reset to the kernel default');
  assert.equal(k.at(-1), 'link remove');
});

test('foreign state is never changed or removed', () => {
  const observed = observedWithLinks('eth0', 'tap9');
  // a foreign address on lo (no lagless label), a foreign permanent neighbour, fe80::1 on a foreign link
  const foreignLo = { dev: 'lo', address: '192.0.2.1', prefixLen: 32, label: 'lo' };
  observed.addresses.set(addrKey(foreignLo), foreignLo);
  const foreignLl = { dev: 'eth0', address: 'fe80::1', prefixLen: 64 };
  observed.addresses.set(addrKey(foreignLl), foreignLl);
  const foreignNeigh = { dev: 'eth0', address: '192.0.2.9', lladdr: '02:aa:00:00:00:01', proxy: false };
  observed.neighbours.set(neighKey(foreignNeigh), foreignNeigh);
  const tapNeigh = { dev: 'tap9', address: '192.0.2.10', lladdr: '02:aa:00:00:00:02', proxy: false };
  observed.neighbours.set(neighKey(tapNeigh), tapNeigh); // tap9 has no lagless mark
  const plan = buildPlan({ desired: desiredFor([]), observed, inSync: true, tapDefaults: DEFAULTS });
  assert.deepEqual(plan.ops.filter((o) => o.kind !== 'sysctl'), []);
});

test('a desired address already present without the mark is left alone (not added, not removed)', () => {
  const observed = observedWithLinks('tap5');
  const foreignGw = { dev: 'lo', address: '10.0.0.1', prefixLen: 32, label: 'lo' };
  observed.addresses.set(addrKey(foreignGw), foreignGw);
  const plan = buildPlan({ desired: desiredFor([spec(5)]), observed, inSync: true, tapDefaults: DEFAULTS });
  assert.equal(plan.ops.filter((o) => o.kind === 'addr' && o.addr.dev === 'lo').length, 0);
});

test('learned ECMP route: next-hop order does not matter; a changed set is replaced; other prefixes untouched', () => {
  const hops = [{ via: 'fe80::a', dev: 'up1' }, { via: 'fe80::b', dev: 'up2' }];
  const observed = observedWithLinks('up1', 'up2');
  const d1 = desiredFor([], [{ dst: '0.0.0.0/0', family: 4, nextHops: hops }, { dst: '10.9.0.0/16', family: 4, nextHops: [hops[0]!] }]);
  for (const op of buildPlan({ desired: d1, observed, inSync: true, tapDefaults: DEFAULTS }).ops) recordOp(observed, op);
  observed.routes.set(routeKey('0.0.0.0/0', 20), { dst: '0.0.0.0/0', metric: 20, nextHops: [...hops].reverse() });
  assert.equal(buildPlan({ desired: d1, observed, inSync: true, tapDefaults: DEFAULTS }).ops.length, 0);
  const d2 = desiredFor([], [{ dst: '0.0.0.0/0', family: 4, nextHops: [hops[1]!] }, { dst: '10.9.0.0/16', family: 4, nextHops: [hops[0]!] }]);
  const plan = buildPlan({ desired: d2, observed, inSync: true, tapDefaults: DEFAULTS });
  assert.deepEqual(plan.ops.map((o) => `${o.action} ${o.key}`), ['replace route 0.0.0.0/0 20']);
});

test('a next hop without an interface matches whatever interface the kernel resolved', () => {
  const observed = observedWithLinks('up1');
  observed.routes.set(routeKey('10.8.0.0/16', 20), { dst: '10.8.0.0/16', metric: 20, nextHops: [{ via: '192.0.2.1', dev: 'up1' }] });
  const d = desiredFor([], [{ dst: '10.8.0.0/16', family: 4, nextHops: [{ via: '192.0.2.1' }] }]);
  assert.equal(buildPlan({ desired: d, observed, inSync: true, tapDefaults: DEFAULTS }).ops.filter((o) => o.kind === 'route').length, 0);
});

test('held keys are left out and reported', () => {
  const desired = desiredFor([spec(5)]);
  const plan = buildPlan({ desired, observed: observedWithLinks('tap5'), inSync: true, tapDefaults: DEFAULTS, hold: (k) => k === routeKey('10.0.0.5/32', 20) });
  assert.deepEqual(plan.held, [routeKey('10.0.0.5/32', 20)]);
  assert.ok(!plan.ops.some((o) => o.key === routeKey('10.0.0.5/32', 20)));
});

test('a changed MAC replaces the neighbour entry; an MTU change re-marks the link', () => {
  const observed = observedWithLinks('tap5');
  for (const op of buildPlan({ desired: desiredFor([spec(5)]), observed, inSync: true, tapDefaults: DEFAULTS }).ops) recordOp(observed, op);
  const plan = buildPlan({ desired: desiredFor([spec(5, { mac: '02:00:00:00:99:99', mtu: 1450 })]), observed, inSync: true, tapDefaults: DEFAULTS });
  assert.deepEqual(kinds(plan.ops).sort(), ['link replace', 'neigh replace', 'neigh replace']);
});

test('an incremental plan compares only the keys it is given', () => {
  const desired = desiredFor([spec(5), spec(6)]);
  const observed = observedWithLinks('tap5', 'tap6');
  const only = ['link tap6', routeKey('10.0.0.6/32', 20), neighKey({ dev: 'tap6', address: '10.0.0.6', proxy: false })];
  const plan = buildPlan({ desired, observed, inSync: true, tapDefaults: DEFAULTS, only });
  assert.deepEqual(plan.ops.map((o) => o.key), ['link tap6', neighKey({ dev: 'tap6', address: '10.0.0.6', proxy: false }), routeKey('10.0.0.6/32', 20)]);
  // a removed port's keys: its objects are removed, its tap released
  for (const op of buildPlan({ desired, observed, inSync: true, tapDefaults: DEFAULTS }).ops) recordOp(observed, op);
  const after = desiredFor([spec(5)]);
  const removal = buildPlan({ desired: after, observed, inSync: true, tapDefaults: DEFAULTS, only: ['link tap6', routeKey('10.0.0.6/32', 20)] });
  assert.deepEqual(kinds(removal.ops), ['route remove', 'sysctl remove', 'sysctl remove', 'sysctl remove', 'sysctl remove', 'sysctl remove', 'sysctl remove', 'link remove']);
});
