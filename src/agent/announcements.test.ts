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

test('allowed address pairs: host addresses inside the pools are announced (once) and count for the port; prefixes and addresses outside the pools are not', () => {
  const a = computeAnnouncements(
    [
      {
        ...port('a', '10.1.0.5', '2001:db8:1::5'),
        allowedAddressPairs: [
          { ipAddress: '10.1.0.100', macAddress: '00:00:5e:00:01:07' }, // a VRRP address
          { ipAddress: '2001:db8:1::100/128' },
          { ipAddress: '10.1.0.5' }, // its own fixed IP: nothing new
          { ipAddress: '10.1.9.0/24' }, // a prefix: routed locally, not exported
          { ipAddress: '0.0.0.0/0' },
          { ipAddress: '192.0.2.9' }, // outside the pools
        ],
      },
      { ...port('b', '10.1.0.6'), allowedAddressPairs: [{ ipAddress: '10.1.0.100/32' }] }, // the same VRRP address
    ],
    ['10.1.0.0/16', '2001:db8:1::/48'],
    [],
  );
  assert.deepEqual(a.prefixes.map(prefixKey), ['10.1.0.5/32', '2001:db8:1::5/128', '10.1.0.100/32', '2001:db8:1::100/128', '10.1.0.6/32']);
  assert.deepEqual(a.byPort.get('a')?.map(prefixKey), ['10.1.0.5/32', '2001:db8:1::5/128', '10.1.0.100/32', '2001:db8:1::100/128']);
  assert.deepEqual(a.byPort.get('b')?.map(prefixKey), ['10.1.0.6/32', '10.1.0.100/32']);
  assert.equal(a.outsidePools.size, 0, 'pairs outside the pools are no warning');
});

test('computed again for the same port objects (what the agent does on every change): the same answer; other pools: computed anew', () => {
  const ports = [port('a', '10.100.0.11', '192.0.2.7'), port('b', '10.100.0.12')];
  const pools = ['10.100.0.0/16'];
  const first = computeAnnouncements(ports, pools, []);
  const again = computeAnnouncements(ports, pools, []);
  assert.deepEqual(again.prefixes.map(prefixKey), first.prefixes.map(prefixKey));
  assert.deepEqual(again.outsidePools, first.outsidePools);
  const wider = computeAnnouncements(ports, ['10.100.0.0/16', '192.0.2.0/24'], []);
  assert.deepEqual(wider.prefixes.map(prefixKey), ['10.100.0.11/32', '192.0.2.7/32', '10.100.0.12/32']);
  assert.equal(wider.outsidePools.size, 0);
});
