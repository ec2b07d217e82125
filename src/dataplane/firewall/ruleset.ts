// The lagless firewall as one nft script: anti-spoofing per tap and host protection.
//
//   const { script, errors, ports } = buildFirewallRuleset(portSpecs);
//   // script: feed to `nft -f -` as one transaction; errors: one FirewallError per problem of a bad
//   // port (its tap is closed); ports: each tap's mode ('filtered' | 'open' | 'closed')
//
// Two tables, both named `lagless` (option tableName), replaced whole in one transaction:
//   - `table inet lagless`, hook prerouting (priority raw, before conntrack): a verdict map keyed by
//     iifname sends each port's packets to `spoof_check` (port security on), accepts them (off) or
//     drops them (invalid spec). spoof_check looks up (iifname . ether saddr . ip[6] saddr) in a
//     hash set of host addresses, then an interval set of allowed-pair prefixes: one hash lookup
//     per legitimate packet whatever the number of ports (bench/firewall-ruleset.ts). Every packet from a VM,
//     routed or for the host, passes this hook, so forward needs no rule of its own.
//   - `table inet lagless`, hook input: packets from any lagless tap to the host itself go to
//     `host_protect`: DHCP, DHCPv6, metadata tcp/80, NDP and MLD, and echo replies (so the host
//     can ping its VMs); everything else is dropped. This applies to port-security-off ports too:
//     in Neutron a VM never reaches the hypervisor's IP stack at all, so keeping the hypervisor
//     closed is what "no filtering" has to mean here (no filtering of the VM's own traffic).
//   - Stateless on purpose: no `ct` expression, so this ruleset does not turn conntrack on for
//     the hypervisor's forwarding path (measured: +0.85 us per VM-to-VM round trip with it).
//   - `table arp lagless`, hook input: ARP from a filtered port must carry (frame MAC = sender MAC
//     = a port or pair MAC, sender IP = one of that MAC's IPv4 sources, or 0.0.0.0 for an RFC 5227
//     probe). VMs share no L2 segment, so the host is the only receiver of their ARP.
//   - Catch-all: a tap whose name starts with `tapPrefix` ("tap") but has no port spec is dropped
//     in all three places (a tap Nova made before its port arrived, or a port whose tap name was bad).
//
// Not filtered: ethertypes other than IPv4, IPv6 and ARP reach only the host's packet sockets (no
// bridge forwards them). Traffic *to* a VM is left to security groups (a later issue).
import type { PortSpec } from '../port.js';
import { parseIpv4, parseIpv6 } from '../../lib/ip.js';
import { compilePort, type CompiledPort, type MacSource, type PortMode } from './compile-port.js';
import { FirewallError } from './errors.js';
import { hostLen, ipv6IntegerText, prefixText } from './addresses.js';

export interface FirewallOptions {
  /** name of both tables (inet and arp); default "lagless" */
  readonly tableName?: string;
  /** IPv4 metadata address, reachable from VMs on tcp/80; default 169.254.169.254 */
  readonly metadataAddress?: string;
  /** IPv6 metadata address, reachable from VMs on tcp/80; default fe80::a9fe:a9fe (OpenStack's) */
  readonly metadataAddress6?: string;
  /** let DHCP (and DHCPv6) from VMs reach the host; default true */
  readonly dhcp?: boolean;
  /** taps whose name starts with this and that have no valid port are dropped; null: no catch-all; default "tap" */
  readonly tapPrefix?: string | null;
}

export interface FirewallPortResult {
  readonly tap: string;
  /** the port's id; for a tap named by several specs (closed), their ids joined with "," */
  readonly portId: string;
  /** every port id behind this tap (more than one only when the tap is closed as a duplicate) */
  readonly portIds: readonly string[];
  readonly mode: PortMode;
}

export interface FirewallRuleset {
  /** one nft script (`nft -f`), a single transaction replacing both tables */
  readonly script: string;
  /** problems of bad ports; each such port's tap is closed */
  readonly errors: FirewallError[];
  /** every port with a usable tap name, sorted by tap, with what the ruleset does to it */
  readonly ports: readonly FirewallPortResult[];
}

