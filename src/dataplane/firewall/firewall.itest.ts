// The firewall through the real dataplane: a hypervisor namespace wired by lagless's Dataplane
// (createLinuxDataplane in that namespace: setPorts, a learned default route, markInSync, flush,
// taps wired on their link events), VM namespaces on veths configured as guests, and a raw sender
// (python3-scapy) in the VMs. So what is proven here is the integrated system: the ruleset the
// dataplane generates and applies, its per-tap sysctls (rp_filter, proxy ARP), routes for fixed
// IPs and allowed address pairs, permanent neighbours, gateways on lo.
//
// Each negative has a positive twin from the same sender, and a drop is awaited on the ruleset's
// own counters (or the kernel's IPReversePathFilter counter) before the receiver is checked, so no
// assertion passes vacuously. The hypervisor starts with conf/all/rp_filter=1 (a hardened host);
// the kernel applies the larger of conf/all and conf/<tap>, so lagless sets conf/all to 0, and 0 on
// the taps of ports with pairs or port security off (2, loose, fails too on a tap: measured below).
//
//   A  tapA  filtered: 10.0.0.1, 2001:db8::1; pairs 10.0.5.0/24 (port MAC), 10.0.6.1 (MAC 02:00:00:00:00:aa), VIP 10.0.7.7
//   B  tapB  filtered: 10.0.0.2, 2001:db8::2   (the receiver; no pairs: rp_filter strict)
//   C  tapC  port security off: 10.0.0.3, 2001:db8::3
//   D  tapD  invalid spec (bad MAC): not wired, closed
//   E  tapE  no spec at all: caught by the "tap*" catch-all
//   F  tapF  filtered: 10.0.0.6, 2001:db8::6; pair VIP 10.0.7.7, shared with A: routed to A (the lowest port id)
//   tor      the uplink (up0) the learned default route points to
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { LabScope, veth, type Netns } from '../../../lab/netns.js';
import { waitFor } from '../../../lab/proc.js';
import type { PortSpec } from '../port.js';
import { createLinuxDataplane, type Dataplane } from '../index.js';
import { MemoryLogger } from '../logger.js';
import { buildFirewallRuleset } from './index.js';

const PYTHON = '/usr/bin/python3';
const TOOL = fileURLToPath(new URL('./testdata/fwtool.py', import.meta.url));
const GATEWAY = '10.0.0.254';
const METADATA = '169.254.169.254';
const UDP_PORT = 5555;
const VIP = '10.0.7.7';

interface Vm {
  readonly name: string;
  readonly tap: string;
  readonly mac: string;
  readonly ip4: string;
  readonly ip6: string;
  ns: Netns;
}

const vms = {
  a: { name: 'a', tap: 'tapA', mac: '52:54:00:00:00:0a', ip4: '10.0.0.1', ip6: '2001:db8::1' },
  b: { name: 'b', tap: 'tapB', mac: '52:54:00:00:00:0b', ip4: '10.0.0.2', ip6: '2001:db8::2' },
  c: { name: 'c', tap: 'tapC', mac: '52:54:00:00:00:0c', ip4: '10.0.0.3', ip6: '2001:db8::3' },
  d: { name: 'd', tap: 'tapD', mac: '52:54:00:00:00:0d', ip4: '10.0.0.4', ip6: '2001:db8::4' },
  e: { name: 'e', tap: 'tapE', mac: '52:54:00:00:00:0e', ip4: '10.0.0.5', ip6: '2001:db8::5' },
  f: { name: 'f', tap: 'tapF', mac: '52:54:00:00:00:0f', ip4: '10.0.0.6', ip6: '2001:db8::6' },
} as Record<'a' | 'b' | 'c' | 'd' | 'e' | 'f', Vm>;
const PAIR_MAC = '02:00:00:00:00:aa';
/** the ports the dataplane wires (D's spec is invalid, E has none) */
const WIRED = ['port-a', 'port-b', 'port-c', 'port-f'];

const spec = (vm: Vm, extra: Partial<PortSpec> = {}): PortSpec => ({
  id: `port-${vm.name}`,
  tap: vm.tap,
  mac: vm.mac,
  fixedIps: [
    { address: vm.ip4, prefixLen: 24, gateway: GATEWAY },
    { address: vm.ip6, prefixLen: 64 },
  ],
  allowedAddressPairs: [],
  portSecurity: true,
  ...extra,
});

