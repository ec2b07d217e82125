// Output captured from iproute2 6.1.0 (Debian 12) on kernel 6.18 in a network namespace, with
// `ip -o monitor label link address route neigh` and `ip -json ... show`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAddresses, parseLinks, parseMonitorLine, parseNeighbours, parseRoutes } from './parse.js';

test('ip -json link: name, ifindex, mtu, admin up, alias', () => {
  const text =
    '[{"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP","LOWER_UP"],"mtu":65536,"qdisc":"noqueue","operstate":"UNKNOWN","linkmode":"DEFAULT","group":"default","txqlen":1000,"link_type":"loopback","address":"00:00:00:00:00:00","broadcast":"00:00:00:00:00:00"},' +
    '{"ifindex":3,"link":"vB","ifname":"vA","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1400,"qdisc":"noqueue","operstate":"UP","linkmode":"DEFAULT","group":"default","txqlen":1000,"link_type":"ether","address":"56:be:00:66:27:5d","broadcast":"ff:ff:ff:ff:ff:ff","ifalias":"lagless:port1"},' +
    '{"ifindex":7,"ifname":"u2","flags":["BROADCAST","MULTICAST"],"mtu":1500}]';
  assert.deepEqual(parseLinks(text), [
    { name: 'lo', ifindex: 1, mtu: 65536, up: true, alias: undefined },
    { name: 'vA', ifindex: 3, mtu: 1400, up: true, alias: 'lagless:port1' },
    { name: 'u2', ifindex: 7, mtu: 1500, up: false, alias: undefined },
  ]);
});

test('ip -json route (filtered by proto): host routes, IPv4 via IPv6 next hops, ECMP, IPv6', () => {
  const v4 =
    '[{"dst":"default","metric":20,"flags":[],"nexthops":[{"via":{"family":"inet6","host":"fe80::b"},"dev":"u2","weight":1,"flags":[]},{"via":{"family":"inet6","host":"fe80::a"},"dev":"u1","weight":1,"flags":[]}]},' +
    '{"dst":"10.1.1.1","dev":"vA","scope":"link","metric":20,"flags":[]},' +
    '{"dst":"10.9.0.0/16","via":{"family":"inet6","host":"fe80::a"},"dev":"u1","metric":20,"flags":[]}]';
  assert.deepEqual(parseRoutes(v4, 4), [
    { dst: '0.0.0.0/0', metric: 20, nextHops: [{ via: 'fe80::a', dev: 'u1' }, { via: 'fe80::b', dev: 'u2' }] },
    { dst: '10.1.1.1/32', metric: 20, nextHops: [{ dev: 'vA' }] },
    { dst: '10.9.0.0/16', metric: 20, nextHops: [{ via: 'fe80::a', dev: 'u1' }] },
  ]);
  const v6 =
    '[{"dst":"2001:db8::1","dev":"vA","metric":20,"flags":[],"pref":"medium"},{"dst":"2001:db8:5::/64","gateway":"fe80::a","dev":"u1","metric":20,"flags":[],"pref":"medium"},' +
    '{"dst":"default","metric":20,"flags":[],"pref":"medium","nexthops":[{"gateway":"fe80::a","dev":"u1","weight":1,"flags":[]},{"gateway":"fe80::b","dev":"u2","weight":1,"flags":[]}]}]';
  assert.deepEqual(parseRoutes(v6, 6), [
    { dst: '2001:db8::1/128', metric: 20, nextHops: [{ dev: 'vA' }] },
    { dst: '2001:db8:5::/64', metric: 20, nextHops: [{ via: 'fe80::a', dev: 'u1' }] },
    { dst: '::/0', metric: 20, nextHops: [{ via: 'fe80::a', dev: 'u1' }, { via: 'fe80::b', dev: 'u2' }] },
  ]);
});

