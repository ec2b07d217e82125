import { test } from 'node:test';
import assert from 'node:assert/strict';
import { interfaceOf, plainAddress, sessionAddresses, type InterfaceTable } from './speaker-next-hops.js';

const IFACES: InterfaceTable = {
  lo: [
    { address: '127.0.0.1', family: 'IPv4', internal: true },
    { address: '::1', family: 'IPv6', internal: true },
  ],
  eth0: [
    { address: '10.0.0.0', family: 'IPv4', internal: false },
    { address: 'fd00::a', family: 'IPv6', internal: false },
    { address: 'fe80::a', family: 'IPv6', internal: false },
  ],
  eth1: [{ address: 'fe80::1', family: 'IPv6', internal: false }],
  eth2: [{ address: '2001:db8:0:0::5', family: 6, internal: false }],
};

test('socket addresses: IPv4-mapped becomes IPv4, scope split off, canonical IPv6', () => {
  assert.deepEqual(plainAddress('::ffff:10.0.0.0'), { family: 4, address: '10.0.0.0', scope: undefined });
  assert.deepEqual(plainAddress('fe80::0:1%eth1'), { family: 6, address: 'fe80::1', scope: 'eth1' });
  assert.equal(plainAddress('nonsense'), undefined);
  assert.equal(interfaceOf('fd00::a', IFACES), 'eth0');
  assert.equal(interfaceOf('2001:db8::5', IFACES), 'eth2');
  assert.equal(interfaceOf('192.0.2.1', IFACES), undefined);
});

test('an IPv4 session: its address for IPv4, the interface global and link-local IPv6 for IPv6 routes', () => {
  assert.deepEqual(sessionAddresses({ local: '10.0.0.0' }, IFACES), { localAddress: '10.0.0.0', localAddressV6: 'fd00::a', localLinkLocal: 'fe80::a', ifname: 'eth0' });
  // accepted on a dual-stack listener
  assert.deepEqual(sessionAddresses({ local: '::ffff:10.0.0.0' }, IFACES).localAddress, '10.0.0.0');
});

test('an IPv6 session: its address for IPv6, the interface IPv4 for IPv4 routes', () => {
  assert.deepEqual(sessionAddresses({ local: 'fd00::a' }, IFACES), { localAddress: '10.0.0.0', localAddressV6: 'fd00::a', localLinkLocal: 'fe80::a', ifname: 'eth0' });
});

test('a link-local (unnumbered) session: the link-local only, no IPv4 (extended next hop sends IPv6)', () => {
  assert.deepEqual(sessionAddresses({ local: 'fe80::1%eth1' }, IFACES), { localLinkLocal: 'fe80::1', ifname: 'eth1' });
});

test('configured next hops win; an address on no interface stands alone; nothing known gives nothing', () => {
  assert.deepEqual(sessionAddresses({ local: '10.0.0.0', nextHopV6: '2001:db8::99', nextHopV4: '10.9.9.9' }, IFACES), {
    localAddress: '10.9.9.9',
    localAddressV6: '2001:db8::99',
    localLinkLocal: 'fe80::a',
    ifname: 'eth0',
  });
  assert.deepEqual(sessionAddresses({ local: '192.0.2.1' }, IFACES), { localAddress: '192.0.2.1' });
  assert.deepEqual(sessionAddresses({ local: undefined }, IFACES), {});
  // the configured interface is used even when the local address is not on it (a loopback session)
  assert.deepEqual(sessionAddresses({ local: '127.0.0.1', ifname: 'eth2' }, IFACES), { localAddress: '127.0.0.1', localAddressV6: '2001:db8::5', ifname: 'eth2' });
});
