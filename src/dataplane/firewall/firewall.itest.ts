// The firewall ruleset on a real kernel: a hypervisor namespace, VM namespaces on veths wired the
// lagless way (/32 + /128 routes to the tap, proxy ARP with proxy_delay 0, permanent neighbour,
// gateway and metadata addresses on lo, fe80::1 on each tap), the ruleset loaded with `nft -f`, and
// a raw sender (python3-scapy) in the VMs.
//
// Wiring is done here with `ip` (the dataplane's public API did not exist when this was written).
// rp_filter is 0 on every tap so that the ruleset is the only thing between a spoofed packet and
// its destination; each negative has a positive twin from the same sender, and a drop is awaited
// on the ruleset's own counters before the receiver is checked, so no assertion passes vacuously.
//
//   A  tapA  filtered: 10.0.0.1, 2001:db8::1; pairs 10.0.5.0/24 (port MAC), 10.0.6.1 (MAC 02:00:00:00:00:aa)
//   B  tapB  filtered: 10.0.0.2, 2001:db8::2   (the receiver)
//   C  tapC  port security off: 10.0.0.3, 2001:db8::3
//   D  tapD  invalid spec (bad MAC): closed
//   E  tapE  no spec at all: caught by the "tap*" catch-all
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LabScope, veth, type Netns } from '../../../lab/netns.js';
import { waitFor } from '../../../lab/proc.js';
import type { PortSpec } from '../port.js';
import { buildFirewallRuleset } from './index.js';

const PYTHON = '/usr/bin/python3';
const TOOL = fileURLToPath(new URL('./testdata/fwtool.py', import.meta.url));
const GATEWAY = '10.0.0.254';
const METADATA = '169.254.169.254';
const UDP_PORT = 5555;

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
} as Record<'a' | 'b' | 'c' | 'd' | 'e', Vm>;
const PAIR_MAC = '02:00:00:00:00:aa';

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
      allowedAddressPairs: [{ ipAddress: '10.0.5.0/24' }, { ipAddress: '10.0.6.1', macAddress: PAIR_MAC }],
      portSecurity: aSecurity,
    }),
    spec(vms.b),
    spec(vms.c, { portSecurity: false }),
    spec(vms.d, { mac: 'not-a-mac' }),
  ];
}

