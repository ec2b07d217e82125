// Captures BGP messages from real sessions between FRR, BIRD, GoBGP and ExaBGP (Debian packages) in
// network namespaces and writes them as fixtures, one JSON file per daemon, every message with one
// line of provenance. Each daemon's file holds only messages that daemon SENT.
//
//   node --import tsx lab/capture/capture-fixtures.ts [--out DIR] [--only NAME,NAME]
//   (root; about a minute and a half; default DIR src/bgp/wire/fixtures)
//
// Scenarios (two namespaces joined by one veth, tcpdump on it, each step waits until the message it
// provokes is seen in the capture):
//   frr-bird-ipv4       session over IPv4 carrying IPv4 + IPv6 unicast; originate, EoR, withdraw,
//                       route refresh, Cease/administrative shutdown with a shutdown message from each
//   frr-bird-ipv6       the same over IPv6 (global addresses; IPv6 next hops global + link-local)
//   frr-bird-link-local session between link-local addresses, IPv6 unicast
//   gobgp-exabgp-ipv4   as frr-bird-ipv4, plus ExaBGP routes with a raw (unknown, optional
//                       transitive) attribute and a full attribute set
//   gobgp-exabgp-ipv6   the same over IPv6
//   frr-exabgp-2octet   ExaBGP without the 4-octet AS capability: FRR (a 4-octet ASN) sends AS_TRANS
//                       and AS4_PATH; messages carry "context": { "fourOctetAs": false }
//   bad-peer-as         each daemon configured with the wrong remote AS: OPEN / Bad Peer AS NOTIFICATIONs
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { LabScope, veth, type Netns } from '../netns.js';
import { run } from '../proc.js';
import { birdConfig, startBird, type BirdRouter } from '../routers/bird.js';
import { exabgpConfig, startExabgp, type ExabgpRouter } from '../routers/exabgp.js';
import { frrConfig, startFrr, type FrrRouter } from '../routers/frr.js';
import { gobgpFromSpec, startGobgp, type GobgpRouter } from '../routers/gobgp.js';
import type { AddressFamily, BgpSpec, DaemonKind, NeighborSpec, Router } from '../routers/spec.js';
import { BgpCapture, type CapturedMessage } from './bgp-capture.js';

// ---------------------------------------------------------------- fixture file format

export interface FixtureMessage {
  /** one line: which daemon and version sent it, to whom, over what, how it was captured, when */
  readonly provenance: string;
  readonly scenario: string;
  readonly type: 'open' | 'update' | 'notification' | 'keepalive' | 'route-refresh';
  readonly note: string;
  /** what the session negotiated when it differs from 4-octet AS, no add-path */
  readonly context?: { readonly fourOctetAs: boolean };
  /** the whole message, marker included */
  readonly hex: string;
}

export interface FixtureFile {
  readonly daemon: DaemonKind;
  readonly version: string;
  /** the Debian package and version */
  readonly package: string;
  readonly captured: string;
  readonly tool: string;
  readonly messages: readonly FixtureMessage[];
}

const DAEMON_NAMES: Record<DaemonKind, string> = { frr: 'FRR', bird: 'BIRD', gobgp: 'GoBGP', exabgp: 'ExaBGP' };
const PROCESS: Record<DaemonKind, string> = { frr: 'bgpd', bird: 'bird', gobgp: 'gobgpd', exabgp: 'exabgp' };
const PACKAGES: Record<DaemonKind, string> = { frr: 'frr', bird: 'bird2', gobgp: 'gobgpd', exabgp: 'exabgp' };

// ---------------------------------------------------------------- collecting

interface Side {
  readonly router: Router;
  readonly addresses: readonly string[];
}

class Collector {
  readonly byDaemon = new Map<DaemonKind, FixtureMessage[]>();
  readonly #seen = new Set<string>();
  readonly #keepalive = new Set<DaemonKind>();
  readonly versions = new Map<DaemonKind, string>();
  readonly #date: string;
  readonly #packages: Record<DaemonKind, string>;

  /** packages: the Debian package version of each daemon */
  constructor(date: string, packages: Record<DaemonKind, string>) {
    this.#date = date;
    this.#packages = packages;
  }

  packageOf(d: DaemonKind): string {
    return `${PACKAGES[d]} ${this.#packages[d]}`;
  }