test('ip -json neigh: permanent entries and proxy entries', () => {
  assert.deepEqual(parseNeighbours('[{"dst":"10.1.1.1","dev":"vA","lladdr":"02:00:00:00:00:01","state":["PERMANENT"]},{"dst":"10.1.1.2","dev":"vA","lladdr":"02:00:00:00:00:02","state":["REACHABLE"]}]', false), [
    { dev: 'vA', address: '10.1.1.1', lladdr: '02:00:00:00:00:01', proxy: false },
  ]);
  assert.deepEqual(parseNeighbours('[{"dst":"2001:db8::ffff","dev":"vA","proxy":null}]', true), [{ dev: 'vA', address: '2001:db8::ffff', lladdr: undefined, proxy: true }]);
});

test('ip -json address: labels; `to` filters leave empty objects', () => {
  const lo =
    '[{"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP","LOWER_UP"],"mtu":65536,"addr_info":[{"family":"inet","local":"127.0.0.1","prefixlen":8,"scope":"host","label":"lo","valid_life_time":4294967295,"preferred_life_time":4294967295},{"family":"inet","local":"10.9.9.8","prefixlen":32,"scope":"global","label":"lo:lagless","valid_life_time":4294967295,"preferred_life_time":4294967295},{"family":"inet6","local":"::1","prefixlen":128,"scope":"host","valid_life_time":4294967295,"preferred_life_time":4294967295}]}]';
  assert.deepEqual(parseAddresses(lo), [
    { dev: 'lo', address: '127.0.0.1', prefixLen: 8, label: 'lo' },
    { dev: 'lo', address: '10.9.9.8', prefixLen: 32, label: 'lo:lagless' },
    { dev: 'lo', address: '::1', prefixLen: 128 },
  ]);
  const ll = '[{"ifindex":3,"link":"vB","ifname":"vA","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1400,"operstate":"UP","txqlen":1000,"addr_info":[{"family":"inet6","local":"fe80::1","prefixlen":64,"scope":"link","nodad":true,"valid_life_time":4294967295,"preferred_life_time":4294967295},{}]}]';
  assert.deepEqual(parseAddresses(ll), [{ dev: 'vA', address: 'fe80::1', prefixLen: 64 }]);
});

test('monitor: route lines (ours by number or name, foreign, ECMP, deleted, other tables ignored)', () => {
  assert.deepEqual(parseMonitorLine('[ROUTE]Deleted default proto 201 metric 20 \\\tnexthop via inet6 fe80::a dev u1 weight 1 \\\tnexthop via inet6 fe80::b dev u2 weight 1 '), {
    type: 'route', deleted: true, owned: true, route: { dst: '0.0.0.0/0', metric: 20, nextHops: [{ via: 'fe80::a', dev: 'u1' }, { via: 'fe80::b', dev: 'u2' }] },
  });
  assert.deepEqual(parseMonitorLine('[ROUTE]Deleted default proto 201 metric 20 pref medium\\\tnexthop via fe80::a dev u1 weight 1 \\\tnexthop via fe80::b dev u2 weight 1 '), {
    type: 'route', deleted: true, owned: true, route: { dst: '::/0', metric: 20, nextHops: [{ via: 'fe80::a', dev: 'u1' }, { via: 'fe80::b', dev: 'u2' }] },
  });
  assert.deepEqual(parseMonitorLine('[ROUTE]10.1.1.1 dev vB proto lagless scope link metric 20 '), {
    type: 'route', deleted: false, owned: true, route: { dst: '10.1.1.1/32', metric: 20, nextHops: [{ dev: 'vB' }] },
  });
  assert.deepEqual(parseMonitorLine('[ROUTE]10.1.1.1 dev vB scope link metric 20 '), {
    type: 'route', deleted: false, owned: false, route: { dst: '10.1.1.1/32', metric: 20, nextHops: [{ dev: 'vB' }] },
  });
  assert.deepEqual(parseMonitorLine('[ROUTE]Deleted 2001:db8::1 dev vA proto 201 metric 20 pref medium'), {
    type: 'route', deleted: true, owned: true, route: { dst: '2001:db8::1/128', metric: 20, nextHops: [{ dev: 'vA' }] },
  });
  assert.equal(parseMonitorLine('[ROUTE]local 10.2.2.2 dev lo table local proto kernel scope host src 10.2.2.2 '), undefined);
  assert.equal(parseMonitorLine('[ROUTE]Deleted multicast ff00::/8 dev vA table local proto kernel metric 256 pref medium'), undefined);
  assert.deepEqual(parseMonitorLine('[ROUTE]fe80::/64 dev vA proto kernel metric 256 pref medium'), {
    type: 'route', deleted: false, owned: false, route: { dst: 'fe80::/64', metric: 256, nextHops: [{ dev: 'vA' }] },
  });
});

