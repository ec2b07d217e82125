// A BgpSession against real FRR and BIRD in namespaces: Established (4-octet ASN, IPv4 + IPv6
// unicast), the routers' UPDATEs and End-of-RIB decoded, our UPDATE installed in the router's RIB,
// and a stop that the router sees as a Cease. (The speaker's interop tests go further.)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { LabScope, veth } from '../../../lab/netns.js';
import type { Netns } from '../../../lab/netns.js';
import { waitFor } from '../../../lab/proc.js';
import { birdConfig, startBird } from '../../../lab/routers/bird.js';
import type { BirdRouter } from '../../../lab/routers/bird.js';
import { frrConfig, startFrr } from '../../../lab/routers/frr.js';
import type { FrrRouter } from '../../../lab/routers/frr.js';
import type { BgpSessionOptions } from './session.js';

interface Child {
  readonly proc: ChildProcess;
  readonly events: Record<string, any>[];
  send(cmd: object): void;
  of(event: string): Record<string, any>[];
  dump(): string;
}

const CHILD = new URL('./peer-child.ts', import.meta.url).pathname;

function startChild(ns: Netns, session: BgpSessionOptions, listen: string): Child {
  const proc = ns.spawn([process.execPath, '--import', 'tsx', CHILD, JSON.stringify({ session, listen: [listen] })], {
    stdio: ['pipe', 'pipe', 'inherit'],
    label: `bgp session to ${session.peerAddress}`,
  });
  const events: Record<string, any>[] = [];
  createInterface({ input: proc.stdout! }).on('line', (l) => events.push(JSON.parse(l) as Record<string, any>));
  return {
    proc,
    events,
    send: (cmd) => proc.stdin!.write(`${JSON.stringify(cmd)}\n`),
    of: (event) => events.filter((e) => e.event === event),
    dump: () => events.map((e) => JSON.stringify(e)).join('\n'),
  };
}

let scope: LabScope;
let me: Netns;
let frr: FrrRouter;
let bird: BirdRouter;

before(async () => {
  scope = await LabScope.create('bgpinter');
  me = await scope.netns('me');
  const f = await scope.netns('frr');
  const b = await scope.netns('bird');
  await veth(me, 'eth0', f, 'eth0');
  await veth(me, 'eth1', b, 'eth0');
  await me.ip(['addr', 'add', '10.0.1.0/31', 'dev', 'eth0']);
  await f.ip(['addr', 'add', '10.0.1.1/31', 'dev', 'eth0']);
  await me.ip(['addr', 'add', '10.0.2.0/31', 'dev', 'eth1']);
  await b.ip(['addr', 'add', '10.0.2.1/31', 'dev', 'eth0']);
  await f.ip(['addr', 'add', 'fd00:1::1/64', 'dev', 'eth0', 'nodad']);
  await b.ip(['addr', 'add', 'fd00:2::1/64', 'dev', 'eth0', 'nodad']);
  frr = await startFrr(scope, f, {
    config: frrConfig({ routerId: '10.0.1.1', asn: 65010, neighbors: [{ address: '10.0.1.0', asn: 4200000001 }], announce: ['0.0.0.0/0', '2001:db8:1::/48'], nextHop6: 'fd00:1::1' }),
  });
  bird = await startBird(scope, b, {
    config: birdConfig({ routerId: '10.0.2.1', asn: 65020, neighbors: [{ address: '10.0.2.0', asn: 4200000001 }], announce: ['0.0.0.0/0', '2001:db8:2::/48'], nextHop6: 'fd00:2::1' }),
  });
});
after(() => scope.cleanup());

const ours = (nextHop: string) => ({
  type: 'update',
  withdrawn: [],
  attributes: { origin: 0, asPath: [{ type: 'sequence', asns: [4200000001] }], nextHop },
  nlri: [{ afi: 1, addr: 0x0a090001, len: 32 }],
});

async function exercise(
  name: string,
  peerAddress: string,
  localAddress: string,
  peerAs: number,
  routerKnows: () => Promise<boolean>,
  routerDown: () => Promise<boolean>,
): Promise<void> {
  // graceful-restart advertised: routers send End-of-RIB only to a peer that has it (RFC 4724)
  const c = startChild(me, { localAs: 4200000001, routerId: localAddress, peerAs, peerAddress, localAddress, holdTime: 9, gracefulRestart: { restartTime: 120 } }, localAddress);
  try {
    await waitFor(() => c.of('established').length > 0, { timeoutMs: 30_000, what: `${name} established` });
    const n = c.of('established')[0]!.negotiated;
    assert.equal(n.peerAs, peerAs);
    assert.equal(n.fourOctetAs, true);
    assert.deepEqual(n.families, ['1/1', '2/1']);
    assert.equal(n.routeRefresh, true);
    assert.ok(n.peerGracefulRestart, 'the router\'s graceful-restart capability is recorded');
    assert.equal(n.localGracefulRestart, true);
    // the router's routes: a default route and an IPv6 /48, then End-of-RIB
    await waitFor(() => {
      const u = c.of('update').map((e) => e.update);
      const v4 = u.some((x) => x.nlri.some((p: any) => p.addr === 0 && p.len === 0));
      const v6 = u.some((x) => x.attributes.mpReach?.nlri.some((p: any) => p.len === 48));
      return v4 && v6;
    }, { timeoutMs: 15_000, what: `${name} routes` });
    await waitFor(() => c.of('end-of-rib').some((e) => e.afi === 1), { timeoutMs: 15_000, what: `${name} IPv4 End-of-RIB` });
    c.send({ cmd: 'send', update: ours(localAddress) });
    await waitFor(routerKnows, { timeoutMs: 15_000, what: `${name} learns 10.9.0.1/32` });
    c.send({ cmd: 'stop', message: 'interop test done' });
    await waitFor(() => c.of('stopped').length === 1, { timeoutMs: 10_000, what: 'stopped' });
    assert.equal(c.of('down')[0]?.info.reason, 'admin-stop');
    await waitFor(routerDown, { timeoutMs: 10_000, what: `${name} sees the session down` });
    assert.equal(c.of('log').filter((e) => e.level !== 'info').length, 0, 'no warnings or errors logged');
  } catch (e) {
    console.error(c.dump());
    throw e;
  }
}

test('FRR: Established, its routes and End-of-RIB arrive, ours is installed, stop is a Cease', async () => {
  await exercise(
    'FRR',
    '10.0.1.1',
    '10.0.1.0',
    65010,
    async () => {
      const j = await frr.vtyshJson<{ routes?: Record<string, unknown> }>('show bgp ipv4 unicast json');
      return j.routes?.['10.9.0.1/32'] !== undefined;
    },
    async () => (await frr.vtysh('show bgp neighbors 10.0.1.0')).includes('Cease/Administrative Shutdown'),
  );
});

test('BIRD: Established, its routes and End-of-RIB arrive, ours is installed, stop is a Cease', async () => {
  await exercise(
    'BIRD',
    '10.0.2.1',
    '10.0.2.0',
    65020,
    async () => (await bird.birdc('show route 10.9.0.1/32')).includes('10.9.0.1/32'),
    async () => /Administrative shutdown/i.test(await bird.birdc(`show protocols all ${await bird.protocolFor('10.0.2.0')}`)),
  );
});
