import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exportPolicy, importPolicy, peerAddress } from './speaker-config.js';
import { PrefixFilter } from '../bgp/rib/index.js';
import { parsePrefix } from '../bgp/wire/index.js';

test('export permits only host routes inside the pools and the loopbacks', () => {
  const f = new PrefixFilter(exportPolicy({ export: { pools: ['10.100.0.0/16', '2001:db8:100::/48'] }, loopback: ['10.0.0.1'] }).filter!);
  const ok = (p: string) => f.permits(parsePrefix(p));
  assert.ok(ok('10.100.3.4/32'));
  assert.ok(ok('2001:db8:100::5/128'));
  assert.ok(ok('10.0.0.1/32'));
  assert.ok(!ok('10.100.0.0/24'));
  assert.ok(!ok('10.101.0.1/32'));
  assert.ok(!ok('0.0.0.0/0'));
});

test('import permits the configured prefixes only', () => {
  const f = new PrefixFilter(importPolicy({ import: { prefixes: [{ prefix: '0.0.0.0/0', ge: 0, le: 0 }, { prefix: '::/0', ge: 0, le: 0 }], maxPrefixes: 100 } }).filter!);
  assert.ok(f.permits(parsePrefix('0.0.0.0/0')));
  assert.ok(f.permits(parsePrefix('::/0')));
  assert.ok(!f.permits(parsePrefix('10.0.0.0/8')));
});

test('link-local peers get the uplink interface as scope', () => {
  assert.equal(peerAddress({ peer: 'fe80::1', interface: 'eth1' }), 'fe80::1%eth1');
  assert.equal(peerAddress({ peer: '10.255.0.0', interface: 'eth1' }), '10.255.0.0');
});