function portSpecs(aSecurity = true): PortSpec[] {
  return [
    spec(vms.a, {
      allowedAddressPairs: [{ ipAddress: '10.0.5.0/24' }, { ipAddress: '10.0.6.1', macAddress: PAIR_MAC }, { ipAddress: VIP }],
      portSecurity: aSecurity,
    }),
    spec(vms.b),
    spec(vms.c, { portSecurity: false }),
    spec(vms.d, { mac: 'not-a-mac' }),
    spec(vms.f, { allowedAddressPairs: [{ ipAddress: VIP }] }),
  ];
}

let scope: LabScope;
let hv: Netns;
let dp: Dataplane | undefined;
const log = new MemoryLogger();
/** lines printed by B's UDP listener: "<source> <payload>" */
let received: string[] = [];

/** Starts a fwtool listener and waits for its "ready"; returns the lines it prints. */
async function listen(ns: Netns, args: readonly string[]): Promise<string[]> {
  const lines: string[] = [];
  const child: ChildProcess = ns.spawn([PYTHON, TOOL, ...args], { label: `fwtool ${args.join(' ')}` });
  let buf = '';
  child.stdout?.on('data', (b: Buffer) => {
    buf += b.toString('utf8');
    const parts = buf.split('\n');
    buf = parts.pop() ?? '';
    lines.push(...parts);
  });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  await waitFor(() => lines.includes('ready') || child.exitCode !== null, { timeoutMs: 10_000, what: `fwtool ${args.join(' ')} ready` });
  assert.ok(lines.includes('ready'), `fwtool ${args.join(' ')} exited: ${stderr}`);
  return lines;
}

interface Frame {
  readonly kind: 'udp' | 'arp' | 'na' | 'dhcp-discover';
  readonly [key: string]: unknown;
}

async function send(vm: Vm, frames: readonly Frame[]): Promise<void> {
  const out = await vm.ns.run([PYTHON, TOOL, 'send', 'eth0', JSON.stringify(frames)]);
  assert.equal(out.trim(), 'sent');
}

const tapMacs = new Map<string, string>();
/** A UDP datagram from `vm` to `to` (default B), with the given source MAC/IP (defaults: the VM's own). */
function udpToB(vm: Vm, payload: string, over: { srcMac?: string; srcIp?: string; v6?: boolean; to?: Vm } = {}): Frame {
  const v6 = over.v6 ?? false;
  const to = over.to ?? vms.b;
  return {
    kind: 'udp',
    srcMac: over.srcMac ?? vm.mac,
    dstMac: tapMacs.get(vm.tap),
    srcIp: over.srcIp ?? (v6 ? vm.ip6 : vm.ip4),
    dstIp: v6 ? to.ip6 : to.ip4,
    sport: 4000,
    dport: UDP_PORT,
    payload,
  };
}

async function counter(family: 'inet' | 'arp', name: string): Promise<number> {
  const json = JSON.parse(await hv.run(['nft', '-j', 'list', 'counter', family, 'lagless', name])) as {
    nftables: { counter?: { packets: number } }[];
  };
  const c = json.nftables.find((o) => o.counter !== undefined)?.counter;
  assert.ok(c, `counter ${family} ${name} not found`);
  return c.packets;
}

/** Waits until counter `name` has grown by `delta` from `base` (proof the ruleset dropped the packets), and that it does not overshoot. */
async function awaitDrops(family: 'inet' | 'arp', name: string, base: number, delta: number): Promise<void> {
  const seen = await waitFor(async () => {
    const n = await counter(family, name);
    return n >= base + delta && n;
  }, { timeoutMs: 5000, what: `${family} counter ${name} to reach ${base + delta}` });
  assert.equal(seen, base + delta, `${family} counter ${name}`);
}

async function awaitReceived(payload: string, lines = received): Promise<string> {
  return waitFor(() => lines.find((l) => l.endsWith(` ${payload}`)), { timeoutMs: 5000, what: `to receive ${payload}` });
}

