// GoBGP and ExaBGP started by the lab starters peer with each other; each reports Established
// (gobgp CLI, ExaBGP's API messages), routes given at start and sent at run time through the ExaBGP
// API (including a raw attribute) reach GoBGP, a teardown is seen, restarts work, and cleanup leaves
// nothing behind.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { LabScope, veth, type Netns } from '../netns.js';
import { isRunning, run, waitFor } from '../proc.js';
import { exabgpConfig, startExabgp, type ExabgpRouter } from './exabgp.js';
import { gobgpFromSpec, startGobgp, type GobgpRouter } from './gobgp.js';

let scope: LabScope;
let a: Netns;
let b: Netns;
let gobgp: GobgpRouter;
let exa: ExabgpRouter;

interface RibPath { attrs: { type: number; flags?: number; value?: unknown; nexthop?: string; metric?: number }[] }
type Rib = Record<string, RibPath[]>;

before(async () => {
  scope = await LabScope.create('rge');
  a = await scope.netns('gobgp');
  b = await scope.netns('exabgp');
  await veth(a, 'eth0', b, 'eth0');
  await a.ip(['addr', 'add', '10.0.0.0/31', 'dev', 'eth0']);
  await b.ip(['addr', 'add', '10.0.0.1/31', 'dev', 'eth0']);
  await a.ip(['addr', 'add', 'fd00::a/64', 'dev', 'eth0', 'nodad']);
  await b.ip(['addr', 'add', 'fd00::b/64', 'dev', 'eth0', 'nodad']);
  gobgp = await startGobgp(scope, a, {
    ...gobgpFromSpec({ routerId: '10.0.0.0', asn: 4200000003, neighbors: [{ address: '10.0.0.1', asn: 65004 }], announce: ['10.3.0.0/24', '2001:db8:3::/48'], communities: ['65003:1'], med: 30, nextHop6: 'fd00::a' }),
    apiPort: 50061,
  });
  exa = await startExabgp(scope, b, {
    config: exabgpConfig({ routerId: '10.0.0.1', asn: 65004, neighbors: [{ address: '10.0.0.0', asn: 4200000003, localAddress: '10.0.0.1' }], announce: ['0.0.0.0/0', '10.4.0.0/24', '2001:db8:4::/48'], nextHop6: 'fd00::b', largeCommunities: ['65004:1:2'] }),
  });
});
after(() => scope.cleanup());

const rib = (fam: 'ipv4' | 'ipv6') => gobgp.cliJson<Rib>(['global', 'rib', '-a', fam]);

test('GoBGP and ExaBGP reach Established, read back from the gobgp CLI and the ExaBGP API', async () => {
  assert.equal(gobgp.version, '3.10.0');
  assert.match(exa.version, /^4\.2\./);
  await gobgp.waitEstablished('10.0.0.1', 20_000);
  await exa.waitEstablished('10.0.0.0', 20_000);
});

test('routes from the config and from the API reach GoBGP; ExaBGP reports what it receives', async () => {
  await waitFor(async () => {
    const [r4, r6] = [await rib('ipv4'), await rib('ipv6')];
    return r4['0.0.0.0/0'] && r4['10.4.0.0/24'] && r6['2001:db8:4::/48'];
  }, { timeoutMs: 10_000, what: 'GoBGP learns the static routes' });
  const r6 = await rib('ipv6');
  assert.ok(r6['2001:db8:4::/48']?.[0]?.attrs.some((x) => x.type === 3 || x.type === 14));
  // an optional transitive attribute of an unknown type, given raw
  await exa.api('announce route 10.4.1.0/24 next-hop self attribute [ 0xf0 0xc0 0x01020304 ]');
  const path = await waitFor(async () => (await rib('ipv4'))['10.4.1.0/24']?.[0], { timeoutMs: 10_000, what: '10.4.1.0/24 with raw attribute' });
  const raw = path.attrs.find((x) => x.type === 240);
  assert.ok(raw, JSON.stringify(path));
  assert.equal(raw.flags, 0xc0);
  assert.equal(raw.value, Buffer.from([1, 2, 3, 4]).toString('base64'));
  // a malformed attribute (MED of 5 octets): GoBGP treats the UPDATE as a withdraw, the session stays
  await exa.api('announce route 10.4.3.0/24 next-hop self attribute [ 0x04 0x80 0x0000000a0b ]');
  await exa.api('announce route 10.4.4.0/24 next-hop self');
  await waitFor(async () => (await rib('ipv4'))['10.4.4.0/24'], { timeoutMs: 10_000, what: 'the route after the malformed one' });
  assert.equal((await rib('ipv4'))['10.4.3.0/24'], undefined);
  assert.equal(await gobgp.peerState('10.0.0.1'), 'established');
  await exa.api('withdraw route 10.4.1.0/24 next-hop self');
  await waitFor(async () => (await rib('ipv4'))['10.4.1.0/24'] === undefined, { timeoutMs: 10_000, what: 'withdraw reaches GoBGP' });
  // ExaBGP's parsed view of GoBGP's update
  await waitFor(() => exa.events().some((e) => e.type === 'update' && JSON.stringify(e).includes('10.3.0.0/24')), { timeoutMs: 10_000, what: 'ExaBGP reports 10.3.0.0/24' });
});

test('an ExaBGP teardown sends a Cease that GoBGP records; the session comes back', async () => {
  await exa.api('neighbor 10.0.0.0 teardown 2');
  await waitFor(async () => (await gobgp.peerState('10.0.0.1')) !== 'established', { timeoutMs: 5000, what: 'GoBGP sees the teardown' });
  const nbr = await gobgp.cliJson<{ state?: { messages?: { received?: { notification?: number } } } }>(['neighbor', '10.0.0.1']);
  assert.ok((nbr.state?.messages?.received?.notification ?? 0) >= 1, JSON.stringify(nbr.state?.messages));
  await gobgp.waitEstablished('10.0.0.1', 20_000);
});

test('stop + start and kill + start bring the session back with the same config', async () => {
  await gobgp.stop();
  assert.deepEqual(gobgp.pids(), []);
  await gobgp.start();
  await gobgp.waitEstablished('10.0.0.1', 20_000);
  await waitFor(async () => (await rib('ipv4'))['10.3.0.0/24'], { timeoutMs: 5000, what: 'routes re-added after start' });

  const old = exa.pids()[0]!;
  await exa.kill();
  assert.equal(isRunning(old), false);
  await exa.start();
  await exa.waitEstablished('10.0.0.0', 30_000);
  await exa.api('announce route 10.4.2.0/24 next-hop self');
  await waitFor(async () => (await rib('ipv4'))['10.4.2.0/24'], { timeoutMs: 10_000, what: 'API works after restart' });
});

test('cleanup removes the daemons (and the API helper) and the namespaces', async () => {
  const pids = [...gobgp.pids(), ...exa.pids(), ...(await b.pids())];
  assert.ok(pids.length >= 3, `pids ${pids}`); // gobgpd, exabgp, its API helper
  await scope.cleanup();
  for (const pid of pids) assert.equal(isRunning(pid), false, `pid ${pid} still running`);
  assert.ok(!(await run(['ip', 'netns', 'list'])).stdout.includes(scope.prefix));
});
