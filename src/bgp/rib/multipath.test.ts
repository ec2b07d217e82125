import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Interner } from './intern.js';
import { DEFAULT_MULTIPATH, ecmpNextHops } from './multipath.js';
import { DEFAULT_DECISION } from './decision.js';
import { fibNextHop } from './path.js';
import { LOCAL, pathOf, peerSource, seq } from './test-helpers.js';
import type { PathAttributes } from '../wire/types.js';

const interner = new Interner();
const opts = { ...DEFAULT_DECISION, ...DEFAULT_MULTIPATH };
const relax = { ...opts, multipathRelax: true };
const base: PathAttributes = { origin: 0, asPath: [seq(65100, 64600)] };
const tor1 = peerSource('10.1.0.0', { routerId: '10.255.0.1' });
const tor2 = peerSource('10.2.0.0', { routerId: '10.255.0.2' });
const tor3 = peerSource('10.3.0.0', { routerId: '10.255.0.3' });
const vias = (hops: { via: string }[]) => hops.map((h) => h.via);

test('equal paths from two peers give both next hops, the best first', () => {
  const a = pathOf(interner, tor1, base);
  const b = pathOf(interner, tor2, base);
  assert.deepEqual(ecmpNextHops(a, [b, a], opts), [{ peer: '10.1.0.0', via: '10.1.0.0' }, { peer: '10.2.0.0', via: '10.2.0.0' }]);
});

test('a longer AS path is left out', () => {
  const a = pathOf(interner, tor1, base);
  const b = pathOf(interner, tor2, { ...base, asPath: [seq(65100, 64600, 64601)] });
  assert.deepEqual(vias(ecmpNextHops(a, [a, b], opts)), ['10.1.0.0']);
});

test('a different neighbour AS is left out unless multipath-relax; relax needs only equal length', () => {
  const a = pathOf(interner, tor1, base);
  const b = pathOf(interner, tor2, { ...base, asPath: [seq(65200, 64999)] });
  assert.deepEqual(vias(ecmpNextHops(a, [a, b], opts)), ['10.1.0.0']);
  assert.deepEqual(vias(ecmpNextHops(a, [a, b], relax)), ['10.1.0.0', '10.2.0.0']);
  const longer = pathOf(interner, tor3, { ...base, asPath: [seq(65300, 1, 2)] });
  assert.deepEqual(vias(ecmpNextHops(a, [a, b, longer], relax)), ['10.1.0.0', '10.2.0.0']);
});

test('same neighbour AS, different AS paths of equal length: ECMP without relax', () => {
  const a = pathOf(interner, tor1, base);
  const b = pathOf(interner, tor2, { ...base, asPath: [seq(65100, 64777)] });
  assert.deepEqual(vias(ecmpNextHops(a, [a, b], opts)), ['10.1.0.0', '10.2.0.0']);
});

test('origin, MED or eBGP/iBGP differences leave a path out (only tie-breakers may differ)', () => {
  const a = pathOf(interner, tor1, base);
  const origin = pathOf(interner, tor2, { ...base, origin: 2 });
  const med = pathOf(interner, tor3, { ...base, med: 5 });
  const ibgp = pathOf(interner, peerSource('10.4.0.0', { asn: 65010 }), base);
  assert.deepEqual(vias(ecmpNextHops(a, [a, origin, med, ibgp], opts)), ['10.1.0.0']);
});

test('next hops are distinct and at most maxPaths', () => {
  const a = pathOf(interner, tor1, base);
  const sameHop = pathOf(interner, tor2, base, { nextHops: ['10.1.0.0'] });
  const c = pathOf(interner, tor3, base);
  assert.deepEqual(vias(ecmpNextHops(a, [a, sameHop, c], opts)), ['10.1.0.0', '10.3.0.0']);
  const many = Array.from({ length: 20 }, (_, i) => pathOf(interner, peerSource(`10.9.0.${i}`, { routerId: `10.255.1.${i}` }), base));
  assert.equal(ecmpNextHops(many[0]!, many, opts).length, 16);
  assert.equal(ecmpNextHops(many[0]!, many, { ...opts, maxPaths: 4 }).length, 4);
  assert.equal(ecmpNextHops(many[0]!, many, { ...opts, maxPaths: 1 }).length, 1);
});

test('a locally originated best path gives no FIB next hops', () => {
  const local = pathOf(interner, LOCAL, { origin: 0, asPath: [] });
  assert.deepEqual(ecmpNextHops(local, [local, pathOf(interner, tor1, base)], opts), []);
});

test('IPv6 next hops: link-local with the interface when known, the global otherwise, link-local when the global is ::', () => {
  const onLink = peerSource('fe80::1', { ifname: 'eth0' });
  const noIf = peerSource('2001:db8::1');
  const both = ['2001:db8::1', 'fe80::1'];
  assert.deepEqual(fibNextHop(pathOf(interner, onLink, base, { nextHops: both })), { peer: 'fe80::1', via: 'fe80::1', dev: 'eth0' });
  assert.deepEqual(fibNextHop(pathOf(interner, noIf, base, { nextHops: both })), { peer: '2001:db8::1', via: '2001:db8::1' });
  assert.deepEqual(fibNextHop(pathOf(interner, onLink, base, { nextHops: ['::', 'fe80::1'] })), { peer: 'fe80::1', via: 'fe80::1', dev: 'eth0' });
  assert.deepEqual(fibNextHop(pathOf(interner, onLink, base, { nextHops: ['fe80::1'] })), { peer: 'fe80::1', via: 'fe80::1', dev: 'eth0' });
  // IPv4 routes over an unnumbered session (RFC 8950): the IPv6 link-local next hop, with the interface
  assert.deepEqual(fibNextHop(pathOf(interner, onLink, base, { nextHops: ['fe80::1', 'fe80::1'] })), { peer: 'fe80::1', via: 'fe80::1', dev: 'eth0' });
  // two unnumbered peers may use the same link-local address on different links: both stay
  const onLink2 = peerSource('fe80::1%eth1', { ifname: 'eth1', routerId: '10.255.0.2', address: 'fe80::1' });
  const x = pathOf(interner, onLink, base, { nextHops: ['fe80::1'] });
  const y = pathOf(interner, { ...onLink2, id: 'eth1' }, base, { nextHops: ['fe80::1'] });
  assert.deepEqual(ecmpNextHops(x, [x, y], opts), [{ peer: 'fe80::1', via: 'fe80::1', dev: 'eth0' }, { peer: 'eth1', via: 'fe80::1', dev: 'eth1' }]);
});