/** The hypervisor's count of packets the kernel's reverse-path filter dropped (TcpExt IPReversePathFilter). */
async function rpFilterDrops(): Promise<number> {
  const lines = (await hv.run(['cat', '/proc/net/netstat'])).split('\n').filter((l) => l.startsWith('TcpExt:'));
  const names = lines[0]?.split(/\s+/) ?? [];
  const values = lines[1]?.split(/\s+/) ?? [];
  const i = names.indexOf('IPReversePathFilter');
  assert.ok(i > 0, 'IPReversePathFilter in /proc/net/netstat');
  return Number(values[i]);
}

/**
 * `vm` sends to B from `srcIp`, then from its own address: the second arrives, the first is
 * counted by the kernel's reverse-path filter and never reaches B.
 */
async function expectRpDrop(vm: Vm, payload: string, srcIp: string): Promise<void> {
  const drops = await rpFilterDrops();
  await send(vm, [udpToB(vm, payload, { srcIp }), udpToB(vm, `${payload}-own`)]);
  await awaitReceived(`${payload}-own`);
  await waitFor(async () => (await rpFilterDrops()) > drops, { timeoutMs: 5000, what: `the reverse-path filter to drop ${payload}` });
  assert.deepEqual(received.filter((l) => l.endsWith(` ${payload}`)), []);
}

async function sysctl(ns: Netns, settings: Record<string, string | number>): Promise<void> {
  await ns.run(['sysctl', '-q', '-w', ...Object.entries(settings).map(([k, v]) => `${k}=${v}`)]);
}

async function readSysctl(ns: Netns, key: string): Promise<string> {
  return (await ns.run(['sysctl', '-n', key])).trim();
}

/** The ports (re)delivered to the dataplane and applied; returns once the flush is done. */
async function applyPorts(specs: readonly PortSpec[]): Promise<void> {
  assert.ok(dp);
  dp.setPorts(specs);
  const r = await dp.flush();
  assert.deepEqual(r.failed, []);
  assert.equal(r.firewall, 'applied');
}

/** D and E have IPv6 off: their guests' own link-up traffic would otherwise also count as no_port drops. */
const IPV4_ONLY = new Set(['d', 'e']);

/** The VM's namespace and its cable to the hypervisor (as Nova plugs a tap), configured as a guest. */
async function plug(vm: Vm): Promise<void> {
  vm.ns = await scope.netns(vm.name);
  const v6 = !IPV4_ONLY.has(vm.name);
  if (!v6) await sysctl(vm.ns, { 'net.ipv6.conf.all.disable_ipv6': 1, 'net.ipv6.conf.default.disable_ipv6': 1 });
  await veth(hv, vm.tap, vm.ns, 'eth0', { bMac: vm.mac });
  await vm.ns.ip(['addr', 'add', `${vm.ip4}/24`, 'dev', 'eth0']);
  await vm.ns.ip(['route', 'add', 'default', 'via', GATEWAY]);
  if (v6) {
    await vm.ns.ip(['-6', 'addr', 'add', `${vm.ip6}/128`, 'dev', 'eth0', 'nodad']);
    await vm.ns.ip(['-6', 'route', 'add', 'default', 'via', 'fe80::1', 'dev', 'eth0']);
  }
  tapMacs.set(vm.tap, JSON.parse(await hv.ip(['-j', 'link', 'show', vm.tap]))[0].address as string);
}

before(async () => {
  scope = await LabScope.create('fw');
  hv = await scope.netns('hv');
  const tor = await scope.netns('tor');
  await sysctl(hv, { 'net.ipv4.conf.all.rp_filter': 1 }); // lagless sets it to 0
  // the metadata service's address (not the dataplane's to put there)
  await hv.ip(['addr', 'add', `${METADATA}/32`, 'dev', 'lo']);
  await veth(hv, 'up0', tor, 'd0');

  dp = createLinuxDataplane({ netns: hv.name, logger: log, sweepIntervalMs: 0 });
  await dp.start();
  dp.setPorts(portSpecs());
  // what BGP would have learned from the ToR: a default route out of the uplink
  dp.setRoute('0.0.0.0/0', [{ dev: 'up0' }]);
  dp.setRoute('::/0', [{ dev: 'up0' }]);
  dp.markInSync();
  // The ruleset goes in before any tap exists: the guests' own link-up traffic (DAD from ::, MLD,
  // router solicitations) meets it, which the first test checks is never counted as spoofed.
  const r = await dp.flush();
  assert.deepEqual(r.failed, []);
  assert.equal(r.firewall, 'applied');
  for (const vm of Object.values(vms)) await plug(vm);
  // the dataplane wires each tap from its link event
  await waitFor(() => WIRED.every((id) => dp?.portStatus(id)?.state === 'wired'), { timeoutMs: 10_000, what: `ports ${WIRED.join(', ')} wired` });
  received = await listen(vms.b.ns, ['udp-listen', String(UDP_PORT)]);
});

