import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PortSpec } from '../port.js';
import { compilePort } from './compile-port.js';
import { prefixText } from './addresses.js';

const spec = (over: Partial<PortSpec> = {}): PortSpec => ({
  id: 'p1',
  tap: 'tapp1',
  mac: '52:54:00:00:00:01',
  fixedIps: [{ address: '10.0.0.1', prefixLen: 24 }],
  allowedAddressPairs: [],
  portSecurity: true,
  ...over,
});
const show = (list: readonly { mac: string; prefix: Parameters<typeof prefixText>[0] }[]) => list.map((s) => `${s.mac} ${prefixText(s.prefix)}`);

test('pairs: without a MAC under the port MAC, with one under that MAC; each MAC gets its link-local', () => {
  const { port, errors } = compilePort(spec({
    allowedAddressPairs: [{ ipAddress: '10.0.0.100' }, { ipAddress: '192.168.0.0/16', macAddress: '02:00:00:00:00:AA' }],
  }));
  assert.deepEqual(errors, []);
  assert.equal(port?.mode, 'filtered');
  assert.deepEqual(port?.macs, ['52:54:00:00:00:01', '02:00:00:00:00:aa']);
  assert.deepEqual(show(port!.sources), [
    '52:54:00:00:00:01 10.0.0.1',
    '52:54:00:00:00:01 10.0.0.100',
    '52:54:00:00:00:01 fe80::5054:ff:fe00:1',
    '02:00:00:00:00:aa 192.168.0.0/16',
    '02:00:00:00:00:aa fe80::ff:fe00:aa',
  ]);
  assert.deepEqual(show(port!.arpSenders), [
    '52:54:00:00:00:01 10.0.0.1',
    '52:54:00:00:00:01 10.0.0.100',
    '52:54:00:00:00:01 0.0.0.0',
    '02:00:00:00:00:aa 192.168.0.0/16',
    '02:00:00:00:00:aa 0.0.0.0',
  ]);
});

test('a pair with the port MAC written out is the same MAC; 0.0.0.0/0 swallows the ARP probe address', () => {
  const { port } = compilePort(spec({ allowedAddressPairs: [{ ipAddress: '0.0.0.0/0', macAddress: '52:54:00:00:00:01' }, { ipAddress: '::/0' }] }));
  assert.deepEqual(port?.macs, ['52:54:00:00:00:01']);
  assert.deepEqual(show(port!.sources), ['52:54:00:00:00:01 0.0.0.0/0', '52:54:00:00:00:01 ::/0']);
  assert.deepEqual(show(port!.arpSenders), ['52:54:00:00:00:01 0.0.0.0/0']);
  assert.deepEqual(port!.ndTargets.map(prefixText), ['::/0']);
});

test('ND targets: every IPv6 source of every MAC, without overlaps', () => {
  const { port } = compilePort(spec({
    fixedIps: [{ address: '2001:db8::1', prefixLen: 64 }],
    allowedAddressPairs: [{ ipAddress: '2001:db8::/64', macAddress: '02:00:00:00:00:aa' }],
  }));
  assert.deepEqual(port!.ndTargets.map(prefixText), ['fe80::5054:ff:fe00:1', '2001:db8::/64', 'fe80::ff:fe00:aa']);
});

test('every error of a port is reported, and the port is closed', () => {
  const { port, errors } = compilePort(spec({
    mac: 'bad',
    fixedIps: [{ address: '10.0.0.x', prefixLen: 24 }],
    allowedAddressPairs: [{ ipAddress: '10.0.0.0/40', macAddress: 'worse' }],
  }));
  assert.deepEqual(errors.map((e) => e.code), ['ERR_FW_BAD_MAC', 'ERR_FW_BAD_ADDRESS', 'ERR_FW_BAD_CIDR', 'ERR_FW_BAD_MAC']);
  assert.deepEqual(port, { portId: 'p1', tap: 'tapp1', mode: 'closed', macs: [], sources: [], arpSenders: [], ndTargets: [] });
});