const TABLE_RE = /^[A-Za-z_][A-Za-z0-9_]{0,31}$/;
const TAP_PREFIX_RE = /^[A-Za-z0-9_.-]{1,14}$/;

interface Settings {
  readonly table: string;
  readonly metadata4: string;
  readonly metadata6: string;
  readonly dhcp: boolean;
  readonly tapPrefix: string | null;
}

function settings(opts: FirewallOptions): Settings {
  const table = opts.tableName ?? 'lagless';
  if (!TABLE_RE.test(table)) throw new FirewallError('ERR_FW_BAD_OPTION', `bad table name ${JSON.stringify(table)}`, { value: table });
  const metadata4 = opts.metadataAddress ?? '169.254.169.254';
  if (parseIpv4(metadata4) === undefined) {
    throw new FirewallError('ERR_FW_BAD_OPTION', `metadataAddress is not an IPv4 address: ${JSON.stringify(metadata4)}`, { value: metadata4 });
  }
  const metadata6 = opts.metadataAddress6 ?? 'fe80::a9fe:a9fe';
  if (parseIpv6(metadata6) === undefined) {
    throw new FirewallError('ERR_FW_BAD_OPTION', `metadataAddress6 is not an IPv6 address: ${JSON.stringify(metadata6)}`, { value: metadata6 });
  }
  const tapPrefix = opts.tapPrefix === undefined ? 'tap' : opts.tapPrefix;
  if (tapPrefix !== null && !TAP_PREFIX_RE.test(tapPrefix)) {
    throw new FirewallError('ERR_FW_BAD_OPTION', `bad tapPrefix ${JSON.stringify(tapPrefix)}`, { value: tapPrefix });
  }
  return { table, metadata4, metadata6, dhcp: opts.dhcp ?? true, tapPrefix };
}

export function buildFirewallRuleset(specs: readonly PortSpec[], opts: FirewallOptions = {}): FirewallRuleset {
  const s = settings(opts);
  const { ports, errors, idsByTap } = compileAll(specs);
  return {
    script: [header(s), inetTable(s, ports), arpTable(s, ports)].join('\n'),
    errors,
    ports: ports.map((p) => ({ tap: p.tap, portId: p.portId, portIds: idsByTap.get(p.tap) ?? [p.portId], mode: p.mode })),
  };
}

/**
 * compilePort's result per spec object: the ruleset is built again for every change of the port
 * set, and most specs are the same (immutable) objects as last time (compiling is most of the cost:
 * ~5 ms of ~7 for 200 ports).
 */
const COMPILED = new WeakMap<PortSpec, ReturnType<typeof compilePort>>();

function compiled(spec: PortSpec): ReturnType<typeof compilePort> {
  let r = COMPILED.get(spec);
  if (r === undefined) {
    r = compilePort(spec);
    COMPILED.set(spec, r);
  }
  return r;
}

/** Compiles every spec; a tap named by more than one spec is closed. Sorted by tap for a stable script. */
function compileAll(specs: readonly PortSpec[]): { ports: CompiledPort[]; errors: FirewallError[]; idsByTap: Map<string, string[]> } {
  const errors: FirewallError[] = [];
  const byTap = new Map<string, CompiledPort[]>();
  for (const spec of specs) {
    const r = compiled(spec);
    errors.push(...r.errors);
    if (r.port === undefined) continue;
    const list = byTap.get(r.port.tap) ?? [];
    list.push(r.port);
    byTap.set(r.port.tap, list);
  }
  const ports: CompiledPort[] = [];
  const idsByTap = new Map<string, string[]>();
  for (const [tap, list] of byTap) {
    idsByTap.set(tap, list.map((p) => p.portId));
    const first = list[0];
    if (first === undefined) continue;
    if (list.length === 1) {
      ports.push(first);
      continue;
    }
    const ids = list.map((p) => p.portId);
    for (const p of list) {
      errors.push(new FirewallError('ERR_FW_DUPLICATE_TAP', `port ${p.portId}: tap ${tap} is also named by ports ${ids.filter((i) => i !== p.portId).join(', ')}`, { portId: p.portId, tap, value: tap }));
    }
    ports.push({ ...first, portId: ids.join(','), mode: 'closed', macs: [], sources: [], arpSenders: [], ndTargets: [] });
  }
  ports.sort((a, b) => (a.tap < b.tap ? -1 : a.tap > b.tap ? 1 : 0));
  return { ports, errors, idsByTap };
}

