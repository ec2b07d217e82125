// The Linux dataplane in network namespaces: a "hypervisor" namespace wired by a real Dataplane
// (ip, nft, /proc/sys inside the namespace) and VM namespaces on veth pairs whose hypervisor ends
// are named like Nova taps. The VM side is configured as a guest would be: its address with the
// subnet's prefix and a default route via the gateway; IPv6 like a guest that got an off-link
// prefix in the RA (address /64 with noprefixroute) and fe80::1 as its router.
//
// Also here: foreign state in the hypervisor namespace (routes of other protocols, an nft table,
// sysctls of other interfaces, an address on lo without lagless's label, a permanent neighbour on
// another interface, a tap-named interface that is no port) that must stay exactly as it was.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { LabScope, veth, type Netns } from '../../lab/netns.js';
import { waitFor } from '../../lab/proc.js';
import { createLinuxDataplane, CountingRunner, ExecRunner, type Dataplane, type PortStatus } from './index.js';
import { MemoryLogger } from './logger.js';
import { tapNameForPort, type PortSpec } from './port.js';

const PROTO = '201';
const portA = 'a0a0a0a0-1111-4222-8333-00000000000a';
const portB = 'b0b0b0b0-1111-4222-8333-00000000000b';
const portC = 'c0c0c0c0-1111-4222-8333-00000000000c';
const tapA = tapNameForPort(portA);
const tapB = tapNameForPort(portB);
const tapC = tapNameForPort(portC);
const macA = '02:00:00:00:00:0a';
const macB = '02:00:00:00:00:0b';
const macC = '02:00:00:00:00:0c';
const FOREIGN_TAP = 'tapdeadbeef-00';

const port = (id: string, tap: string, mac: string, n: number): PortSpec => ({
  id,
  tap,
  mac,
  fixedIps: [
    { address: `10.0.0.${n}`, prefixLen: 24, gateway: '10.0.0.1' },
    { address: `2001:db8::${n.toString(16)}`, prefixLen: 64, gateway: 'fe80::1' },
  ],
  allowedAddressPairs: [],
  mtu: 1450,
  portSecurity: true,
});
const specA = port(portA, tapA, macA, 10);
const specB = port(portB, tapB, macB, 20);
const specC = port(portC, tapC, macC, 30);

let scope: LabScope;
let hv: Netns;
let vmA: Netns;
let vmB: Netns;
let vmC: Netns;
let tor: Netns;
let dp: Dataplane | undefined;
let runner: CountingRunner;
const log = new MemoryLogger();
const events: string[] = [];
let foreignBefore: string;

async function guest(ns: Netns, n: number): Promise<void> {
  await ns.ip(['addr', 'add', `10.0.0.${n}/24`, 'dev', 'eth0']);
  await ns.ip(['route', 'add', 'default', 'via', '10.0.0.1']);
  await ns.ip(['-6', 'addr', 'add', `2001:db8::${n.toString(16)}/64`, 'dev', 'eth0', 'nodad', 'noprefixroute']);
  await ns.ip(['-6', 'route', 'add', 'default', 'via', 'fe80::1', 'dev', 'eth0']);
}

async function vmNamespace(name: string): Promise<Netns> {
  const ns = await scope.netns(name);
  // a guest's link-local is usable at once (no 1 s DAD wait in the test)
  await ns.run(['sysctl', '-qw', 'net.ipv6.conf.default.accept_dad=0', 'net.ipv6.conf.all.accept_dad=0']);
  return ns;
}

/** Everything foreign in the hypervisor namespace, as text: must not change. */
async function foreignState(): Promise<string> {
  const parts = await Promise.all([
    hv.ip(['-json', 'route', 'show', 'table', 'main', 'proto', 'static']),
    hv.ip(['-json', 'route', 'show', 'table', 'main', 'proto', 'bird']),
    hv.ip(['-json', '-6', 'route', 'show', 'table', 'main', 'proto', 'static']),
    hv.ip(['-json', 'neigh', 'show', 'dev', 'eth9', 'nud', 'permanent']),
    hv.ip(['-json', 'link', 'show', 'dev', FOREIGN_TAP]),
    hv.run(['nft', 'list', 'table', 'inet', 'foreign']),
    hv.run(['sysctl', 'net.ipv4.conf.eth9.proxy_arp', 'net.ipv4.conf.eth9.rp_filter', 'net.ipv4.neigh.eth9.proxy_delay', 'net.ipv6.conf.eth9.accept_ra',
      `net.ipv4.conf.${FOREIGN_TAP}.proxy_arp`, `net.ipv4.neigh.${FOREIGN_TAP}.proxy_delay`, 'net.ipv4.tcp_keepalive_time']),
  ]);
  const lo = JSON.parse(await hv.ip(['-json', 'addr', 'show', 'dev', 'lo'])) as { addr_info: { local: string; label?: string }[] }[];
  const foreignLo = lo.flatMap((l) => l.addr_info).filter((a) => a.label !== 'lo:lagless').map((a) => a.local).sort();
  return [...parts, foreignLo.join(',')].join('\n');
}

