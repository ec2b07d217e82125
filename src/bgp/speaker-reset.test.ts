// Speaker.resetPeer (fast external failover): the session drops at once, its routes leave the FIB
// feed without waiting for the hold timer, the reason is the peer's last error, and it comes back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from './session/fake-clock.js';
import { MemoryNetwork } from './session/memory-connection.js';
import { until } from './session/script-peer.js';
import { formatPrefix, parsePrefix } from './rib/prefix.js';
import { Speaker } from './speaker.js';
import type { InterfaceTable } from './speaker-next-hops.js';

const v4 = (address: string) => ({ address, family: 'IPv4' as const, internal: false });
const v6 = (address: string) => ({ address, family: 'IPv6' as const, internal: false });

test('resetPeer: the peer\'s routes leave at once, lastError says why, the session is started again', async () => {
  const clock = new FakeClock();
  const net = new MemoryNetwork();
  const make = (routerId: string, asn: number, ifaces: InterfaceTable) => new Speaker({ listen: false, clock, connector: net.connector(routerId), interfaces: () => ifaces, asn, routerId });
  const hv = make('10.255.0.10', 65010, { eth1: [v4('10.1.0.1'), v6('fe80::10')], eth2: [v4('10.2.0.1'), v6('fe80::10')] });
  const tors = [1, 2].map((n) => {
    const t = make(`10.255.0.${n}`, 65100, { hv: [v4(`10.${n}.0.0`), v6(`fe80::${n}`)] });
    t.addPeer({ id: 'hv', address: `10.${n}.0.1`, asn: 65010, passive: true, holdTime: 9 });
    net.listen(`10.${n}.0.0`, 179, (c) => t.acceptConnection(c));
    t.setAnnouncements([{ prefix: parsePrefix('0.0.0.0/0') }]);
    return t;
  });
  for (const n of [1, 2]) hv.addPeer({ id: `tor${n}`, address: `10.${n}.0.0`, asn: 65100, localAddress: `10.${n}.0.1`, interface: `eth${n}`, holdTime: 9, connectRetryTime: 1, families: ['ipv4'] });
  const fib: string[] = [];
  hv.on('route', (p, r) => fib.push(`${formatPrefix(p)} -> ${r === undefined ? 'none' : r.ecmp.map((h) => h.via).join(',')}`));
  await Promise.all([hv.start(), ...tors.map((t) => t.start())]);
  await until(() => hv.route('0.0.0.0/0')?.ecmp.length === 2, 'ECMP default over both ToRs');

  fib.length = 0;
  hv.resetPeer('tor1', { code: 'ERR_AGENT_UPLINK_CARRIER', message: 'uplink tor1 (eth1) lost carrier' });
  // no clock advance: nothing waits for a timer
  await until(() => hv.route('0.0.0.0/0')?.ecmp.length === 1, 'the default shrinks to tor2');
  assert.deepEqual(fib, ['0.0.0.0/0 -> 10.2.0.0']);
  assert.notEqual(hv.peer('tor1').state, 'established');
  assert.equal(hv.peer('tor1').lastError?.code, 'ERR_AGENT_UPLINK_CARRIER');
  assert.equal(hv.peer('tor2').state, 'established');

  // started again: back once the old connection is closed and the connect retry fires
  for (let i = 0; i < 20 && hv.route('0.0.0.0/0')?.ecmp.length !== 2; i++) await clock.advanceAsync(1000);
  await until(() => hv.route('0.0.0.0/0')?.ecmp.length === 2, 'tor1 back in the set');
  assert.equal(hv.peer('tor1').state, 'established');

  assert.throws(() => hv.resetPeer('tor9', { code: 'X', message: 'x' }), (e: Error & { code?: string }) => e.code === 'ERR_SPEAKER_UNKNOWN_PEER');
  await Promise.all([hv.stop(), ...tors.map((t) => t.stop())]);
});
