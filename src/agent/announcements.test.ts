import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeAnnouncements } from './announcements.js';
import { prefixKey } from '../bgp/wire/index.js';
import type { PortSpec } from '../dataplane/port.js';

const port = (id: string, ...addresses: string[]): PortSpec => ({
  id,
  tap: `tap${id}`,
  mac: 'fa:16:3e:00:00:01',
  fixedIps: addresses.map((address) => ({ address, prefixLen: address.includes(':') ? 64 : 24 })),
  allowedAddressPairs: [],
  portSecurity: true,
});

test('host routes for port addresses inside the pools, plus loopbacks', () => {
  const a = computeAnnouncements(
    [port('a', '10.100.0.11', '2001:db8:100::11'), port('b', '10.100.0.12', '192.0.2.7')],
    ['10.100.0.0/16', '2001:db8:100::/48'],
    ['10.0.0.1'],
  );
  assert.deepEqual(a.prefixes.map(prefixKey), ['10.0.0.1/32', '10.100.0.11/32', '2001:db8:100::11/128', '10.100.0.12/32']);
  assert.deepEqual(a.byPort.get('a')?.map(prefixKey), ['10.100.0.11/32', '2001:db8:100::11/128']);
  assert.deepEqual(a.byPort.get('b')?.map(prefixKey), ['10.100.0.12/32']);
  assert.deepEqual(a.outsidePools.get('b'), ['192.0.2.7']);
});

test('the same address on two ports is announced once', () => {
  const a = computeAnnouncements([port('a', '10.1.0.5'), port('b', '10.1.0.5')], ['10.1.0.0/16'], []);
  assert.equal(a.prefixes.length, 1);
  assert.equal(a.byPort.get('a')?.[0], a.byPort.get('b')?.[0]);
});

test('nothing without pools', () => {
  const a = computeAnnouncements([port('a', '10.1.0.5')], [], []);
  assert.equal(a.prefixes.length, 0);
  assert.deepEqual(a.outsidePools.get('a'), ['10.1.0.5']);
});