after(async () => {
  await dp?.stop();
  await scope?.cleanup();
});

test('generated ruleset: D fails closed with a coded error, the others compile', () => {
  const r = buildFirewallRuleset(portSpecs());
  assert.deepEqual(r.errors.map((e) => [e.code, e.tap]), [['ERR_FW_BAD_MAC', 'tapD']]);
  assert.deepEqual(r.ports.map((p) => [p.tap, p.mode]), [['tapA', 'filtered'], ['tapB', 'filtered'], ['tapC', 'open'], ['tapD', 'closed'], ['tapF', 'filtered']]);
});

test('the dataplane wired A, B, C and F, not D (bad spec, coded) nor E (no port); rp_filter, pair routes and neighbours as lagless sets them', async () => {
  assert.ok(dp);
  const d = dp.portStatus('port-d');
  assert.equal(d?.state, 'failed');
  assert.equal(d?.error?.code, 'ERR_DP_PORT_INVALID');
  assert.equal(await readSysctl(hv, 'net.ipv4.conf.all.rp_filter'), '0', 'no host-wide floor');
  const rp = async (vm: Vm) => readSysctl(hv, `net.ipv4.conf.${vm.tap}.rp_filter`);
  assert.equal(await rp(vms.b), '1', 'filtered, no pairs: strict');
  assert.equal(await rp(vms.a), '0', 'pairs: off');
  assert.equal(await rp(vms.f), '0', 'a shared pair routed elsewhere: off');
  assert.equal(await rp(vms.c), '0', 'port security off: off');
  assert.equal(await readSysctl(hv, 'net.ipv4.conf.tapE.proxy_arp'), '0', 'E is nobody\'s port: untouched');

  const routes = JSON.parse(await hv.ip(['-j', 'route', 'show', 'proto', '201'])) as { dst: string; dev?: string }[];
  const dev = (dst: string) => routes.filter((r) => r.dst === dst).map((r) => r.dev);
  assert.deepEqual(dev('10.0.5.0/24'), ['tapA'], 'a pair prefix is routed to its port');
  assert.deepEqual(dev('10.0.6.1'), ['tapA'], 'a host pair is routed to its port');
  assert.deepEqual(dev(VIP), ['tapA'], 'a shared pair: one route, to the lowest port id');
  assert.deepEqual(dev('10.0.0.4'), [], 'D is not wired');
  assert.match(await hv.ip(['neigh', 'show', '10.0.6.1', 'dev', vms.a.tap]), new RegExp(`lladdr ${PAIR_MAC} PERMANENT`));
  assert.equal((await hv.ip(['neigh', 'show', VIP, 'dev', vms.f.tap])).trim(), '');
});

test('legitimate traffic passes both ways, and a real guest bringing IPv6 up is never counted as spoofed', async () => {
  for (const dst of [vms.b.ip4, vms.b.ip6, vms.c.ip4]) {
    await waitFor(async () => (await vms.a.ns.exec(['ping', '-c1', '-W1', dst])).code === 0, { timeoutMs: 10_000, what: `A to ping ${dst}` });
  }
  await waitFor(async () => (await vms.b.ns.exec(['ping', '-c1', '-W1', vms.a.ip6])).code === 0, { timeoutMs: 10_000, what: 'B to ping A over IPv6' });
  // The VMs' link-local addresses must have finished DAD (so DAD, MLD and RS from them were sent).
  for (const vm of [vms.a, vms.b]) {
    await waitFor(async () => (await vm.ns.ip(['-6', 'addr', 'show', 'dev', 'eth0', 'scope', 'link', 'tentative'])).trim() === '', { timeoutMs: 10_000, what: `${vm.name} link-local DAD` });
  }
  assert.equal(await counter('inet', 'spoofed'), 0, 'inet spoofed');
  assert.equal(await counter('arp', 'spoofed'), 0, 'arp spoofed');
});