function header(s: Settings): string {
  return [
    '# lagless firewall: anti-spoofing per VM tap and host protection. Generated; do not edit.',
    '# One transaction: each table is created if missing, deleted and defined again, so the whole',
    '# ruleset is replaced atomically whether or not it existed before.',
    `add table inet ${s.table}`,
    `delete table inet ${s.table}`,
    `add table arp ${s.table}`,
    `delete table arp ${s.table}`,
    '',
  ].join('\n');
}

const VERDICT: Record<PortMode, (check: string) => string> = {
  filtered: (check) => `jump ${check}`,
  open: () => 'accept',
  closed: () => 'jump no_port',
};

function inetTable(s: Settings, ports: readonly CompiledPort[]): string {
  const filtered = ports.filter((p) => p.mode === 'filtered');
  const usable = ports.filter((p) => p.mode !== 'closed');
  const sources = filtered.flatMap((p) => p.sources.map((src) => ({ tap: p.tap, src })));
  const element = ({ tap, src }: { tap: string; src: MacSource }) => `${q(tap)} . ${src.mac} . ${prefixText(src.prefix)}`;
  const hosts = (family: 4 | 6) => sources.filter((e) => e.src.prefix.family === family && e.src.prefix.len === hostLen(family)).map(element);
  const nets = (family: 4 | 6) => sources.filter((e) => e.src.prefix.family === family && e.src.prefix.len !== hostLen(family)).map(element);
  const catchAll = s.tapPrefix === null ? [] : [`iifname ${q(`${s.tapPrefix}*`)} jump no_port`];
  const dhcpSpoof = s.dhcp ? ['ip saddr 0.0.0.0 ip daddr 255.255.255.255 udp sport 68 udp dport 67 iifname . ether saddr @macs accept'] : [];
  const dhcpHost = s.dhcp ? ['meta nfproto ipv4 udp sport 68 udp dport 67 accept', 'meta nfproto ipv6 udp sport 546 udp dport 547 accept'] : [];
  return [
    `table inet ${s.table} {`,
    counter('spoofed', 'packets from a filtered port with a source MAC/IP that is not its own'),
    counter('host_denied', 'packets from a VM to the host that are not DHCP, metadata, NDP or replies'),
    counter('no_port', 'packets from a tap with no valid port spec'),
    '',
    comment('what packets from each tap go through: spoof_check (port security on), accept (off), no_port (invalid spec)'),
    set('from_tap', ['type ifname : verdict'], ports.map((p) => `${q(p.tap)} : ${VERDICT[p.mode]('spoof_check')}`), 'map'),
    comment('filtered ports: the (tap, source MAC, source address) a VM may send from; host addresses in hash sets'),
    comment('(one O(1) lookup per packet), allowed-pair prefixes in interval sets (whose lookup grows with their size)'),
    set('src4', ['type ifname . ether_addr . ipv4_addr'], hosts(4)),
    set('src4_net', ['type ifname . ether_addr . ipv4_addr', 'flags interval'], nets(4)),
    set('src6', ['type ifname . ether_addr . ipv6_addr'], hosts(6)),
    set('src6_net', ['type ifname . ether_addr . ipv6_addr', 'flags interval'], nets(6)),
    comment('filtered ports: their MACs, for DHCP from 0.0.0.0 and DAD/RS/MLD from ::'),
    set('macs', ['type ifname . ether_addr'], filtered.flatMap((p) => p.macs.map((m) => `${q(p.tap)} . ${m}`))),
    comment('filtered ports: the targets their neighbour advertisements may name, as integers (nft 1.0.6 has no icmpv6 taddr)'),
    set('nd_target', ['typeof iifname . @th,64,128', 'flags interval'], filtered.flatMap((p) => p.ndTargets.map((t) => `${q(p.tap)} . ${ipv6IntegerText(t)}`))),
    comment('every tap with a valid port spec, filtered or not: host protection applies to all'),
    set('taps', ['type ifname'], usable.map((p) => q(p.tap))),
    chain('prerouting', ['type filter hook prerouting priority raw; policy accept;', 'iifname vmap @from_tap', ...catchAll]),
    chain('spoof_check', [
      'icmpv6 type nd-neighbor-advert iifname . @th,64,128 != @nd_target counter name spoofed drop',
      'iifname . ether saddr . ip saddr @src4 accept',
      'iifname . ether saddr . ip6 saddr @src6 accept',
      'iifname . ether saddr . ip saddr @src4_net accept',
      'iifname . ether saddr . ip6 saddr @src6_net accept',
      ...dhcpSpoof,
      'ip6 saddr :: icmpv6 type { nd-router-solicit, nd-neighbor-solicit, mld-listener-report, mld2-listener-report } iifname . ether saddr @macs accept',
      'counter name spoofed drop',
    ]),
    chain('no_port', ['counter name no_port drop']),
    chain('input', ['type filter hook input priority filter; policy accept;', 'iifname @taps jump host_protect', ...catchAll]),
    chain('host_protect', [
      ...dhcpHost,
      `ip daddr ${s.metadata4} tcp dport 80 accept`,
      `ip6 daddr ${s.metadata6} tcp dport 80 accept`,
      'icmpv6 type { nd-router-solicit, nd-neighbor-solicit, nd-neighbor-advert, mld-listener-report, mld2-listener-report } accept',
      'icmp type echo-reply accept',
      'icmpv6 type echo-reply accept',
      'counter name host_denied drop',
    ]),
    '}',
    '',
  ].join('\n');
}

