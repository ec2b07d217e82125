import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildDesired, pairOwners, portObjects, routedPairs, TAP_SYSCTLS } from './wiring.js';
import { validatePort, validateRoute, type WirablePort } from './validate.js';
import { DataplaneError } from './errors.js';
import { LO_LABEL, routeKey } from './model.js';
import type { PortSpec } from './port.js';

const defaults = new Map(TAP_SYSCTLS.map(([t]) => [t, t.endsWith('proxy_ndp') ? '0' : 'x']));
const opts = { metric: 20, defaultGatewayV4: '169.254.1.1', tapSysctlDefaults: defaults };

const base: PortSpec = {
  id: '3f2a6c1e-aaaa-bbbb-cccc-000000000001',
  tap: 'tap3f2a6c1e-aa',
  mac: '02:16:3E:00:00:01',
  fixedIps: [
    { address: '10.0.0.5', prefixLen: 24, gateway: '10.0.0.1' },
    { address: '2001:DB8:0:0::5', prefixLen: 64, gateway: '2001:db8::1' },
  ],
  allowedAddressPairs: [],
  mtu: 1450,
  portSecurity: true,
};

function ok(s: PortSpec): WirablePort {
  const v = validatePort(s);
  if (v instanceof DataplaneError) throw v;
  return v;
}

test('design §4 recipe for a dual-stack port', () => {
  const o = portObjects(ok(base), opts);
  const tap = base.tap;
  assert.deepEqual(o.link, { name: tap, alias: `lagless:${base.id}`, mtu: 1450 });
  assert.deepEqual(o.routes, [
    { dst: '10.0.0.5/32', metric: 20, nextHops: [{ dev: tap }] },
    { dst: '2001:db8::5/128', metric: 20, nextHops: [{ dev: tap }] },
  ]);
  assert.deepEqual(o.neighbours, [
    { dev: tap, address: '10.0.0.5', lladdr: '02:16:3e:00:00:01', proxy: false },
    { dev: tap, address: '2001:db8::5', lladdr: '02:16:3e:00:00:01', proxy: false },
    { dev: tap, address: '2001:db8::1', lladdr: undefined, proxy: true },
  ]);
  assert.deepEqual(o.addresses, [
    { dev: 'lo', address: '10.0.0.1', prefixLen: 32, label: LO_LABEL },
    { dev: tap, address: 'fe80::1', prefixLen: 64 },
  ]);
  const s = new Map(o.sysctls);
  assert.equal(s.get(`net/ipv4/conf/${tap}/proxy_arp`), '1');
  assert.equal(s.get(`net/ipv4/neigh/${tap}/proxy_delay`), '0');
  assert.equal(s.get(`net/ipv4/conf/${tap}/rp_filter`), '1');
  assert.equal(s.get(`net/ipv6/conf/${tap}/accept_ra`), '0');
  assert.equal(s.get(`net/ipv6/conf/${tap}/forwarding`), '1');
  assert.equal(s.get(`net/ipv6/conf/${tap}/proxy_ndp`), '1', 'global v6 gateway: proxy NDP');
});

test('IPv4-only port without a subnet gateway: fallback gateway on lo, no fe80::1, proxy_ndp at its default', () => {
  const o = portObjects(ok({ ...base, fixedIps: [{ address: '10.0.0.7', prefixLen: 24 }], mtu: undefined }), opts);
  assert.deepEqual(o.addresses, [{ dev: 'lo', address: '169.254.1.1', prefixLen: 32, label: LO_LABEL }]);
  assert.equal(o.link.mtu, undefined);
  assert.equal(new Map(o.sysctls).get(`net/ipv6/conf/${base.tap}/proxy_ndp`), '0');
});

test('bad port specs fail alone with ERR_DP_PORT_INVALID', () => {
  const bad: Partial<PortSpec>[] = [
    { mac: '01:00:5e:00:00:01' },
    { mac: 'zz' },
    { tap: 'a-name-longer-than-15' },
    { tap: 'tap 1' },
    { fixedIps: [{ address: '10.0.0.300', prefixLen: 24 }] },
    { fixedIps: [{ address: '10.0.0.5', prefixLen: 33 }] },
    { fixedIps: [{ address: '10.0.0.5', prefixLen: 24, gateway: '2001:db8::1' }] },
    { fixedIps: [{ address: 'fe80::5', prefixLen: 64 }] },
    { mtu: 20 },
    { id: 'has space' },
  ];
  for (const b of bad) {
    const v = validatePort({ ...base, ...b });
    assert.ok(v instanceof DataplaneError, JSON.stringify(b));
    assert.equal(v.code, 'ERR_DP_PORT_INVALID');
    assert.equal(v.portId, b.id ?? base.id);
  }
});