test('a spoofed source IP or MAC from a filtered port never reaches B; the same VM\'s own and allowed-pair sources do', async () => {
  const base = await counter('inet', 'spoofed');
  const a = vms.a;
  await send(a, [
    udpToB(a, 'spoof-ip4', { srcIp: '10.0.0.99' }),
    udpToB(a, 'spoof-ip4-other-vm', { srcIp: vms.c.ip4 }),
    udpToB(a, 'spoof-mac', { srcMac: '52:54:00:00:00:99' }),
    udpToB(a, 'spoof-ip6', { srcIp: '2001:db8::99', v6: true }),
    udpToB(a, 'spoof-pair-mac-wrong-ip', { srcMac: PAIR_MAC }),
    udpToB(a, 'spoof-outside-pair-cidr', { srcIp: '10.0.7.1' }),
    udpToB(a, 'own-ip4'),
    udpToB(a, 'own-ip6', { v6: true }),
    udpToB(a, 'pair-cidr', { srcIp: '10.0.5.77' }),
    udpToB(a, 'pair-own-mac', { srcMac: PAIR_MAC, srcIp: '10.0.6.1' }),
  ]);
  for (const ok of ['own-ip4', 'own-ip6', 'pair-cidr', 'pair-own-mac']) await awaitReceived(ok);
  await awaitDrops('inet', 'spoofed', base, 6);
  assert.deepEqual(received.filter((l) => l.includes('spoof')), []);
  assert.ok(received.includes(`${a.ip4} own-ip4`) && received.includes('10.0.5.77 pair-cidr'), received.join('\n'));
});

test('allowed address pairs: return traffic reaches the VM, for a pair prefix and for a VRRP-style address with its own MAC', async () => {
  const a = vms.a;
  // a pair prefix: an address of it on the guest's eth0 (the hypervisor ARPs for it on the tap)
  await a.ns.ip(['addr', 'add', '10.0.5.77/32', 'dev', 'eth0']);
  // a host pair with its own MAC, as keepalived's use_vmac does it: a macvlan with the pair's MAC,
  // and the guest's replies from that address leave through it
  await a.ns.ip(['link', 'add', 'vip0', 'link', 'eth0', 'address', PAIR_MAC, 'type', 'macvlan', 'mode', 'private']);
  await sysctl(a.ns, { 'net.ipv6.conf.vip0.disable_ipv6': 1 });
  await a.ns.ip(['addr', 'add', '10.0.6.1/32', 'dev', 'vip0']);
  await a.ns.ip(['link', 'set', 'vip0', 'up']);
  await a.ns.ip(['rule', 'add', 'from', '10.0.6.1', 'table', '100']);
  await a.ns.ip(['route', 'add', 'default', 'via', GATEWAY, 'dev', 'vip0', 'onlink', 'table', '100']);
  const base = await counter('inet', 'spoofed');
  for (const dst of ['10.0.5.77', '10.0.6.1']) {
    await waitFor(async () => (await vms.b.ns.exec(['ping', '-c1', '-W1', dst])).code === 0, { timeoutMs: 10_000, what: `B to ping A's pair ${dst}` });
  }
  assert.equal(await counter('inet', 'spoofed'), base, 'the replies from the pairs were not spoofed');
  const neigh = JSON.parse(await a.ns.ip(['-j', 'neigh', 'show', 'dev', 'vip0'])) as { dst: string; lladdr?: string }[];
  assert.equal(neigh.find((n) => n.dst === GATEWAY)?.lladdr, tapMacs.get(a.tap), 'the pair MAC\'s ARP for the gateway was answered');
});

test('a VM sending from a shared pair that another port routes passes with lagless\'s rp_filter; strict or loose, the kernel drops it', async () => {
  const f = vms.f;
  await send(f, [udpToB(f, 'shared-pair', { srcIp: VIP })]);
  assert.equal(await awaitReceived('shared-pair'), `${VIP} shared-pair`);
  for (const value of [1, 2]) {
    await sysctl(hv, { [`net.ipv4.conf.${f.tap}.rp_filter`]: value });
    await expectRpDrop(f, `shared-pair-rp${value}`, VIP);
  }
  assert.ok(dp);
  await dp.sweep(); // lagless repairs its sysctl
  assert.equal(await readSysctl(hv, `net.ipv4.conf.${f.tap}.rp_filter`), '0');
  await send(f, [udpToB(f, 'shared-pair-again', { srcIp: VIP })]);
  await awaitReceived('shared-pair-again');
});