async function sysctl(ns: Netns, key: string): Promise<string> {
  return (await ns.run(['sysctl', '-n', key])).trim();
}

async function routeExists(dst: string, family: '-4' | '-6'): Promise<boolean> {
  const out = JSON.parse(await hv.ip(['-json', family, 'route', 'show', 'table', 'main', 'proto', PROTO, 'exact', dst])) as unknown[];
  return out.length > 0;
}

function newDataplane(sweepIntervalMs: number): Dataplane {
  runner = new CountingRunner(new ExecRunner({ netns: hv.name }));
  const d = createLinuxDataplane({ runner, logger: log, sweepIntervalMs });
  d.on('port-wired', (s: PortStatus) => events.push(`wired ${s.id.slice(0, 1)}`));
  d.on('port-unwired', (s) => events.push(`unwired ${s.id.slice(0, 1)}`));
  return d;
}

before(async () => {
  scope = await LabScope.create('dp');
  hv = await scope.netns('hv');
  vmA = await vmNamespace('vma');
  vmB = await vmNamespace('vmb');
  vmC = await vmNamespace('vmc');
  tor = await scope.netns('tor');
  await veth(hv, tapA, vmA, 'eth0', { bMac: macA });
  await veth(hv, tapB, vmB, 'eth0', { bMac: macB });
  await guest(vmA, 10);
  await guest(vmB, 20);
  // uplinks for learned routes (unnumbered: next hops are the ToR's link-local addresses)
  await veth(hv, 'up1', tor, 'd1');
  await veth(hv, 'up2', tor, 'd2');
  // foreign state
  await veth(hv, 'eth9', hv, 'eth9p');
  await veth(hv, FOREIGN_TAP, hv, 'xpeer0');
  await hv.ip(['addr', 'add', '192.0.2.1/24', 'dev', 'eth9']);
  await hv.ip(['route', 'add', '198.51.100.0/24', 'via', '192.0.2.2', 'proto', 'static']);
  await hv.ip(['route', 'add', '203.0.113.0/24', 'via', '192.0.2.3', 'proto', 'bird', 'metric', '20']);
  await hv.ip(['route', 'add', '10.0.0.99/32', 'via', '192.0.2.4', 'proto', 'static', 'metric', '20']); // inside the VM subnet
  await hv.ip(['-6', 'route', 'add', '2001:db8:99::/48', 'dev', 'eth9', 'proto', 'static']);
  await hv.ip(['neigh', 'add', '192.0.2.50', 'lladdr', '02:99:00:00:00:50', 'dev', 'eth9', 'nud', 'permanent']);
  await hv.ip(['addr', 'add', '192.0.2.100/32', 'dev', 'lo']);
  await hv.run(['nft', '-f', '-'], { input: 'table inet foreign {\n chain input { type filter hook input priority 10; policy accept; tcp dport 9 counter; }\n}\n' });
  await hv.run(['sysctl', '-qw', 'net.ipv4.conf.eth9.proxy_arp=1', 'net.ipv4.conf.eth9.rp_filter=2', 'net.ipv4.neigh.eth9.proxy_delay=33', 'net.ipv6.conf.eth9.accept_ra=2', 'net.ipv4.tcp_keepalive_time=1234']);
  foreignBefore = await foreignState();
});

after(async () => {
  await dp?.stop();
  await scope?.cleanup();
});

