// FRR and BIRD started by the lab starters peer with each other (IPv4 session carrying IPv4 and
// IPv6 routes); each reports Established from its own CLI, routes cross with their attributes,
// stop/start and kill/start bring the session back, and cleanup leaves nothing behind.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { LabScope, veth, type Netns } from '../netns.js';
import { isRunning, run, waitFor } from '../proc.js';
import { birdConfig, startBird, type BirdRouter } from './bird.js';
import { frrConfig, startFrr, type FrrRouter } from './frr.js';

let scope: LabScope;
let a: Netns;
let b: Netns;
let frr: FrrRouter;
let bird: BirdRouter;

before(async () => {
  scope = await LabScope.create('rfb');
  a = await scope.netns('frr');
  b = await scope.netns('bird');
  await veth(a, 'eth0', b, 'eth0');
  await a.ip(['addr', 'add', '10.0.0.0/31', 'dev', 'eth0']);
  await b.ip(['addr', 'add', '10.0.0.1/31', 'dev', 'eth0']);
  await a.ip(['addr', 'add', 'fd00::a/64', 'dev', 'eth0', 'nodad']);
  await b.ip(['addr', 'add', 'fd00::b/64', 'dev', 'eth0', 'nodad']);
  frr = await startFrr(scope, a, {
    config: frrConfig({
      routerId: '10.0.0.0', asn: 4200000001, neighbors: [{ address: '10.0.0.1', asn: 65002 }],
      announce: ['0.0.0.0/0', '10.1.0.0/24', '2001:db8:1::/48'], communities: ['65001:100'], largeCommunities: ['4200000001:1:2'], med: 20, nextHop6: 'fd00::a',
    }),
    bfd: true,
  });
  bird = await startBird(scope, b, {
    config: birdConfig({ routerId: '10.0.0.1', asn: 65002, neighbors: [{ address: '10.0.0.0', asn: 4200000001 }], announce: ['10.2.0.0/24', '2001:db8:2::/48'], nextHop6: 'fd00::b' }),
  });
});
after(() => scope.cleanup());

test('FRR and BIRD reach Established, read back from vtysh and birdc', async () => {
  assert.match(frr.version, /^8\.4\./);
  assert.match(bird.version, /^2\.0\./);
  assert.equal(frr.pids().length, 3); // zebra, bfdd, bgpd
  await frr.waitEstablished('10.0.0.1', 20_000);
  await bird.waitEstablished('10.0.0.0', 20_000);
  assert.equal(await frr.peerState('10.0.0.1'), 'established');
  assert.equal(await bird.peerState('10.0.0.0'), 'established');
  assert.equal(await bird.protocolFor('10.0.0.0'), 'p0');
});

test('routes and attributes cross in both directions, IPv4 and IPv6', async () => {
  const v4 = await waitFor(async () => {
    const j = await frr.vtyshJson<{ routes?: Record<string, unknown> }>('show bgp ipv4 unicast json');
    return j.routes?.['10.2.0.0/24'] ? j : undefined;
  }, { timeoutMs: 10_000, what: 'FRR learns 10.2.0.0/24' });
  assert.ok(v4.routes?.['10.2.0.0/24']);
  await waitFor(async () => (await frr.vtysh('show bgp ipv6 unicast 2001:db8:2::/48')).includes('65002'), { timeoutMs: 10_000, what: 'FRR learns 2001:db8:2::/48' });
  const birdRoutes = await waitFor(async () => {
    const out = await bird.birdc('show route all');
    return out.includes('2001:db8:1::/48') && out.includes('0.0.0.0/0') ? out : undefined;
  }, { timeoutMs: 10_000, what: 'BIRD learns FRR routes' });
  assert.match(birdRoutes, /BGP\.community: \(65001,100\)/);
  assert.match(birdRoutes, /BGP\.large_community: \(4200000001, 1, 2\)/);
  assert.match(birdRoutes, /BGP\.med: 20/);
  assert.match(birdRoutes, /BGP\.next_hop: fd00::a/);
});

test('stop + start and kill + start bring the session back with the same config', async () => {
  const oldBgpd = frr.pidOf('bgpd');
  await frr.stop();
  assert.deepEqual(frr.pids(), []);
  assert.equal(isRunning(oldBgpd!), false);
  await waitFor(async () => (await bird.peerState('10.0.0.0')) !== 'established', { timeoutMs: 5000, what: 'BIRD sees FRR go' });
  await frr.start();
  await frr.waitEstablished('10.0.0.1', 20_000);

  const oldBird = bird.pids()[0]!;
  await bird.kill();
  assert.equal(isRunning(oldBird), false);
  assert.equal(await bird.peerState('10.0.0.0'), 'unknown');
  await bird.start();
  await bird.waitEstablished('10.0.0.0', 20_000);
  await frr.waitEstablished('10.0.0.1', 20_000);
});

test('a CLI error is a coded error', async () => {
  await assert.rejects(frr.vtysh('show no-such-thing'), { code: 'ERR_LAB_COMMAND' });
  await assert.rejects(bird.birdc('show no-such-thing'), { code: 'ERR_LAB_COMMAND' });
});

test('cleanup removes the daemons, namespaces and run directories', async () => {
  const pids = [...frr.pids(), ...bird.pids()];
  assert.equal(pids.length, 4);
  await scope.cleanup();
  for (const pid of pids) assert.equal(isRunning(pid), false, `pid ${pid} still running`);
  const list = (await run(['ip', 'netns', 'list'])).stdout;
  assert.ok(!list.includes(scope.prefix), list);
  assert.equal(existsSync(frr.runDir), false);
  assert.equal(existsSync(frr.dir), false);
});