test('a neighbour advertisement for another VM\'s address is dropped, one for its own passes', async () => {
  const base = await counter('inet', 'spoofed');
  const a = vms.a;
  const na = (target: string): Frame => ({ kind: 'na', srcMac: a.mac, dstMac: '33:33:00:00:00:01', srcIp: 'fe80::5054:ff:fe00:a', dstIp: 'ff02::1', target });
  await send(a, [na(vms.b.ip6), na(a.ip6), na('fe80::5054:ff:fe00:a')]);
  await awaitDrops('inet', 'spoofed', base, 1);
});

test('ARP claiming another address gets no answer and poisons nothing; the same VM\'s own ARP is answered', async () => {
  const base = await counter('arp', 'spoofed');
  const a = vms.a;
  const arp = (senderIp: string, targetIp: string, arpMac = a.mac): Frame => ({ kind: 'arp', srcMac: a.mac, arpMac, senderIp, targetIp });
  await send(a, [
    arp(vms.b.ip4, GATEWAY), // request claiming B's address
    arp(vms.b.ip4, vms.b.ip4), // gratuitous ARP for B's address
    arp(a.ip4, GATEWAY, '52:54:00:00:00:99'), // own address, foreign sender MAC
    arp('0.0.0.0', a.ip4), // RFC 5227 probe for its own address: allowed
    arp(a.ip4, a.ip4), // gratuitous ARP for its own address: allowed
  ]);
  await awaitDrops('arp', 'spoofed', base, 3);
  const own = await a.ns.run([PYTHON, TOOL, 'ask-arp', 'eth0', JSON.stringify(arp(a.ip4, GATEWAY)), '3']);
  assert.equal(own.trim(), `reply ${tapMacs.get(a.tap)}`);
  assert.equal((await hv.ip(['neigh', 'show', vms.b.ip4, 'dev', a.tap])).trim(), '', 'the host learned nothing from the spoofed ARP');
  assert.equal(await counter('arp', 'spoofed'), base + 3);

  // Control: the same spoofed ARP from the port-security-off VM is answered and poisons the host's
  // neighbour table, so the ruleset is what stopped it above.
  const c = vms.c;
  const fromC: Frame = { kind: 'arp', srcMac: c.mac, senderIp: vms.b.ip4, targetIp: GATEWAY };
  assert.equal((await c.ns.run([PYTHON, TOOL, 'ask-arp', 'eth0', JSON.stringify(fromC), '3'])).trim(), `reply ${tapMacs.get(c.tap)}`);
  assert.match(await hv.ip(['neigh', 'show', vms.b.ip4, 'dev', c.tap]), new RegExp(c.mac));
});

test('VMs cannot reach a TCP port the hypervisor listens on; metadata tcp/80 and DHCP do reach it', async () => {
  const accepted = await listen(hv, ['tcp-listen', GATEWAY, '8080']);
  const metadata = await listen(hv, ['tcp-listen', METADATA, '80']);
  const dhcp = await listen(hv, ['udp-listen', '67']);
  const connect = async (ns: Netns, addr: string, port: number, timeout: number) =>
    (await ns.run([PYTHON, TOOL, 'tcp-connect', addr, String(port), String(timeout)])).trim();

  assert.equal(await connect(hv, GATEWAY, 8080, 2), 'connected', 'the listener works from the host itself');
  const base = await counter('inet', 'host_denied');
  assert.equal(await connect(vms.a.ns, GATEWAY, 8080, 1), 'timeout', 'filtered VM to the host');
  assert.equal(await connect(vms.c.ns, GATEWAY, 8080, 1), 'timeout', 'port-security-off VM to the host');
  assert.ok((await counter('inet', 'host_denied')) >= base + 2);
  assert.deepEqual(accepted.filter((l) => l.startsWith('accepted ')), [`accepted ${GATEWAY}`], 'only the host itself got in');

  const denied = await counter('inet', 'host_denied');
  assert.equal((await vms.a.ns.exec(['ping', '-c1', '-W1', GATEWAY])).code, 1, 'a VM cannot ping the host');
  await awaitDrops('inet', 'host_denied', denied, 1);
  await hv.run(['ping', '-c1', '-W2', vms.a.ip4]); // but the host can ping a VM: the echo reply is let in
  await hv.run(['ping', '-c1', '-W2', '-I', vms.a.tap, `fe80::5054:ff:fe00:a`]);

  assert.equal(await connect(vms.a.ns, METADATA, 80, 2), 'connected');
  await waitFor(() => metadata.includes(`accepted ${vms.a.ip4}`), { timeoutMs: 5000, what: 'metadata connection from A' });

  await send(vms.a, [{ kind: 'dhcp-discover', srcMac: vms.a.mac }]);
  await waitFor(() => dhcp.find((l) => l.startsWith('0.0.0.0 binary:')), { timeoutMs: 5000, what: 'DHCP discover from A at the host' });
});