let scope: LabScope;
let hv: Netns;
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
/** A UDP datagram from `vm` to B, with the given source MAC/IP (defaults: the VM's own). */
function udpToB(vm: Vm, payload: string, over: { srcMac?: string; srcIp?: string; v6?: boolean } = {}): Frame {
  const v6 = over.v6 ?? false;
  return {
    kind: 'udp',
    srcMac: over.srcMac ?? vm.mac,
    dstMac: tapMacs.get(vm.tap),
    srcIp: over.srcIp ?? (v6 ? vm.ip6 : vm.ip4),
    dstIp: v6 ? vms.b.ip6 : vms.b.ip4,
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

async function awaitReceived(payload: string): Promise<string> {
  return waitFor(() => received.find((l) => l.endsWith(` ${payload}`)), { timeoutMs: 5000, what: `B to receive ${payload}` });
}

function loadRuleset(aSecurity = true): Promise<string> {
  const { script } = buildFirewallRuleset(portSpecs(aSecurity));
  const file = join(scope.dir(), `ruleset-${aSecurity ? 'on' : 'off'}.nft`);
  writeFileSync(file, script);
  return hv.run(['nft', '-f', file]);
}

async function sysctl(ns: Netns, settings: Record<string, string | number>): Promise<void> {
  await ns.run(['sysctl', '-q', '-w', ...Object.entries(settings).map(([k, v]) => `${k}=${v}`)]);
}

/** D and E have IPv6 off: their guests' own link-up traffic would otherwise also count as no_port drops. */
const IPV4_ONLY = new Set(['d', 'e']);

async function wire(vm: Vm, withRoutes: boolean): Promise<void> {
  vm.ns = await scope.netns(vm.name);
  const v6 = !IPV4_ONLY.has(vm.name);
  if (!v6) await sysctl(vm.ns, { 'net.ipv6.conf.all.disable_ipv6': 1, 'net.ipv6.conf.default.disable_ipv6': 1 });
  await veth(hv, vm.tap, vm.ns, 'eth0', { bMac: vm.mac });
  const t = vm.tap;
  await sysctl(hv, {
    [`net.ipv4.conf.${t}.proxy_arp`]: 1,
    [`net.ipv4.neigh.${t}.proxy_delay`]: 0,
    [`net.ipv4.conf.${t}.rp_filter`]: 0,
    [`net.ipv6.conf.${t}.accept_ra`]: 0,
  });
  await hv.ip(['addr', 'add', 'fe80::1/64', 'dev', t, 'nodad']);
  if (withRoutes) {
    await hv.ip(['route', 'add', `${vm.ip4}/32`, 'dev', t]);
    await hv.ip(['neigh', 'replace', vm.ip4, 'lladdr', vm.mac, 'dev', t, 'nud', 'permanent']);
    await hv.ip(['-6', 'route', 'add', `${vm.ip6}/128`, 'dev', t]);
  }
  await vm.ns.ip(['addr', 'add', `${vm.ip4}/24`, 'dev', 'eth0']);
  await vm.ns.ip(['route', 'add', 'default', 'via', GATEWAY]);
  if (v6) {
    await vm.ns.ip(['-6', 'addr', 'add', `${vm.ip6}/128`, 'dev', 'eth0', 'nodad']);
    await vm.ns.ip(['-6', 'route', 'add', 'default', 'via', 'fe80::1', 'dev', 'eth0']);
  }
  tapMacs.set(t, JSON.parse(await hv.ip(['-j', 'link', 'show', t]))[0].address as string);
}

before(async () => {
  scope = await LabScope.create('fw');
  hv = await scope.netns('hv');
  await sysctl(hv, {
    'net.ipv4.ip_forward': 1,
    'net.ipv6.conf.all.forwarding': 1,
    'net.ipv4.conf.all.rp_filter': 0,
    'net.ipv4.conf.default.rp_filter': 0,
  });
  await hv.ip(['addr', 'add', `${GATEWAY}/32`, 'dev', 'lo']);
  await hv.ip(['addr', 'add', `${METADATA}/32`, 'dev', 'lo']);
  // The ruleset goes in before any tap exists: the guests' own link-up traffic (DAD from ::, MLD,
  // router solicitations) meets it, which the first test checks is never counted as spoofed.
  await loadRuleset();
  for (const vm of Object.values(vms)) await wire(vm, vm.name !== 'e');
  received = await listen(vms.b.ns, ['udp-listen', String(UDP_PORT)]);
});

after(async () => {
  await scope?.cleanup();
});

test('generated ruleset: D fails closed with a coded error, the others compile', () => {
  const r = buildFirewallRuleset(portSpecs());
  assert.deepEqual(r.errors.map((e) => [e.code, e.tap]), [['ERR_FW_BAD_MAC', 'tapD']]);
  assert.deepEqual(r.ports.map((p) => [p.tap, p.mode]), [['tapA', 'filtered'], ['tapB', 'filtered'], ['tapC', 'open'], ['tapD', 'closed']]);
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
  await loadRuleset(false);
  try {
    await send(vms.a, [udpToB(vms.a, 'reload-spoof', { srcIp: '10.0.0.98' })]);
    assert.equal(await awaitReceived('reload-spoof'), '10.0.0.98 reload-spoof');
  } finally {
    await loadRuleset(true);
  }
  const base = await counter('inet', 'spoofed'); // the reload reset the counters
  assert.equal(base, 0);
  await send(vms.a, [udpToB(vms.a, 'reload-spoof-2', { srcIp: '10.0.0.98' }), udpToB(vms.a, 'reload-own')]);
  await awaitReceived('reload-own');
  await awaitDrops('inet', 'spoofed', base, 1);
  assert.deepEqual(received.filter((l) => l.endsWith('reload-spoof-2')), []);
  const tables = await hv.run(['nft', 'list', 'tables']);
  assert.deepEqual(tables.trim().split('\n').sort(), ['table arp lagless', 'table inet lagless']);
});