test('wires two VM taps: A pings B over IPv4 and IPv6 through the hypervisor, never learning B\'s MAC', async () => {
  dp = newDataplane(0);
  await dp.start();
  dp.setPorts([specA, specB, specC]);
  dp.markInSync();
  const r = await dp.flush();
  assert.deepEqual(r.failed, []);
  assert.equal(r.firewall, 'applied');
  assert.deepEqual(events, ['wired a', 'wired b']);
  assert.equal(dp.portStatus(portC)?.state, 'pending-tap');
  console.log(`# cold wire of 2 ports: ${r.ops} ops in ${r.commands} commands, ${r.durationMs.toFixed(1)} ms`);

  await vmA.run(['ping', '-c', '2', '-i', '0.2', '-W', '2', '10.0.0.20']);
  await vmA.run(['ping', '-c', '2', '-i', '0.2', '-W', '2', '2001:db8::14']);
  await vmB.run(['ping', '-c', '1', '-W', '2', '10.0.0.10']);

  const hvMacA = (JSON.parse(await hv.ip(['-json', 'link', 'show', 'dev', tapA])) as { address: string }[])[0]?.address;
  assert.ok(hvMacA);
  const neigh = JSON.parse(await vmA.ip(['-json', 'neigh', 'show', 'dev', 'eth0'])) as { dst: string; lladdr?: string }[];
  const mac = (dst: string) => neigh.find((n) => n.dst === dst)?.lladdr;
  assert.equal(mac('10.0.0.20'), hvMacA, 'B\'s IPv4 address resolves to the hypervisor (proxy ARP)');
  assert.equal(mac('fe80::1'), hvMacA, 'the IPv6 router is the hypervisor');
  assert.ok(!neigh.some((n) => n.lladdr === macB), 'VM A never learns VM B\'s MAC');

  // the gateway resolves to the hypervisor too
  await vmA.exec(['ping', '-c', '1', '-W', '1', '10.0.0.1']); // the host drops it (host protection); ARP still resolves
  const neigh2 = JSON.parse(await vmA.ip(['-json', 'neigh', 'show', 'dev', 'eth0'])) as { dst: string; lladdr?: string }[];
  assert.equal(neigh2.find((n) => n.dst === '10.0.0.1')?.lladdr, hvMacA);
  assert.equal(await sysctl(hv, `net.ipv4.neigh.${tapA}.proxy_delay`), '0');
  assert.equal(JSON.parse(await hv.ip(['-json', 'link', 'show', 'dev', tapA]))[0]?.mtu, 1450);
});

async function firstPacketRtts(): Promise<number[]> {
  const rtts: number[] = [];
  for (let i = 0; i < 5; i++) {
    await vmA.ip(['neigh', 'flush', 'dev', 'eth0']);
    const out = await vmA.run(['ping', '-c', '1', '-W', '3', '10.0.0.20']);
    const m = /time=([\d.]+) ms/.exec(out);
    assert.ok(m?.[1], out);
    rtts.push(Number(m[1]));
  }
  return rtts.sort((a, b) => a - b);
}

test('first-packet latency: a fresh neighbour table costs no proxy-ARP delay', async () => {
  assert.ok(dp);
  const wired = await firstPacketRtts();
  assert.equal(await sysctl(hv, `net.ipv4.neigh.${tapA}.proxy_delay`), '0');
  // the same with the kernel's default proxy_delay on A's tap (this dataplane has no periodic sweep)
  await hv.run(['sysctl', '-qw', `net.ipv4.neigh.${tapA}.proxy_delay=80`]);
  const withDefault = await firstPacketRtts();
  await dp.sweep();
  assert.equal(await sysctl(hv, `net.ipv4.neigh.${tapA}.proxy_delay`), '0', 'the sweep restored it');
  const fmt = (r: number[]) => `min ${r[0]} / median ${r[2]} / max ${r[4]} ms`;
  console.log(`# first-packet RTT after a neighbour flush, 5 runs: proxy_delay=0 (lagless): ${fmt(wired)}; kernel default proxy_delay=80: ${fmt(withDefault)}`);
});

test('a tap that appears later is wired from its link event', async () => {
  assert.ok(dp);
  const wired = new Promise<number>((resolve) => dp?.once('port-wired', () => resolve(performance.now())));
  const t0 = performance.now();
  await veth(hv, tapC, vmC, 'eth0', { bMac: macC });
  const t1 = await wired;
  console.log(`# tap appeared -> port-wired: ${(t1 - t0).toFixed(1)} ms (from the creating command's start)`);
  await guest(vmC, 30);
  await vmC.run(['ping', '-c', '1', '-W', '2', '10.0.0.10']);
  assert.equal(dp.portStatus(portC)?.state, 'wired');
});