test('monitor: link, address and neighbour lines', () => {
  assert.deepEqual(parseMonitorLine('[LINK]3: vA@vB: <BROADCAST,MULTICAST> mtu 1400 qdisc noqueue state DOWN group default \\    link/ether 56:be:00:66:27:5d brd ff:ff:ff:ff:ff:ff'), {
    type: 'link', deleted: false, ifindex: 3, name: 'vA', up: false, mtu: 1400, lowerUp: false,
  });
  assert.deepEqual(parseMonitorLine('[LINK]Deleted 7: u2@NONE: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN group default \\    link/ether ba:e5:e7:20:72:39 brd ff:ff:ff:ff:ff:ff'), {
    type: 'link', deleted: true, ifindex: 7, name: 'u2', up: false, mtu: 1500, lowerUp: false,
  });
  assert.deepEqual(parseMonitorLine('[LINK]2: tap5: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 qdisc fq_codel state DOWN group default qlen 1000\\    link/ether 3a:1c:00:11:22:33 brd ff:ff:ff:ff:ff:ff'), {
    type: 'link', deleted: false, ifindex: 2, name: 'tap5', up: true, mtu: 1500, lowerUp: false,
  });
  assert.deepEqual(parseMonitorLine('[ADDR]1: lo    inet 10.2.2.2/32 scope global lo:lagless\\       valid_lft forever preferred_lft forever'), {
    type: 'addr', deleted: false, addr: { dev: 'lo', address: '10.2.2.2', prefixLen: 32, label: 'lo:lagless' },
  });
  assert.deepEqual(parseMonitorLine('[ADDR]Deleted 3: vA    inet6 fe80::1/64 scope link nodad \\       valid_lft forever preferred_lft forever'), {
    type: 'addr', deleted: true, addr: { dev: 'vA', address: 'fe80::1', prefixLen: 64 },
  });
  assert.deepEqual(parseMonitorLine('[NEIGH]10.1.1.1 dev vA lladdr 02:00:00:00:00:01 PERMANENT '), {
    type: 'neigh', deleted: false, permanent: true, neigh: { dev: 'vA', address: '10.1.1.1', lladdr: '02:00:00:00:00:01', proxy: false },
  });
  assert.deepEqual(parseMonitorLine('[NEIGH]10.1.1.1 dev vA FAILED '), {
    type: 'neigh', deleted: false, permanent: false, neigh: { dev: 'vA', address: '10.1.1.1', lladdr: undefined, proxy: false },
  });
  assert.deepEqual(parseMonitorLine('[NEIGH]Deleted 2001:db8::1 dev vA lladdr 02:00:00:00:00:01 PERMANENT '), {
    type: 'neigh', deleted: true, permanent: true, neigh: { dev: 'vA', address: '2001:db8::1', lladdr: '02:00:00:00:00:01', proxy: false },
  });
  assert.equal(parseMonitorLine('[NSID]current nsid 0'), undefined);
  assert.equal(parseMonitorLine('garbage'), undefined);
});