  add(scenario: string, transport: string, a: Side, b: Side, messages: readonly CapturedMessage[], context?: { fourOctetAs: boolean }): void {
    for (const m of messages) {
      const [from, to] = a.addresses.includes(m.src) ? [a, b] : b.addresses.includes(m.src) ? [b, a] : [undefined, undefined];
      if (!from || !to) throw new Error(`${scenario}: message from unknown address ${m.src}`);
      const daemon = from.router.daemon;
      this.versions.set(daemon, from.router.version);
      const kind = m.desc.kind;
      if (kind === 'unknown') throw new Error(`${scenario}: unknown message type from ${daemon}: ${Buffer.from(m.bytes).toString('hex')}`);
      const hex = Buffer.from(m.bytes).toString('hex');
      const key = `${daemon}|${scenario}|${hex}`;
      if (this.#seen.has(key)) continue;
      if (kind === 'keepalive') {
        if (this.#keepalive.has(daemon)) continue;
        this.#keepalive.add(daemon);
      }
      this.#seen.add(key);
      const provenance =
        `${DAEMON_NAMES[daemon]} ${from.router.version} (Debian ${this.packageOf(daemon)}) ${PROCESS[daemon]}, sent to ` +
        `${DAEMON_NAMES[to.router.daemon]} ${to.router.version} over ${transport} in netns, tcpdump on veth, ${this.#date}`;
      const list = this.byDaemon.get(daemon) ?? [];
      list.push({ provenance, scenario, type: kind, note: m.desc.note, ...(context ? { context } : {}), hex });
      this.byDaemon.set(daemon, list);
    }
  }
}

// ---------------------------------------------------------------- a pair of namespaces on one link

interface Link {
  readonly scope: LabScope;
  readonly a: Netns;
  readonly b: Netns;
  readonly cap: BgpCapture;
}

const ADDR = {
  a: { v4: '10.0.0.0', v6: 'fd00::a', ll: 'fe80::a' },
  b: { v4: '10.0.0.1', v6: 'fd00::b', ll: 'fe80::b' },
};
const addressesOf = (s: 'a' | 'b') => [ADDR[s].v4, ADDR[s].v6, ADDR[s].ll];

async function withLink(name: string, fn: (l: Link) => Promise<void>): Promise<CapturedMessage[]> {
  const scope = await LabScope.create('cap');
  try {
    const a = await scope.netns('a');
    const b = await scope.netns('b');
    for (const ns of [a, b]) {
      // fixed link-local addresses (fe80::a, fe80::b), no DAD delay
      await ns.run(['sysctl', '-q', '-w', 'net.ipv6.conf.default.addr_gen_mode=1', 'net.ipv6.conf.default.accept_dad=0', 'net.ipv6.conf.all.accept_dad=0']);
    }
    await veth(a, 'eth0', b, 'eth0', { aMac: '02:00:00:00:00:0a', bMac: '02:00:00:00:00:0b' });
    for (const [ns, s] of [[a, 'a'], [b, 'b']] as const) {
      await ns.ip(['addr', 'add', `${ADDR[s].v4}/31`, 'dev', 'eth0']);
      await ns.ip(['addr', 'add', `${ADDR[s].v6}/64`, 'dev', 'eth0', 'nodad']);
      await ns.ip(['addr', 'add', `${ADDR[s].ll}/64`, 'dev', 'eth0', 'nodad']);
    }
    const cap = await BgpCapture.start(a, 'eth0', join(scope.dir(), `${name}.pcap`));
    const t0 = Date.now();
    try {
      await fn({ scope, a, b, cap });
    } catch (e) {
      log(`${name} failed; captured so far:`);
      if (process.env.CAPTURE_DEBUG) {
        const logs = (await run(['find', scope.dir(), '-name', '*.log'])).stdout.trim().split('\n');
        for (const f of logs) log(`--- ${f}\n${(await run(['tail', '-n', '25', f])).stdout}`);
      }
      for (const m of cap.messages()) log(`  ${m.src} -> ${m.dst}: ${m.desc.note}${process.env.CAPTURE_DEBUG ? ` ${Buffer.from(m.bytes).toString("hex")}` : ""}`);
      throw e;
    }
    const messages = await cap.stop();
    log(`${name}: ${messages.length} messages in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return messages;
  } finally {
    await scope.cleanup();
  }
}

function log(s: string): void {
  process.stderr.write(`capture: ${s}\n`);
}

const from = (side: 'a' | 'b') => (m: CapturedMessage) => addressesOf(side).includes(m.src);
const has = (tag: string) => (m: CapturedMessage) => m.desc.tags.includes(tag);
const announces = (prefix: string) => (m: CapturedMessage) => m.desc.announced?.includes(prefix) ?? false;
const withdraws = (prefix: string) => (m: CapturedMessage) => m.desc.withdrawn?.includes(prefix) ?? false;
const and = (...ps: ((m: CapturedMessage) => boolean)[]) => (m: CapturedMessage) => ps.every((p) => p(m));

/** Waits for a message some daemons may not send (EoR, route refresh): logs instead of failing. */
async function maybe(cap: BgpCapture, pred: (m: CapturedMessage) => boolean, what: string, timeoutMs = 4000): Promise<void> {
  try {
    await cap.waitFor(pred, what, timeoutMs);
  } catch {
    log(`  (not seen: ${what})`);
  }
}

// ---------------------------------------------------------------- what each daemon announces

const FRR_ROUTES = ['0.0.0.0/0', '10.1.0.0/24', '10.1.1.0/24', '10.1.2.0/25', '::/0', '2001:db8:1::/48', '2001:db8:1:1::/64'];
const BIRD_ROUTES = ['10.2.0.0/24', '10.2.1.0/24', '10.2.2.128/25', '2001:db8:2::/48', '2001:db8:2:1::/64'];
const GOBGP_ROUTES = ['10.3.0.0/24', '10.3.1.0/24', '2001:db8:3::/48', '2001:db8:3:1::/64'];
const EXABGP_ROUTES = ['0.0.0.0/0', '10.4.0.0/24', '10.4.1.0/24', '2001:db8:4::/48', '2001:db8:4:1::/64'];
const ASN = { frr: 4200000001, bird: 65002, gobgp: 4200000003, exabgp: 65004 };
const SHUTDOWN_TEXT = 'lagless fixture capture';

type Transport = 'ipv4' | 'ipv6' | 'link-local';
const TRANSPORT_TEXT: Record<Transport, string> = { ipv4: 'IPv4', ipv6: 'IPv6 (global addresses)', 'link-local': 'IPv6 link-local addresses' };

function neighbor(transport: Transport, peer: 'a' | 'b', asn: number, families: readonly AddressFamily[], withLocal = false): NeighborSpec {
  const me = peer === 'a' ? 'b' : 'a';
  const key = transport === 'ipv4' ? 'v4' : transport === 'ipv6' ? 'v6' : 'll';
  return {
    address: ADDR[peer][key],
    asn,
    families,
    ...(transport === 'link-local' ? { interface: 'eth0' } : {}),
    ...(withLocal ? { localAddress: ADDR[me][key] } : {}),
  };
}

const familiesFor = (t: Transport): AddressFamily[] => (t === 'link-local' ? ['ipv6'] : ['ipv4', 'ipv6']);
const routesFor = (routes: string[], fams: readonly AddressFamily[]) => routes.filter((r) => fams.includes(r.includes(':') ? 'ipv6' : 'ipv4'));

// ---------------------------------------------------------------- scenarios

async function frrBird(transport: Transport, sink: Collector): Promise<void> {
  const name = `frr-bird-${transport}`;
  const fams = familiesFor(transport);
  let sides: [Side, Side] | undefined;
  const messages = await withLink(name, async ({ scope, a, b, cap }) => {
    const frrNbr = neighbor(transport, 'b', ASN.bird, fams);
    const birdNbr = neighbor(transport, 'a', ASN.frr, fams);
    const frrSpec: BgpSpec = {
      routerId: '10.255.0.1', asn: ASN.frr, neighbors: [frrNbr], announce: routesFor(FRR_ROUTES, fams), gracefulRestart: true,
      communities: ['65001:100', '65001:200'], largeCommunities: ['4200000001:1:2'], med: 10,
      ...(transport === 'ipv6' ? { nextHop4: ADDR.a.v4 } : {}),
    };
    const birdSpec: BgpSpec = {
      routerId: '10.255.0.2', asn: ASN.bird, neighbors: [birdNbr], announce: routesFor(BIRD_ROUTES, fams), gracefulRestart: true,
      communities: ['65002:7'], largeCommunities: ['65002:0:1'], med: 20,
      ...(transport === 'ipv4' ? { nextHop6: ADDR.b.v6 } : transport === 'ipv6' ? { nextHop4: ADDR.b.v4 } : {}),
    };
    const frr: FrrRouter = await startFrr(scope, a, { config: frrConfig(frrSpec) });
    const bird: BirdRouter = await startBird(scope, b, { config: birdConfig(birdSpec) });
    sides = [{ router: frr, addresses: addressesOf('a') }, { router: bird, addresses: addressesOf('b') }];
    await frr.waitEstablished(frrNbr.address);
    await bird.waitEstablished(birdNbr.address);
    for (const p of frrSpec.announce ?? []) await cap.waitFor(and(from('a'), announces(p)), `FRR announces ${p}`);
    for (const p of birdSpec.announce ?? []) await cap.waitFor(and(from('b'), announces(p)), `BIRD announces ${p}`);
    for (const f of fams) {
      await maybe(cap, and(from('a'), has(`eor-${f}`)), `FRR ${f} EoR`);
      await maybe(cap, and(from('b'), has(`eor-${f}`)), `BIRD ${f} EoR`);
    }
    // withdrawals
    const gone = fams.map((f) => routesFor(FRR_ROUTES, [f]).at(-1)!);
    const withdraw = fams.flatMap((f, i) => [`address-family ${f} unicast`, `no network ${gone[i]} route-map LL-ORIGINATE`, 'exit-address-family']);
    await frr.vtysh(['configure terminal', `router bgp ${ASN.frr}`, ...withdraw]);
    for (const p of gone) await cap.waitFor(and(from('a'), withdraws(p)), `FRR withdraws ${p}`);
    for (const f of fams) {
      await bird.birdc(`disable static_${f}`);
      const p = routesFor(BIRD_ROUTES, [f])[0]!;
      await cap.waitFor(and(from('b'), withdraws(p)), `BIRD withdraws ${p}`);
    }
    if (transport === 'ipv4') {
      await frr.vtysh(`clear bgp ${frrNbr.address} soft in`);
      await maybe(cap, and(from('a'), (m) => m.desc.kind === 'route-refresh'), 'FRR ROUTE-REFRESH');
      await bird.birdc('reload in p0');
      await maybe(cap, and(from('b'), (m) => m.desc.kind === 'route-refresh'), 'BIRD ROUTE-REFRESH');
    }
    // Cease / administrative shutdown from each side, with a shutdown communication (RFC 9003)
    await frr.vtysh(['configure terminal', `router bgp ${ASN.frr}`, `neighbor ${frrNbr.address} shutdown message ${SHUTDOWN_TEXT}`]);
    await cap.waitFor(and(from('a'), has('notif-6-2')), 'FRR Cease');
    await frr.vtysh(['configure terminal', `router bgp ${ASN.frr}`, `no neighbor ${frrNbr.address} shutdown`]);
    await bird.waitEstablished(birdNbr.address);
    await bird.birdc(`disable p0 "${SHUTDOWN_TEXT}"`);
    await cap.waitFor(and(from('b'), has('notif-6-2')), 'BIRD Cease');
  });
  sink.add(name, TRANSPORT_TEXT[transport], sides![0], sides![1], messages);
}

async function gobgpExabgp(transport: 'ipv4' | 'ipv6', sink: Collector): Promise<void> {
  const name = `gobgp-exabgp-${transport}`;
  const fams = familiesFor(transport);
  let sides: [Side, Side] | undefined;
  const messages = await withLink(name, async ({ scope, a, b, cap }) => {
    const gNbr = neighbor(transport, 'b', ASN.exabgp, fams);
    const xNbr = neighbor(transport, 'a', ASN.gobgp, fams, true);
    const other = transport === 'ipv4' ? 'nextHop6' : 'nextHop4';
    const gSpec: BgpSpec = {
      routerId: '10.255.0.3', asn: ASN.gobgp, neighbors: [gNbr], announce: GOBGP_ROUTES, gracefulRestart: true,
      communities: ['65003:1'], largeCommunities: ['4200000003:3:3'], med: 30,
      [other]: transport === 'ipv4' ? ADDR.a.v6 : ADDR.a.v4,
    };
    // ExaBGP closes a graceful-restart session silently on teardown: no GR over IPv6, to capture its Cease
    const exaGr = transport === 'ipv4';
    const xSpec: BgpSpec = {
      routerId: '10.255.0.4', asn: ASN.exabgp, neighbors: [xNbr], announce: EXABGP_ROUTES, gracefulRestart: exaGr,
      communities: ['65004:4'], largeCommunities: ['65004:4:4'], med: 40,
      [other]: transport === 'ipv4' ? ADDR.b.v6 : ADDR.b.v4,
    };
    const gobgp: GobgpRouter = await startGobgp(scope, a, { ...gobgpFromSpec(gSpec), apiPort: 50051 });
    const exa: ExabgpRouter = await startExabgp(scope, b, { config: exabgpConfig(xSpec) });
    sides = [{ router: gobgp, addresses: addressesOf('a') }, { router: exa, addresses: addressesOf('b') }];
    await gobgp.waitEstablished(gNbr.address);
    await exa.waitEstablished(xNbr.address);
    for (const p of gSpec.announce ?? []) await cap.waitFor(and(from('a'), announces(p)), `GoBGP announces ${p}`);
    for (const p of xSpec.announce ?? []) await cap.waitFor(and(from('b'), announces(p)), `ExaBGP announces ${p}`);
    for (const f of fams) {
      await maybe(cap, and(from('a'), has(`eor-${f}`)), `GoBGP ${f} EoR`);
      await maybe(cap, and(from('b'), has(`eor-${f}`)), `ExaBGP ${f} EoR`);
    }
    // ExaBGP at run time: an unknown optional transitive attribute, and a full set of attributes
    const nh4 = transport === 'ipv4' ? 'self' : ADDR.b.v4;
    const nh6 = transport === 'ipv6' ? 'self' : ADDR.b.v6;
    await exa.api(`announce route 10.4.9.0/24 next-hop ${nh4} attribute [ 0xf0 0xc0 0x01020304 ]`);
    await cap.waitFor(and(from('b'), announces('10.4.9.0/24'), has('attr-240')), 'ExaBGP raw attribute');
    await exa.api(
      `announce route 10.4.8.0/24 next-hop ${nh4} origin egp as-path [ ${ASN.exabgp} 65100 4200000100 ] med 7 local-preference 300 ` +
        `atomic-aggregate aggregator ( 65100:10.255.0.100 ) community [ 65004:1 no-export ] extended-community [ target:65004:100 origin:65004:7 ] ` +
        `large-community [ 65004:1:1 65004:2:2 ]`,
    );
    await cap.waitFor(and(from('b'), announces('10.4.8.0/24')), 'ExaBGP full attribute set');
    await exa.api(`announce route 2001:db8:4:9::/64 next-hop ${nh6} attribute [ 0xf1 0xe0 0x00ff ]`);
    await cap.waitFor(and(from('b'), announces('2001:db8:4:9::/64')), 'ExaBGP raw attribute, extended length flag');
    // withdrawals
    await gobgp.cli(['global', 'rib', 'del', '-a', 'ipv4', '10.3.1.0/24']);
    await gobgp.cli(['global', 'rib', 'del', '-a', 'ipv6', '2001:db8:3:1::/64']);
    for (const p of ['10.3.1.0/24', '2001:db8:3:1::/64']) await cap.waitFor(and(from('a'), withdraws(p)), `GoBGP withdraws ${p}`);
    await exa.api(`withdraw route 10.4.1.0/24 next-hop ${nh4}`);
    await exa.api(`withdraw route 2001:db8:4:1::/64 next-hop ${nh6}`);
    for (const p of ['10.4.1.0/24', '2001:db8:4:1::/64']) await cap.waitFor(and(from('b'), withdraws(p)), `ExaBGP withdraws ${p}`);
    if (transport === 'ipv4') {
      await gobgp.cli(['neighbor', gNbr.address, 'softresetin']);
      await maybe(cap, and(from('a'), (m) => m.desc.kind === 'route-refresh'), 'GoBGP ROUTE-REFRESH');
      await exa.api('announce route-refresh ipv4 unicast');
      await maybe(cap, and(from('b'), (m) => m.desc.kind === 'route-refresh'), 'ExaBGP ROUTE-REFRESH');
    }
    await gobgp.cli(['neighbor', gNbr.address, 'shutdown', '--reason', SHUTDOWN_TEXT]);
    await cap.waitFor(and(from('a'), has('notif-6-2')), 'GoBGP Cease');
    await gobgp.cli(['neighbor', gNbr.address, 'enable']);
    await gobgp.waitEstablished(gNbr.address);
    await exa.waitEstablished(xNbr.address);
    if (process.env.CAPTURE_DEBUG) for (const e of exa.events().filter((e) => e.type === 'state' || e.type === 'notification')) log(`  exabgp event ${JSON.stringify(e.neighbor)}`);
    await exa.api(`neighbor ${xNbr.address} teardown 2`);
    if (exaGr) await maybe(cap, and(from('b'), has('notif-6-2')), 'ExaBGP Cease (GR session)');
    else await cap.waitFor(and(from('b'), has('notif-6-2')), 'ExaBGP Cease');
  });
  sink.add(name, TRANSPORT_TEXT[transport], sides![0], sides![1], messages);
}

async function frrExabgp2Octet(sink: Collector): Promise<void> {
  const name = 'frr-exabgp-2octet';
  let sides: [Side, Side] | undefined;
  const messages = await withLink(name, async ({ scope, a, b, cap }) => {
    const frrSpec: BgpSpec = {
      routerId: '10.255.0.1', asn: ASN.frr, neighbors: [neighbor('ipv4', 'b', ASN.exabgp, ['ipv4', 'ipv6'])],
      announce: FRR_ROUTES, communities: ['65001:100'], med: 10,
    };
    // without the 4-octet AS capability the peer's "My AS" is AS_TRANS
    const xSpec: BgpSpec = {
      routerId: '10.255.0.4', asn: ASN.exabgp, neighbors: [neighbor('ipv4', 'a', 23456, ['ipv4', 'ipv6'], true)],
      announce: EXABGP_ROUTES, nextHop6: ADDR.b.v6,
    };
    const xConf = exabgpConfig(xSpec).replace('  capability {\n', '  capability {\n    asn4 disable;\n');
    const frr = await startFrr(scope, a, { config: frrConfig(frrSpec) });
    const exa = await startExabgp(scope, b, { config: xConf });
    sides = [{ router: frr, addresses: addressesOf('a') }, { router: exa, addresses: addressesOf('b') }];
    await frr.waitEstablished(ADDR.b.v4);
    await exa.waitEstablished(ADDR.a.v4);
    for (const p of frrSpec.announce ?? []) await cap.waitFor(and(from('a'), announces(p)), `FRR announces ${p}`);
    for (const p of xSpec.announce ?? []) await cap.waitFor(and(from('b'), announces(p)), `ExaBGP announces ${p}`);
    await exa.api('announce route 10.4.7.0/24 next-hop self as-path [ 65004 23456 ] aggregator ( 23456:10.255.0.100 )');
    await cap.waitFor(and(from('b'), announces('10.4.7.0/24')), 'ExaBGP 2-octet AGGREGATOR');
  });
  sink.add(name, 'IPv4, 2-octet AS session (ExaBGP asn4 disabled)', sides![0], sides![1], messages, { fourOctetAs: false });
}

async function badPeerAs(sink: Collector): Promise<void> {
  for (const pair of ['frr-bird', 'gobgp-exabgp'] as const) {
    const name = `bad-peer-as-${pair}`;
    let sides: [Side, Side] | undefined;
    const messages = await withLink(name, async ({ scope, a, b, cap }) => {
      let ra: Router;
      let rb: Router;
      if (pair === 'frr-bird') {
        ra = await startFrr(scope, a, { config: frrConfig({ routerId: '10.255.0.1', asn: ASN.frr, neighbors: [neighbor('ipv4', 'b', 65099, ['ipv4'])] }) });
        rb = await startBird(scope, b, { config: birdConfig({ routerId: '10.255.0.2', asn: ASN.bird, neighbors: [neighbor('ipv4', 'a', 4200000099, ['ipv4'])] }) });
      } else {
        ra = await startGobgp(scope, a, { ...gobgpFromSpec({ routerId: '10.255.0.3', asn: ASN.gobgp, neighbors: [neighbor('ipv4', 'b', 65099, ['ipv4'])] }), apiPort: 50051 });
        rb = await startExabgp(scope, b, { config: exabgpConfig({ routerId: '10.255.0.4', asn: ASN.exabgp, neighbors: [neighbor('ipv4', 'a', 4200000099, ['ipv4'], true)] }) });
      }
      sides = [{ router: ra, addresses: addressesOf('a') }, { router: rb, addresses: addressesOf('b') }];
      await cap.waitFor(and(from('a'), has('notif-2-2')), `${ra.daemon} Bad Peer AS`, 30_000);
      await cap.waitFor(and(from('b'), has('notif-2-2')), `${rb.daemon} Bad Peer AS`, 30_000);
    });
    sink.add(name, 'IPv4 (misconfigured remote AS)', sides![0], sides![1], messages);
  }
}

const SCENARIOS: Record<string, (sink: Collector) => Promise<void>> = {
  'frr-bird-ipv4': (s) => frrBird('ipv4', s),
  'frr-bird-ipv6': (s) => frrBird('ipv6', s),
  'frr-bird-link-local': (s) => frrBird('link-local', s),
  'gobgp-exabgp-ipv4': (s) => gobgpExabgp('ipv4', s),
  'gobgp-exabgp-ipv6': (s) => gobgpExabgp('ipv6', s),
  'frr-exabgp-2octet': (s) => frrExabgp2Octet(s),
  'bad-peer-as': (s) => badPeerAs(s),
};

// ---------------------------------------------------------------- main

async function packageVersion(pkg: string): Promise<string> {
  return (await run(['dpkg-query', '-W', '-f', '${Version}', pkg])).stdout.trim();
}

export const SCENARIO_NAMES = Object.keys(SCENARIOS);
export const DEFAULT_OUT = resolve(join(new URL('.', import.meta.url).pathname, '../../src/bgp/wire/fixtures'));

/** Runs the scenarios (default all) and writes one `${daemon}-${version}.json` per daemon that sent messages into `out`. */
export async function captureFixtures(opts: { out: string; only?: readonly string[] }): Promise<FixtureFile[]> {
  const names = opts.only ?? SCENARIO_NAMES;
  for (const n of names) if (!SCENARIOS[n]) throw new Error(`unknown scenario ${n}; known: ${SCENARIO_NAMES.join(', ')}`);
  const date = new Date().toISOString().slice(0, 10);
  const versions = { frr: '', bird: '', gobgp: '', exabgp: '' } as Record<DaemonKind, string>;
  for (const d of Object.keys(versions) as DaemonKind[]) versions[d] = await packageVersion(PACKAGES[d]);
  const sink = new Collector(date, versions);
  for (const n of names) {
    log(`scenario ${n}`);
    await SCENARIOS[n]!(sink);
  }
  mkdirSync(opts.out, { recursive: true });
  const written: FixtureFile[] = [];
  for (const [daemon, messages] of sink.byDaemon) {
    const version = sink.versions.get(daemon) ?? 'unknown';
    const file: FixtureFile = {
      daemon,
      version,
      package: sink.packageOf(daemon),
      captured: date,
      tool: 'lab/capture/capture-fixtures.ts',
      messages,
    };
    const path = join(opts.out, `${daemon}-${version}.json`);
    writeFileSync(path, `${JSON.stringify(file, null, 1)}\n`);
    written.push(file);
    const count = (t: string) => messages.filter((m) => m.type === t).length;
    log(`${path}: ${messages.length} messages (open ${count('open')}, update ${count('update')}, notification ${count('notification')}, route-refresh ${count('route-refresh')}, keepalive ${count('keepalive')})`);
  }
  return written;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { out: { type: 'string' }, only: { type: 'string' } } });
  await captureFixtures({ out: resolve(values.out ?? DEFAULT_OUT), ...(values.only ? { only: values.only.split(',') } : {}) });
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  if (process.getuid?.() !== 0) {
    process.stderr.write('capture-fixtures: needs root (network namespaces)\n');
    process.exit(1);
  }
  main().then(
    () => process.exit(0),
    (e: unknown) => {
      process.stderr.write(`capture-fixtures: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}
