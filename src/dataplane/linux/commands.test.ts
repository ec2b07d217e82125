import { test } from 'node:test';
import assert from 'node:assert/strict';
import { batchLine, errorFor, isAlreadyGone, parseBatchErrors, parseSysctlRead, parseSysctlWriteFailures, sysctlReadScript, sysctlWriteScript } from './commands.js';
import type { PlanOp } from '../plan.js';

test('batch lines for every op kind', () => {
  const lines = (ops: PlanOp[]) => ops.map((op) => (op.kind === 'sysctl' ? '' : batchLine(op)));
  assert.deepEqual(
    lines([
      { kind: 'link', action: 'add', key: 'link tap5', link: { name: 'tap5', alias: 'lagless:p5', mtu: 1450 } },
      { kind: 'link', action: 'remove', key: 'link tap5', link: { name: 'tap5', alias: '' } },
      { kind: 'addr', action: 'add', key: 'k', addr: { dev: 'lo', address: '10.0.0.1', prefixLen: 32, label: 'lo:lagless' } },
      { kind: 'addr', action: 'add', key: 'k', addr: { dev: 'tap5', address: 'fe80::1', prefixLen: 64 } },
      { kind: 'addr', action: 'remove', key: 'k', addr: { dev: 'lo', address: '10.0.0.1', prefixLen: 32, label: 'lo:lagless' } },
      { kind: 'neigh', action: 'add', key: 'k', neigh: { dev: 'tap5', address: '10.0.0.5', lladdr: '02:00:00:00:00:05', proxy: false } },
      { kind: 'neigh', action: 'add', key: 'k', neigh: { dev: 'tap5', address: '2001:db8::1', lladdr: undefined, proxy: true } },
      { kind: 'neigh', action: 'remove', key: 'k', neigh: { dev: 'tap5', address: '10.0.0.5', lladdr: '02:00:00:00:00:05', proxy: false } },
      { kind: 'route', action: 'add', key: 'k', route: { dst: '10.0.0.5/32', metric: 20, nextHops: [{ dev: 'tap5' }] } },
      { kind: 'route', action: 'replace', key: 'k', route: { dst: '0.0.0.0/0', metric: 20, nextHops: [{ via: 'fe80::a', dev: 'u1' }, { via: 'fe80::b', dev: 'u2' }] } },
      { kind: 'route', action: 'add', key: 'k', route: { dst: '::/0', metric: 20, nextHops: [{ via: 'fe80::a', dev: 'u1' }] } },
      { kind: 'route', action: 'add', key: 'k', route: { dst: '10.8.0.0/16', metric: 20, nextHops: [{ via: '192.0.2.1' }] } },
      { kind: 'route', action: 'remove', key: 'k', route: { dst: '10.0.0.5/32', metric: 20, nextHops: [{ dev: 'tap5' }] } },
    ]),
    [
      'link set dev tap5 up mtu 1450 alias lagless:p5',
      'link set dev tap5 alias ""',
      'address add 10.0.0.1/32 dev lo label lo:lagless',
      'address add fe80::1/64 dev tap5 nodad',
      'address del 10.0.0.1/32 dev lo',
      'neigh replace 10.0.0.5 lladdr 02:00:00:00:00:05 dev tap5 nud permanent',
      'neigh replace proxy 2001:db8::1 dev tap5',
      'neigh del 10.0.0.5 dev tap5',
      'route add 10.0.0.5/32 proto 201 metric 20 dev tap5',
      'route replace 0.0.0.0/0 proto 201 metric 20 nexthop via inet6 fe80::a dev u1 nexthop via inet6 fe80::b dev u2',
      'route add ::/0 proto 201 metric 20 via fe80::a dev u1',
      'route add 10.8.0.0/16 proto 201 metric 20 via 192.0.2.1',
      'route del 10.0.0.5/32 proto 201 metric 20',
    ],
  );
});

test('batch errors map to their line (stderr captured from ip -force -batch - on iproute2 6.1)', () => {
  const stderr = 'RTNETLINK answers: File exists\nCommand failed -:3\nCannot find device "nosuch"\nCommand failed -:5\nError: Nexthop device is not up.\nCommand failed -:9\n';
  assert.deepEqual([...parseBatchErrors(stderr)], [
    [3, 'RTNETLINK answers: File exists'],
    [5, 'Cannot find device "nosuch"'],
    [9, 'Error: Nexthop device is not up.'],
  ]);
});

test('error codes: an exclusive add that finds the key taken is a foreign route; removals of gone objects are done', () => {
  const add: PlanOp = { kind: 'route', action: 'add', key: 'route 10.0.0.5/32 20', route: { dst: '10.0.0.5/32', metric: 20, nextHops: [{ dev: 'tap5' }] } };
  assert.equal(errorFor(add, 'RTNETLINK answers: File exists').code, 'ERR_DP_ROUTE_FOREIGN');
  assert.equal(errorFor(add, 'Error: Nexthop device is not up.').code, 'ERR_DP_ROUTE');
  assert.equal(errorFor(add, 'x').key, 'route 10.0.0.5/32 20');
  assert.ok(isAlreadyGone('RTNETLINK answers: No such process'));
  assert.ok(isAlreadyGone('Error: ipv4: Address not found. RTNETLINK answers: Cannot assign requested address'));
  assert.ok(!isAlreadyGone('RTNETLINK answers: Operation not permitted'));
});

test('sysctl scripts: writes report failures by index, reads come back as a map; unsafe input is refused', () => {
  const w = sysctlWriteScript([{ path: 'net/ipv4/conf/tap5/proxy_arp', value: '1' }, { path: 'net/ipv4/ip_forward', value: '1' }]);
  assert.match(w, /^w net\/ipv4\/conf\/tap5\/proxy_arp 1 0$/m);
  assert.match(w, /^w net\/ipv4\/ip_forward 1 1$/m);
  assert.deepEqual([...parseSysctlWriteFailures('F 1\nF 7\n')], [1, 7]);
  assert.match(sysctlReadScript(['net/ipv4/ip_forward']), /^r net\/ipv4\/ip_forward$/m);
  assert.deepEqual([...parseSysctlRead('net/ipv4/ip_forward 1\nnet/ipv4/neigh/tap5/proxy_delay 0\n')], [
    ['net/ipv4/ip_forward', '1'],
    ['net/ipv4/neigh/tap5/proxy_delay', '0'],
  ]);
  assert.throws(() => sysctlWriteScript([{ path: 'net/ipv4/$(reboot)', value: '1' }]), { code: 'ERR_DP_SYSCTL' });
  assert.throws(() => sysctlWriteScript([{ path: 'net/ipv4/ip_forward', value: '1; reboot' }]), { code: 'ERR_DP_SYSCTL' });
});