test('port security off: a spoofed source passes', async () => {
  const c = vms.c;
  await send(c, [udpToB(c, 'open-spoof-ip4', { srcIp: '10.0.0.99', srcMac: '52:54:00:00:00:98' })]);
  assert.equal(await awaitReceived('open-spoof-ip4'), '10.0.0.99 open-spoof-ip4');
});

test('port security off: sources routed to another tap or only by the default route pass; rp_filter 1 or 2 on the tap, or 1 host-wide, drops them', async () => {
  const c = vms.c;
  await send(c, [udpToB(c, 'open-default-routed', { srcIp: '198.51.100.7' }), udpToB(c, 'open-other-tap', { srcIp: vms.a.ip4 })]);
  assert.equal(await awaitReceived('open-default-routed'), '198.51.100.7 open-default-routed');
  assert.equal(await awaitReceived('open-other-tap'), `${vms.a.ip4} open-other-tap`);

  const tapRp = `net.ipv4.conf.${c.tap}.rp_filter`;
  for (const [all, tap] of [[0, 1], [0, 2], [1, 0]] as const) {
    await sysctl(hv, { 'net.ipv4.conf.all.rp_filter': all, [tapRp]: tap });
    await expectRpDrop(c, `open-all${all}-tap${tap}`, '198.51.100.7');
  }
  assert.ok(dp);
  await dp.sweep();
  assert.equal(await readSysctl(hv, tapRp), '0');
  assert.equal(await readSysctl(hv, 'net.ipv4.conf.all.rp_filter'), '0');
  await send(c, [udpToB(c, 'open-restored', { srcIp: '198.51.100.7' })]);
  await awaitReceived('open-restored');
});

test('a tap with an invalid port spec and a tap with no port spec drop everything', async () => {
  const base = await counter('inet', 'no_port');
  await send(vms.d, [udpToB(vms.d, 'closed-port')]);
  await send(vms.e, [udpToB(vms.e, 'no-port')]);
  await awaitDrops('inet', 'no_port', base, 2);
  assert.equal((await vms.d.ns.exec(['ping', '-c1', '-W1', GATEWAY])).code, 1);
  await send(vms.a, [udpToB(vms.a, 'after-closed')]);
  await awaitReceived('after-closed');
  assert.deepEqual(received.filter((l) => l.endsWith('closed-port') || l.endsWith('no-port')), []);
});

test('reloading replaces the ruleset atomically: with A\'s port security off its spoof passes, back on it is dropped again', async () => {
  await applyPorts(portSpecs(false));
  try {
    await send(vms.a, [udpToB(vms.a, 'reload-spoof', { srcIp: '10.0.0.98' })]);
    assert.equal(await awaitReceived('reload-spoof'), '10.0.0.98 reload-spoof');
  } finally {
    await applyPorts(portSpecs(true));
  }
  const base = await counter('inet', 'spoofed'); // an incremental reload keeps the counters: count from here
  await send(vms.a, [udpToB(vms.a, 'reload-spoof-2', { srcIp: '10.0.0.98' }), udpToB(vms.a, 'reload-own')]);
  await awaitReceived('reload-own');
  await awaitDrops('inet', 'spoofed', base, 1);
  assert.deepEqual(received.filter((l) => l.endsWith('reload-spoof-2')), []);
  const tables = await hv.run(['nft', 'list', 'tables']);
  assert.deepEqual(tables.trim().split('\n').sort(), ['table arp lagless', 'table inet lagless']);
});