test('drift: lagless\'s route, neighbour entry, gateway, a tap set down come back within 1 s (monitor events, no sweep)', async () => {
  const t0 = performance.now();
  await hv.ip(['route', 'del', '10.0.0.20/32', 'proto', PROTO, 'metric', '20']);
  await hv.ip(['-6', 'route', 'del', '2001:db8::14/128', 'proto', PROTO, 'metric', '20']);
  await hv.ip(['neigh', 'del', '10.0.0.20', 'dev', tapB]);
  await hv.ip(['addr', 'del', '10.0.0.1/32', 'dev', 'lo']);
  await waitFor(async () => (await routeExists('10.0.0.20/32', '-4')) && (await routeExists('2001:db8::14/128', '-6')), { timeoutMs: 1000, intervalMs: 10, what: 'routes restored' });
  const restored = performance.now() - t0;
  await waitFor(async () => (await hv.ip(['neigh', 'show', '10.0.0.20', 'dev', tapB])).includes('PERMANENT'), { timeoutMs: 1000, intervalMs: 10, what: 'neighbour restored' });
  await waitFor(async () => (await hv.ip(['addr', 'show', 'dev', 'lo'])).includes('10.0.0.1/32'), { timeoutMs: 1000, intervalMs: 10, what: 'gateway restored' });
  console.log(`# routes deleted by hand restored after ${restored.toFixed(1)} ms`);
  // a route of ours changed by hand (same protocol, another interface): its event shows the change
  await hv.ip(['route', 'replace', '10.0.0.20/32', 'dev', tapA, 'proto', PROTO, 'metric', '20']);
  await waitFor(async () => (await hv.ip(['route', 'show', '10.0.0.20/32', 'proto', PROTO])).includes(tapB), { timeoutMs: 1000, intervalMs: 10, what: 'changed route repaired' });
  await vmA.run(['ping', '-c', '1', '-W', '2', '10.0.0.20']);

  // a tap set down by hand: the kernel drops its IPv4 routes without a route event, and its
  // neighbour entries and fe80::1; its link event brings it up again with all of them
  const t1 = performance.now();
  await hv.ip(['link', 'set', tapB, 'down']);
  await waitFor(
    async () => {
      const link = JSON.parse(await hv.ip(['-json', 'link', 'show', 'dev', tapB])) as { flags: string[] }[];
      return (
        link[0]?.flags.includes('UP') === true &&
        (await routeExists('10.0.0.20/32', '-4')) &&
        (await routeExists('2001:db8::14/128', '-6')) &&
        (await hv.ip(['-6', 'addr', 'show', 'dev', tapB])).includes('fe80::1/64') &&
        (await hv.ip(['neigh', 'show', '10.0.0.20', 'dev', tapB])).includes('PERMANENT')
      );
    },
    { timeoutMs: 1000, intervalMs: 10, what: 'tap up again with routes, neighbours and fe80::1' },
  );
  console.log(`# tap set down by hand: up and rewired after ${(performance.now() - t1).toFixed(1)} ms`);
  await vmA.run(['ping', '-c', '1', '-W', '2', '10.0.0.20']);
  await vmA.run(['ping', '-c', '1', '-W', '2', '2001:db8::14']);
});

test('learned ECMP routes: IPv4 via IPv6 link-local next hops, one prefix changed without touching another, withdrawn', async () => {
  assert.ok(dp);
  const ll = async (dev: string) => {
    const a = JSON.parse(await tor.ip(['-json', '-6', 'addr', 'show', 'dev', dev, 'scope', 'link'])) as { addr_info: { local: string }[] }[];
    const v = a[0]?.addr_info[0]?.local;
    assert.ok(v);
    return v;
  };
  const nh1 = { via: await ll('d1'), dev: 'up1' };
  const nh2 = { via: await ll('d2'), dev: 'up2' };
  dp.setRoute('198.18.0.0/15', [nh1, nh2]);
  dp.setRoute('2001:db8:f00::/48', [nh1, nh2]);
  dp.setRoute('100.64.0.0/10', [nh1]);
  const r = await dp.flush();
  assert.deepEqual(r.failed, []);
  const shown = JSON.parse(await hv.ip(['-json', 'route', 'show', '198.18.0.0/15', 'proto', PROTO])) as { nexthops?: { via: { family: string; host: string }; dev: string }[] }[];
  const hops = (shown[0]?.nexthops ?? []).map((h) => [h.via.family, h.via.host, h.dev]).sort((a, b) => ((a[2] ?? '') < (b[2] ?? '') ? -1 : 1));
  assert.deepEqual(hops, [['inet6', nh1.via, 'up1'], ['inet6', nh2.via, 'up2']]);
  const v6 = JSON.parse(await hv.ip(['-json', '-6', 'route', 'show', '2001:db8:f00::/48', 'proto', PROTO])) as { nexthops?: unknown[] }[];
  assert.equal(v6[0]?.nexthops?.length, 2);

  runner.reset();
  dp.setRoute('198.18.0.0/15', [nh2]);
  const r2 = await dp.flush();
  assert.equal(r2.ops, 1, 'only the changed prefix');
  assert.equal(r2.replaced, 1);
  const batch = runner.log.filter((l) => l.purpose === 'write');
  assert.deepEqual(batch.map((l) => [l.argv.join(' '), l.inputLines]), [['ip -force -batch -', 1]]);
  assert.ok(await routeExists('100.64.0.0/10', '-4'));

  dp.setRoute('198.18.0.0/15', undefined);
  dp.setRoute('2001:db8:f00::/48', undefined);
  dp.setRoute('100.64.0.0/10', undefined);
  await dp.flush();
  assert.ok(!(await routeExists('198.18.0.0/15', '-4')));
  assert.ok(!(await routeExists('2001:db8:f00::/48', '-6')));
  // a learned route whose place a foreign route holds is refused with a code, the foreign one stays
  dp.setRoute('10.0.0.99/32', [nh1]);
  const r3 = await dp.flush();
  assert.deepEqual(r3.failed.map((f) => f.code), ['ERR_DP_ROUTE_FOREIGN']);
  assert.ok(log.codes().includes('ERR_DP_ROUTE_FOREIGN'));
  dp.setRoute('10.0.0.99/32', undefined);
  await dp.flush();
});