function arpTable(s: Settings, ports: readonly CompiledPort[]): string {
  const filtered = ports.filter((p) => p.mode === 'filtered');
  const senders = filtered.flatMap((p) => p.arpSenders.map((a) => `${q(p.tap)} . ${a.mac} . ${a.mac} . ${prefixText(a.prefix)}`));
  const catchAll = s.tapPrefix === null ? [] : [`iifname ${q(`${s.tapPrefix}*`)} jump no_port`];
  return [
    `table arp ${s.table} {`,
    counter('spoofed', 'ARP from a filtered port with a sender MAC/IP that is not its own'),
    counter('no_port', 'ARP from a tap with no valid port spec'),
    '',
    set('from_tap', ['type ifname : verdict'], ports.map((p) => `${q(p.tap)} : ${VERDICT[p.mode]('arp_check')}`), 'map'),
    comment('filtered ports: (tap, frame source MAC, ARP sender MAC, ARP sender IP); 0.0.0.0 is an RFC 5227 probe'),
    set('sender', ['type ifname . ether_addr . ether_addr . ipv4_addr', 'flags interval'], senders),
    chain('input', ['type filter hook input priority filter; policy accept;', 'iifname vmap @from_tap', ...catchAll]),
    chain('arp_check', ['iifname . ether saddr . arp saddr ether . arp saddr ip @sender accept', 'counter name spoofed drop']),
    chain('no_port', ['counter name no_port drop']),
    '}',
    '',
  ].join('\n');
}

// ------------------------------------------------------------------ nft text

/** A quoted nft string; callers only pass validated interface names (no quotes, no backslashes). */
function q(s: string): string {
  return `"${s}"`;
}

function comment(text: string): string {
  return `\t# ${text}`;
}

function counter(name: string, what: string): string {
  return `\tcounter ${name} { comment ${q(what)}; }`;
}

function set(name: string, head: readonly string[], elements: readonly string[], kind: 'set' | 'map' = 'set'): string {
  const lines = [`\t${kind} ${name} {`, ...head.map((h) => `\t\t${h}`)];
  if (elements.length > 0) lines.push('\t\telements = {', ...elements.map((e) => `\t\t\t${e},`), '\t\t}');
  lines.push('\t}');
  return lines.join('\n');
}

function chain(name: string, rules: readonly string[]): string {
  return [``, `\tchain ${name} {`, ...rules.map((r) => `\t\t${r}`), '\t}'].join('\n');
}
