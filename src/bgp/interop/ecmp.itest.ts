// ECMP against real daemons: lagless between two ToRs of one rack (AS 65100), FRR on one uplink and
// BIRD on the other, each in its own namespace, both announcing the default routes with equal
// paths. lagless reports one ECMP set with both next hops (routes() and the FIB feed); a ToR that
// goes away (BIRD stopped: Cease; FRR killed: connection lost) shrinks the set, one that comes back
// grows it again.
//
//   frr  ns  eth0 10.0.1.0/31 fd00:1::a/64  ---  eth1 10.0.1.1/31 fd00:1::b/64  ll ns  (AS 4200000010)
//   bird ns  eth0 10.0.2.0/31 fd00:2::a/64  ---  eth2 10.0.2.1/31 fd00:2::b/64
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { LabScope, veth, type Netns } from '../../../lab/netns.js';
import { waitFor } from '../../../lab/proc.js';
import { birdConfig, startBird, type BirdRouter } from '../../../lab/routers/bird.js';
import { frrConfig, startFrr, type FrrRouter } from '../../../lab/routers/frr.js';
import type { BgpSpec } from '../../../lab/routers/spec.js';
import { SpeakerHost } from './host-client.js';
import type { HostEvent } from './host-client.js';
import { LAGLESS_ASN, LAGLESS_ID, PEER_ASN, hostConfig } from './interop-lab.js';

let scope: LabScope;
let ll: Netns;
let frr: FrrRouter;
let bird: BirdRouter;
let host: SpeakerHost;

const tor = (n: 1 | 2): BgpSpec => ({
  routerId: `10.255.0.${n}`,
  asn: PEER_ASN,
  neighbors: [{ address: `10.0.${n}.1`, asn: LAGLESS_ASN, localAddress: `10.0.${n}.0`, families: ['ipv4', 'ipv6'] }],
  announce: ['0.0.0.0/0', '::/0'],
  nextHop6: `fd00:${n}::a`,
});

before(async () => {
  scope = await LabScope.create('ioecmp');
  ll = await scope.netns('ll');
  const nss: Netns[] = [];
  for (const n of [1, 2] as const) {
    const ns = await scope.netns(n === 1 ? 'frr' : 'bird');
    nss.push(ns);
    await veth(ns, 'eth0', ll, `eth${n}`);
    await ns.ip(['addr', 'add', `10.0.${n}.0/31`, 'dev', 'eth0']);
    await ll.ip(['addr', 'add', `10.0.${n}.1/31`, 'dev', `eth${n}`]);
    await ns.ip(['addr', 'add', `fd00:${n}::a/64`, 'dev', 'eth0', 'nodad']);
    await ll.ip(['addr', 'add', `fd00:${n}::b/64`, 'dev', `eth${n}`, 'nodad']);
  }
  frr = await startFrr(scope, nss[0]!, { config: frrConfig(tor(1)) });
  // BIRD's static routes would go out with ORIGIN incomplete; FRR's `network` routes are IGP: equal paths need equal origins
  bird = await startBird(scope, nss[1]!, { config: birdConfig(tor(2)).replaceAll(' blackhole;', ' blackhole { bgp_origin = ORIGIN_IGP; };') });
  const uplink = (n: 1 | 2) => ({ id: `tor${n}`, address: `10.0.${n}.0`, asn: PEER_ASN, interface: `eth${n}`, holdTime: 9, keepaliveTime: 3, connectRetryTime: 2 });
  host = await SpeakerHost.start(ll, hostConfig([uplink(1), uplink(2)], { routerId: LAGLESS_ID }));
});
after(async () => {
  await host?.stop();
  await scope?.cleanup();
});

/** The last FIB event for a prefix after event index `from`, as "via,via" (sorted) or "none". */
function lastFib(prefix: string, from = 0): string | undefined {
  const e = host.events.slice(from).filter((x: HostEvent) => x.event === 'route' && x.prefix === prefix).at(-1);
  if (e === undefined) return undefined;
  const hops = e.ecmp as { via: string; dev?: string }[] | null;
  return hops === null ? 'none' : hops.map((h) => `${h.via}%${h.dev ?? ''}`).sort().join(',');
}

async function ecmpOf(prefix: string): Promise<string> {
  const r = await host.request('route', { prefix });
  return r === null ? 'none' : r.ecmp.map((h) => `${h.via}%${h.dev ?? ''}`).sort().join(',');
}

const BOTH4 = '10.0.1.0%eth1,10.0.2.0%eth2';

test('FRR and BIRD announce equal default routes: one ECMP set with both next hops', async () => {
  await host.waitPeerState('tor1', 'established', 20_000);
  await host.waitPeerState('tor2', 'established', 20_000);
  await waitFor(async () => (await ecmpOf('0.0.0.0/0')) === BOTH4, { timeoutMs: 20_000, intervalMs: 100, what: 'IPv4 ECMP of two' });
  const r4 = (await host.request('route', { prefix: '0.0.0.0/0' }))!;
  assert.deepEqual(r4.paths.map((p) => [p.source, p.asPath, p.origin, p.multipath]).sort(), [['tor1', '65100', 'igp', true], ['tor2', '65100', 'igp', true]]);
  assert.equal(r4.step, 'router-id');
  await waitFor(async () => (await host.request('route', { prefix: '::/0' }))?.ecmp.length === 2, { timeoutMs: 20_000, intervalMs: 100, what: 'IPv6 ECMP of two' });
  const r6 = (await host.request('route', { prefix: '::/0' }))!;
  // IPv6 next hops: each ToR's link-local on our interface towards it (RFC 2545; FRR and BIRD both send one)
  assert.deepEqual(r6.ecmp.map((h) => h.dev).sort(), ['eth1', 'eth2']);
  assert.equal(lastFib('0.0.0.0/0'), BOTH4);
  assert.equal(lastFib('::/0')?.split(',').length, 2);
});

test('a ToR goes away and the set shrinks; it comes back and the set grows again', async () => {
  let mark = host.events.length;
  await bird.stop(); // orderly: BIRD sends Cease
  await waitFor(() => lastFib('0.0.0.0/0', mark) === '10.0.1.0%eth1', { timeoutMs: 20_000, what: 'the set shrinks to FRR' });
  assert.equal(await ecmpOf('0.0.0.0/0'), '10.0.1.0%eth1');
  assert.equal((await host.request('route', { prefix: '::/0' }))?.ecmp.length, 1);
  assert.equal((await host.peer('tor2')).reason, 'notification-received');

  mark = host.events.length;
  await bird.start();
  await waitFor(() => lastFib('0.0.0.0/0', mark) === BOTH4, { timeoutMs: 30_000, what: 'the set grows again' });

  mark = host.events.length;
  await frr.kill(); // no NOTIFICATION: the connection drops
  await waitFor(() => lastFib('0.0.0.0/0', mark) === '10.0.2.0%eth2', { timeoutMs: 20_000, what: 'the set shrinks to BIRD' });
  assert.equal(await ecmpOf('0.0.0.0/0'), '10.0.2.0%eth2');
  const p = await host.peer('tor1');
  assert.notEqual(p.state, 'established');
});