test('a removed port is unwired completely', async () => {
  assert.ok(dp);
  events.length = 0;
  dp.setPorts([specA, specB]);
  await dp.flush();
  assert.deepEqual(events, ['unwired c']);
  assert.ok(!(await routeExists('10.0.0.30/32', '-4')));
  assert.ok(!(await routeExists('2001:db8::1e/128', '-6')));
  assert.equal((await hv.ip(['neigh', 'show', 'dev', tapC, 'nud', 'permanent'])).trim(), '');
  assert.ok(!(await hv.ip(['-6', 'addr', 'show', 'dev', tapC])).includes('fe80::1/64'));
  assert.equal(JSON.parse(await hv.ip(['-json', 'link', 'show', 'dev', tapC]))[0]?.ifalias, undefined);
  // back to what an interface lagless never touched has (a netns has no net.ipv4.neigh.default)
  for (const key of ['net.ipv4.conf.%.proxy_arp', 'net.ipv4.neigh.%.proxy_delay', 'net.ipv4.conf.%.rp_filter', 'net.ipv6.conf.%.accept_ra']) {
    assert.equal(await sysctl(hv, key.replace('%', tapC)), await sysctl(hv, key.replace('%', 'xpeer0')), key);
  }
  assert.equal((await vmC.exec(['ping', '-c', '1', '-W', '1', '10.0.0.10'])).code !== 0, true);
});

test('restart: a new dataplane over existing state runs no write command; its periodic sweep repairs a sysctl', async () => {
  assert.ok(dp);
  await dp.stop();
  events.length = 0;
  dp = newDataplane(300);
  await dp.start();
  dp.setPorts([specA, specB]);
  dp.markInSync();
  const r = await dp.flush();
  assert.equal(r.ops, 0, JSON.stringify(runner.log.filter((l) => l.purpose === 'write')));
  assert.equal(r.firewall, 'unchanged');
  assert.equal(runner.writes, 0, `writes: ${runner.log.filter((l) => l.purpose === 'write').map((l) => l.argv.join(' ')).join('; ')}`);
  assert.deepEqual(events.sort(), ['wired a', 'wired b']);
  console.log(`# restart: ${runner.reads} read commands, ${runner.writes} write commands`);

  await hv.run(['sysctl', '-qw', `net.ipv4.neigh.${tapA}.proxy_delay=80`]);
  const t0 = performance.now();
  await waitFor(async () => (await sysctl(hv, `net.ipv4.neigh.${tapA}.proxy_delay`)) === '0', { timeoutMs: 1000, intervalMs: 20, what: 'proxy_delay restored by the sweep' });
  console.log(`# sysctl changed by hand restored by the sweep after ${(performance.now() - t0).toFixed(0)} ms`);
  await vmA.run(['ping', '-c', '1', '-W', '2', '10.0.0.20']);
});

test('foreign state is exactly as it was', async () => {
  assert.equal(await foreignState(), foreignBefore);
  // stop() removes nothing
  assert.ok(dp);
  await dp.stop();
  assert.ok(await routeExists('10.0.0.10/32', '-4'));
  dp = undefined;
});