test('learned routes: canonical prefix, IPv4 via IPv6 link-local with an interface, errors coded', () => {
  const v = validateRoute({ prefix: '10.1.2.3/16', nextHops: [{ via: 'FE80::B', dev: 'up2' }, { via: 'fe80::a', dev: 'up1' }, { via: 'fe80::a', dev: 'up1' }] });
  assert.ok(!(v instanceof DataplaneError));
  assert.equal(v.dst, '10.1.0.0/16');
  assert.deepEqual(v.nextHops, [{ via: 'fe80::a', dev: 'up1' }, { via: 'fe80::b', dev: 'up2' }]);
  for (const bad of [
    { prefix: '10.0.0.0', nextHops: [{ via: '192.0.2.1' }] },
    { prefix: '10.0.0.0/8', nextHops: [] },
    { prefix: '10.0.0.0/8', nextHops: [{ via: 'fe80::1' }] },
    { prefix: '2001:db8::/32', nextHops: [{ via: '192.0.2.1' }] },
    { prefix: '10.0.0.0/8', nextHops: [{ via: 'nope' }] },
  ]) {
    const r = validateRoute(bad);
    assert.ok(r instanceof DataplaneError, JSON.stringify(bad));
    assert.equal(r.code, 'ERR_DP_ROUTE_INVALID');
  }
});

test('a learned route with the destination of a local port is shadowed by the port', () => {
  const port = ok(base);
  const d = buildDesired({
    ports: [{ id: port.id, objects: portObjects(port, opts) }],
    routes: [{ dst: '10.0.0.5/32', family: 4, nextHops: [{ via: '192.0.2.1' }] }, { dst: '0.0.0.0/0', family: 4, nextHops: [{ via: '192.0.2.1' }] }],
    metric: 20,
    hostSysctls: false,
  });
  assert.deepEqual(d.shadowed, ['10.0.0.5/32']);
  assert.deepEqual(d.state.routes.get(routeKey('10.0.0.5/32', 20))?.nextHops, [{ dev: base.tap }]);
  assert.deepEqual(d.state.routes.get(routeKey('0.0.0.0/0', 20))?.nextHops, [{ via: '192.0.2.1' }]);
});

test('allowed address pairs: canonical, deduplicated, own fixed IPs and unroutable prefixes left out; bad ones fail the port', () => {
  const p = ok({
    ...base,
    allowedAddressPairs: [
      { ipAddress: '10.0.9.7/24' }, // host bits cleared
      { ipAddress: '10.0.6.1', macAddress: '02:00:00:00:00:AA' },
      { ipAddress: '10.0.6.1/32' }, // same destination again: the first one stays
      { ipAddress: '10.0.0.5' }, // the port's own fixed IP
      { ipAddress: '2001:DB8:1::/64' },
      { ipAddress: '2001:db8::77/128' },
      { ipAddress: '0.0.0.0/0' }, // "send from anything": never a route
      { ipAddress: '::/0' },
      { ipAddress: 'fe80::99' }, // link-local
      { ipAddress: '224.0.0.18' }, // multicast (VRRP's group)
    ],
  });
  assert.deepEqual(p.pairs, [
    { family: 4, dst: '10.0.9.0/24', host: undefined, mac: '02:16:3e:00:00:01' },
    { family: 4, dst: '10.0.6.1/32', host: '10.0.6.1', mac: '02:00:00:00:00:aa' },
    { family: 6, dst: '2001:db8:1::/64', host: undefined, mac: '02:16:3e:00:00:01' },
    { family: 6, dst: '2001:db8::77/128', host: '2001:db8::77', mac: '02:16:3e:00:00:01' },
  ]);
  for (const pair of [{ ipAddress: '10.0.0.0/33' }, { ipAddress: 'nope' }, { ipAddress: '10.0.6.1', macAddress: '01:00:5e:00:00:12' }, { ipAddress: '10.0.6.1', macAddress: 'zz' }]) {
    const v = validatePort({ ...base, allowedAddressPairs: [pair] });
    assert.ok(v instanceof DataplaneError, JSON.stringify(pair));
    assert.equal(v.code, 'ERR_DP_PORT_INVALID');
  }
});

test('a port with pairs: each pair routed to its tap, host pairs with a permanent neighbour for the pair MAC; rp_filter off', () => {
  const tap = base.tap;
  const o = portObjects(ok({ ...base, fixedIps: [{ address: '10.0.0.5', prefixLen: 24 }], allowedAddressPairs: [{ ipAddress: '10.0.9.0/24' }, { ipAddress: '10.0.6.1', macAddress: '02:00:00:00:00:aa' }, { ipAddress: '2001:db8::77' }] }), opts);
  assert.deepEqual(o.routes, [
    { dst: '10.0.0.5/32', metric: 20, nextHops: [{ dev: tap }] },
    { dst: '10.0.9.0/24', metric: 20, nextHops: [{ dev: tap }] },
    { dst: '10.0.6.1/32', metric: 20, nextHops: [{ dev: tap }] },
    { dst: '2001:db8::77/128', metric: 20, nextHops: [{ dev: tap }] },
  ]);
  assert.deepEqual(o.neighbours, [
    { dev: tap, address: '10.0.0.5', lladdr: '02:16:3e:00:00:01', proxy: false },
    { dev: tap, address: '10.0.6.1', lladdr: '02:00:00:00:00:aa', proxy: false },
    { dev: tap, address: '2001:db8::77', lladdr: '02:16:3e:00:00:01', proxy: false },
  ]);
  assert.ok(o.addresses.some((a) => a.dev === tap && a.address === 'fe80::1'), 'an IPv6 pair needs the IPv6 router on the tap');
  assert.deepEqual(o.pairs, ['10.0.9.0/24', '10.0.6.1/32', '2001:db8::77/128']);
  const rp = (s: PortSpec, pairs?: []) => new Map(portObjects(ok(s), opts, pairs).sysctls).get(`net/ipv4/conf/${tap}/rp_filter`);
  assert.equal(rp(base), '1', 'filtered, no pairs: strict');
  assert.equal(rp({ ...base, allowedAddressPairs: [{ ipAddress: '10.0.9.0/24' }] }), '0', 'pairs: off');
  assert.equal(rp({ ...base, allowedAddressPairs: [{ ipAddress: '10.0.9.0/24' }] }, []), '0', 'pairs routed elsewhere: off all the same');
  assert.equal(rp({ ...base, allowedAddressPairs: [{ ipAddress: '0.0.0.0/0' }] }), '0', 'a /0 pair (no route): off');
  assert.equal(rp({ ...base, portSecurity: false }), '0', 'port security off: off');
  // only the given pairs are routed
  const none = portObjects(ok({ ...base, allowedAddressPairs: [{ ipAddress: '10.0.9.0/24' }] }), opts, []);
  assert.deepEqual(none.routes.map((r) => r.dst), ['10.0.0.5/32', '2001:db8::5/128']);
  assert.deepEqual(none.pairs, []);
});

test('pairOwners: a pair that is a port\'s fixed IP is not routed as a pair; a shared pair goes to the lowest port id', () => {
  const mk = (id: string, n: number, pairs: string[]) =>
    ok({ ...base, id, tap: `tap${id}`, fixedIps: [{ address: `10.0.0.${n}`, prefixLen: 24 }], allowedAddressPairs: pairs.map((ipAddress) => ({ ipAddress })) });
  const b = mk('b', 2, ['10.0.0.100', '10.0.0.1', '10.0.9.0/24']);
  const a = mk('a', 1, ['10.0.0.100', '10.0.8.0/24']);
  const c = mk('c', 3, ['10.0.0.100', '10.0.9.0/24', '10.0.9.0/25']);
  const owners = pairOwners([b, c, a]);
  assert.deepEqual([...owners].sort(), [
    ['10.0.0.100/32', 'a'],
    ['10.0.8.0/24', 'a'],
    ['10.0.9.0/24', 'b'],
    ['10.0.9.0/25', 'c'], // overlapping, not equal: both routed, the longest prefix wins in the kernel
  ]);
  assert.equal(owners.has('10.0.0.1/32'), false, 'A\'s fixed IP stays A\'s');
  assert.deepEqual(routedPairs(b, owners).map((p) => p.dst), ['10.0.9.0/24']);
  assert.deepEqual(routedPairs(c, owners).map((p) => p.dst), ['10.0.9.0/25']);
  // in one desired state every destination has exactly one route
  const d = buildDesired({
    ports: [a, b, c].map((p) => ({ id: p.id, objects: portObjects(p, opts, routedPairs(p, owners)) })),
    routes: [],
    metric: 20,
    hostSysctls: false,
  });
  const via = (dst: string) => d.state.routes.get(routeKey(dst, 20))?.nextHops[0]?.dev;
  assert.equal(via('10.0.0.100/32'), 'tapa');
  assert.equal(via('10.0.0.1/32'), 'tapa');
  assert.equal(via('10.0.9.0/24'), 'tapb');
  assert.equal(via('10.0.9.0/25'), 'tapc');
});
