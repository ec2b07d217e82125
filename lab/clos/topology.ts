// The lab's topology, fully resolved: every router, hypervisor, VM and cable with its names,
// ASNs and addresses written out (the address plan in address-plan.ts fills them in from a compact
// spec). Pure values plus the validator that says whether a topology can be built.
//
//            spine1 (65000)                 spines: eBGP to every ToR
//           /              \
//      tor1 (65100)     tor2 (65100)        a rack's ToRs share its ASN
//        |    \          /    |
//        |     \        /     |             every hypervisor: one /31 + /127 to each ToR of its rack
//      hv1 (4200000001)    hv2 (4200000002)
//      |       |            |       |
//     vm1     vm2          vm3     vm4      VM: a namespace, eth0 <-> tap on its hypervisor
//
// Names are short ([a-z][a-z0-9]*, at most 12): a node's namespace is `lagless-<lab>-<node>` and
// a link's interfaces are named after the node at the other end ("tor1" on hv1, "hv1" on tor1).
import { Issues, formatPath, type Issue, type PathSegment } from '../../src/lib/schema.js';
import { networkContains } from '../../src/lib/net-schema.js';
import { ipFamily, parseCidr } from '../../src/lib/ip.js';
import { tapNameForPort } from '../../src/dataplane/port.js';

export type RouterDaemon = 'frr' | 'bird';
export type HypervisorKind = 'lagless' | 'frr';
export type RouterRole = 'spine' | 'tor';

export const ROUTER_DAEMONS: readonly RouterDaemon[] = ['frr', 'bird'];
export const HYPERVISOR_KINDS: readonly HypervisorKind[] = ['lagless', 'frr'];

/** A lab or node name: it becomes part of namespace and interface names. */
export const NAME_RE = /^[a-z][a-z0-9]{0,11}$/;

export interface RouterNode {
  readonly name: string;
  readonly role: RouterRole;
  /** the rack of a ToR; null for a spine */
  readonly rack: string | null;
  readonly daemon: RouterDaemon;
  readonly asn: number;
  readonly routerId: string;
}

export interface VmNode {
  readonly name: string;
  readonly hypervisor: string;
  /** the port id (a UUID, as Neutron's); the tap on the hypervisor is "tap" + its first 11 characters */
  readonly portId: string;
  readonly tap: string;
  readonly mac: string;
  readonly ipv4: string;
  readonly ipv6: string;
  /** the subnet's prefix lengths, configured on the VM's eth0 */
  readonly prefixLen4: number;
  readonly prefixLen6: number;
}

export interface HypervisorNode {
  readonly name: string;
  readonly rack: string;
  readonly kind: HypervisorKind;
  readonly asn: number;
  /** the router id is loopback4; both loopbacks sit on lo and are announced as /32 and /128 */
  readonly loopback4: string;
  readonly loopback6: string;
  readonly vms: readonly VmNode[];
}

/** One side of a cable: the interface (named after the node at the other end) and its addresses. */
export interface LinkEnd {
  readonly node: string;
  readonly ifname: string;
  /** address on the /31 */
  readonly ipv4: string;
  /** address on the /127 */
  readonly ipv6: string;
}

/** A cable: `upper` is the spine (spine-ToR) or the ToR (ToR-hypervisor). */
export interface Link {
  readonly upper: LinkEnd;
  readonly lower: LinkEnd;
}

export const LINK_PREFIX_LEN4 = 31;
export const LINK_PREFIX_LEN6 = 127;

export interface Topology {
  readonly name: string;
  /** VM addresses are announced only from these (the agents' export pools, the ToRs' import filter) */
  readonly pools: { readonly ipv4: string; readonly ipv6: string };
  /** the one subnet every VM is in, on whatever hypervisor: addresses are not tied to racks */
  readonly subnet: { readonly ipv4: string; readonly ipv6: string; readonly gateway4: string; readonly gateway6: string };
  readonly spines: readonly RouterNode[];
  readonly tors: readonly RouterNode[];
  readonly hypervisors: readonly HypervisorNode[];
  readonly links: readonly Link[];
}

/** Every node name of the topology with what it is. */
export type NodeRef =
  | { readonly kind: 'router'; readonly node: RouterNode }
  | { readonly kind: 'hypervisor'; readonly node: HypervisorNode }
  | { readonly kind: 'vm'; readonly node: VmNode };

export function nodes(t: Topology): NodeRef[] {
  return [
    ...[...t.spines, ...t.tors].map((node): NodeRef => ({ kind: 'router', node })),
    ...t.hypervisors.map((node): NodeRef => ({ kind: 'hypervisor', node })),
    ...t.hypervisors.flatMap((h) => h.vms.map((node): NodeRef => ({ kind: 'vm', node }))),
  ];
}

export function findNode(t: Topology, name: string): NodeRef | undefined {
  return nodes(t).find((n) => n.node.name === name);
}

export const routers = (t: Topology): readonly RouterNode[] => [...t.spines, ...t.tors];
export const allVms = (t: Topology): readonly VmNode[] => t.hypervisors.flatMap((h) => h.vms);

/** The node's side and the far side of every link it is on. */
export function linksOf(t: Topology, node: string): { readonly local: LinkEnd; readonly remote: LinkEnd }[] {
  return t.links.flatMap((l) =>
    l.upper.node === node ? [{ local: l.upper, remote: l.lower }] : l.lower.node === node ? [{ local: l.lower, remote: l.upper }] : [],
  );
}

/** The namespace of a node: `lagless-<lab>-<node>`. */
export const labPrefix = (lab: string): string => `lagless-${lab}`;
export const nsName = (lab: string, node: string): string => `${labPrefix(lab)}-${node}`;

// ---------------------------------------------------------------- validation

/**
 * Every reason the topology cannot be built, as issues with a path into the topology and a code
 * ERR_LAB_TOPOLOGY_<KIND>; empty when it can be.
 */
export function validateTopology(t: Topology): Issue[] {
  const issues = new Issues('ERR_LAB_TOPOLOGY');
  const add = (path: readonly PathSegment[], kind: string, message: string) => issues.add(path, kind, message);

  if (!NAME_RE.test(t.name)) add(['name'], 'NAME', `lab name ${JSON.stringify(t.name)} must match ${NAME_RE} (it is part of every namespace name)`);

  checkNetwork(t.pools.ipv4, 4, ['pools', 'ipv4'], add);
  checkNetwork(t.pools.ipv6, 6, ['pools', 'ipv6'], add);
  checkNetwork(t.subnet.ipv4, 4, ['subnet', 'ipv4'], add);
  checkNetwork(t.subnet.ipv6, 6, ['subnet', 'ipv6'], add);
  if (ipFamily(t.subnet.gateway4) !== 4 || !networkContains(t.subnet.ipv4, t.subnet.gateway4)) {
    add(['subnet', 'gateway4'], 'ADDRESS', `gateway ${t.subnet.gateway4} is not an address of the subnet ${t.subnet.ipv4}`);
  }
  if (ipFamily(t.subnet.gateway6) !== 6) add(['subnet', 'gateway6'], 'ADDRESS', `gateway ${t.subnet.gateway6} is not an IPv6 address`);

  // names: unique across every kind of node
  const names = new Map<string, string>();
  const claimName = (name: string, path: readonly PathSegment[]) => {
    if (!NAME_RE.test(name)) add([...path, 'name'], 'NAME', `node name ${JSON.stringify(name)} must match ${NAME_RE} (it names namespaces and interfaces)`);
    const prev = names.get(name);
    if (prev !== undefined) add([...path, 'name'], 'DUPLICATE', `node name "${name}" is already used by ${prev}`);
    else names.set(name, formatPath(path));
  };
  t.spines.forEach((r, i) => claimName(r.name, ['spines', i]));
  t.tors.forEach((r, i) => claimName(r.name, ['tors', i]));
  t.hypervisors.forEach((h, i) => {
    claimName(h.name, ['hypervisors', i]);
    h.vms.forEach((v, j) => claimName(v.name, ['hypervisors', i, 'vms', j]));
  });

  // routers
  const routerIds = new Map<string, string>();
  const claimRouterId = (id: string, path: readonly PathSegment[]) => {
    if (ipFamily(id) !== 4) add(path, 'ADDRESS', `router id ${id} is not an IPv4 address`);
    const prev = routerIds.get(id);
    if (prev !== undefined) add(path, 'DUPLICATE', `router id ${id} is already used by ${prev}`);
    else routerIds.set(id, formatPath(path));
  };
  const spineAsns = new Set(t.spines.map((s) => s.asn));
  const rackAsn = new Map<string, number>();
  const rackOfAsn = new Map<number, string>();
  const checkRouter = (r: RouterNode, path: readonly PathSegment[]) => {
    checkAsn(r.asn, [...path, 'asn'], add);
    claimRouterId(r.routerId, [...path, 'routerId']);
    if (!(['frr', 'bird'] as const).includes(r.daemon)) add([...path, 'daemon'], 'ENUM', `daemon must be frr or bird, got ${JSON.stringify(r.daemon)}`);
  };
  t.spines.forEach((r, i) => {
    checkRouter(r, ['spines', i]);
    if (r.role !== 'spine' || r.rack !== null) add(['spines', i, 'role'], 'ROLE', `${r.name} is listed as a spine but has role ${r.role} / rack ${r.rack}`);
  });
  t.tors.forEach((r, i) => {
    checkRouter(r, ['tors', i]);
    if (r.role !== 'tor' || r.rack === null) {
      add(['tors', i, 'role'], 'ROLE', `${r.name} is listed as a ToR but has role ${r.role} / no rack`);
      return;
    }
    if (spineAsns.has(r.asn)) add(['tors', i, 'asn'], 'ASN', `ToR ${r.name} has AS ${r.asn}, a spine's AS: sessions between them would be iBGP`);
    const known = rackAsn.get(r.rack);
    if (known === undefined) {
      rackAsn.set(r.rack, r.asn);
      const other = rackOfAsn.get(r.asn);
      // a route from one rack reaching the other through a spine would carry the AS and be dropped as a loop
      if (other !== undefined) add(['tors', i, 'asn'], 'ASN', `racks ${other} and ${r.rack} both use AS ${r.asn}; each rack needs its own`);
      else rackOfAsn.set(r.asn, r.rack);
    } else if (known !== r.asn) add(['tors', i, 'asn'], 'ASN', `ToR ${r.name} has AS ${r.asn} but rack ${r.rack} is AS ${known}: a rack's ToRs share one AS`);
  });
  if (rackAsn.size > 1 && t.spines.length === 0) add(['spines'], 'MISSING', `${rackAsn.size} racks need at least one spine to reach each other`);

  // hypervisors and VMs
  const routerAsns = new Set([...t.spines, ...t.tors].map((r) => r.asn));
  const macs = new Map<string, string>();
  const portIds = new Map<string, string>();
  const addrs = new Map<string, string>();
  const claimAddress = (a: string, path: readonly PathSegment[]) => {
    const prev = addrs.get(a);
    if (prev !== undefined) add(path, 'DUPLICATE', `address ${a} is already used by ${prev}`);
    else addrs.set(a, formatPath(path));
  };
  t.hypervisors.forEach((h, i) => {
    const path: PathSegment[] = ['hypervisors', i];
    checkAsn(h.asn, [...path, 'asn'], add);
    if (routerAsns.has(h.asn)) add([...path, 'asn'], 'ASN', `hypervisor ${h.name} has AS ${h.asn}, a router's AS: its sessions must be eBGP`);
    if (!(['lagless', 'frr'] as const).includes(h.kind)) add([...path, 'kind'], 'ENUM', `kind must be lagless or frr, got ${JSON.stringify(h.kind)}`);
    if (!rackAsn.has(h.rack)) add([...path, 'rack'], 'RACK', `hypervisor ${h.name} is in rack ${h.rack}, which has no ToR`);
    claimRouterId(h.loopback4, [...path, 'loopback4']);
    if (ipFamily(h.loopback6) !== 6) add([...path, 'loopback6'], 'ADDRESS', `${h.loopback6} is not an IPv6 address`);
    claimAddress(h.loopback6, [...path, 'loopback6']);
    for (const [lo, fam] of [[h.loopback4, 'ipv4'], [h.loopback6, 'ipv6']] as const) {
      if (networkContains(t.pools[fam], lo)) add([...path, fam === 'ipv4' ? 'loopback4' : 'loopback6'], 'ADDRESS', `loopback ${lo} is inside the VM pool ${t.pools[fam]}`);
    }
    const taps = new Set<string>();
    h.vms.forEach((v, j) => {
      const vp: PathSegment[] = [...path, 'vms', j];
      if (v.hypervisor !== h.name) add([...vp, 'hypervisor'], 'VALUE', `VM ${v.name} is listed under ${h.name} but says it is on ${v.hypervisor}`);
      const prevMac = macs.get(v.mac);
      if (!/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(v.mac) || parseInt(v.mac.slice(0, 2), 16) & 1) add([...vp, 'mac'], 'MAC', `${v.mac} is not a unicast MAC address`);
      else if (prevMac !== undefined) add([...vp, 'mac'], 'DUPLICATE', `MAC ${v.mac} is already used by ${prevMac}`);
      else macs.set(v.mac, formatPath(vp));
      const prevPort = portIds.get(v.portId);
      if (prevPort !== undefined) add([...vp, 'portId'], 'DUPLICATE', `port id ${v.portId} is already used by ${prevPort}`);
      else portIds.set(v.portId, formatPath(vp));
      if (v.tap !== tapNameForPort(v.portId)) add([...vp, 'tap'], 'VALUE', `tap ${v.tap} is not "tap" + the first 11 characters of the port id (${tapNameForPort(v.portId)})`);
      if (taps.has(v.tap)) add([...vp, 'tap'], 'DUPLICATE', `tap ${v.tap} is already on ${h.name}: port ids must differ in their first 11 characters`);
      taps.add(v.tap);
      for (const fam of ['ipv4', 'ipv6'] as const) {
        const a = v[fam];
        const ap = [...vp, fam];
        if (ipFamily(a) !== (fam === 'ipv4' ? 4 : 6)) {
          add(ap, 'ADDRESS', `${a} is not an ${fam === 'ipv4' ? 'IPv4' : 'IPv6'} address`);
          continue;
        }
        if (!networkContains(t.subnet[fam], a)) add(ap, 'ADDRESS', `${a} is outside the subnet ${t.subnet[fam]}`);
        if (!networkContains(t.pools[fam], a)) add(ap, 'ADDRESS', `${a} is outside the pool ${t.pools[fam]}: it would not be announced`);
        const sub = parseCidr(t.subnet[fam]);
        if (sub && sub.address === a) add(ap, 'ADDRESS', `${a} is the subnet's network address`);
        if (a === t.subnet.gateway4 || a === t.subnet.gateway6) add(ap, 'ADDRESS', `${a} is the subnet's gateway`);
        claimAddress(a, ap);
      }
      const sub4 = parseCidr(t.subnet.ipv4);
      const sub6 = parseCidr(t.subnet.ipv6);
      if (sub4 && v.prefixLen4 !== sub4.len) add([...vp, 'prefixLen4'], 'VALUE', `prefix length ${v.prefixLen4} is not the subnet's (${sub4.len})`);
      if (sub6 && v.prefixLen6 !== sub6.len) add([...vp, 'prefixLen6'], 'VALUE', `prefix length ${v.prefixLen6} is not the subnet's (${sub6.len})`);
    });
  });

  // links: known nodes, the right layers, addresses on one /31 and /127, interface names unique per node
  const role = new Map<string, 'spine' | 'tor' | 'hypervisor'>([
    ...t.spines.map((r) => [r.name, 'spine'] as const),
    ...t.tors.map((r) => [r.name, 'tor'] as const),
    ...t.hypervisors.map((h) => [h.name, 'hypervisor'] as const),
  ]);
  const ifnames = new Set<string>();
  const nameClash = issues.list.some((i) => i.code === 'ERR_LAB_TOPOLOGY_DUPLICATE' && i.path.endsWith('.name'));
  t.links.forEach((l, i) => {
    const path: PathSegment[] = ['links', i];
    const up = role.get(l.upper.node);
    const down = role.get(l.lower.node);
    if (up === undefined) add([...path, 'upper', 'node'], 'UNKNOWN_NODE', `no spine or ToR named ${l.upper.node}`);
    if (down === undefined) add([...path, 'lower', 'node'], 'UNKNOWN_NODE', `no ToR or hypervisor named ${l.lower.node}`);
    if (up !== undefined && down !== undefined && !((up === 'spine' && down === 'tor') || (up === 'tor' && down === 'hypervisor'))) {
      add(path, 'LINK', `a link joins a spine to a ToR or a ToR to a hypervisor, not ${up} ${l.upper.node} to ${down} ${l.lower.node}`);
    }
    if (up === 'tor' && down === 'hypervisor') {
      const tor = t.tors.find((r) => r.name === l.upper.node);
      const hv = t.hypervisors.find((h) => h.name === l.lower.node);
      if (tor && hv && tor.rack !== hv.rack) add(path, 'LINK', `${hv.name} (rack ${hv.rack}) is cabled to ${tor.name} of rack ${tor.rack}`);
    }
    for (const side of ['upper', 'lower'] as const) {
      const e = l[side];
      const key = `${e.node}/${e.ifname}`;
      if (!/^[A-Za-z0-9_.-]{1,15}$/.test(e.ifname)) add([...path, side, 'ifname'], 'NAME', `bad interface name ${JSON.stringify(e.ifname)}`);
      // (two nodes of one name give their neighbours two interfaces of one name: said once, above)
      if (ifnames.has(key) && !nameClash) add([...path, side, 'ifname'], 'DUPLICATE', `${e.node} already has an interface ${e.ifname}`);
      ifnames.add(key);
      claimAddress(e.ipv4, [...path, side, 'ipv4']);
      claimAddress(e.ipv6, [...path, side, 'ipv6']);
      if (ipFamily(e.ipv4) !== 4) add([...path, side, 'ipv4'], 'ADDRESS', `${e.ipv4} is not an IPv4 address`);
      if (ipFamily(e.ipv6) !== 6) add([...path, side, 'ipv6'], 'ADDRESS', `${e.ipv6} is not an IPv6 address`);
    }
    if (ipFamily(l.upper.ipv4) === 4 && !networkContains(`${l.upper.ipv4}/${LINK_PREFIX_LEN4}`, l.lower.ipv4)) {
      add([...path, 'lower', 'ipv4'], 'ADDRESS', `${l.lower.ipv4} is not on the /31 of ${l.upper.ipv4}`);
    }
    if (ipFamily(l.upper.ipv6) === 6 && !networkContains(`${l.upper.ipv6}/${LINK_PREFIX_LEN6}`, l.lower.ipv6)) {
      add([...path, 'lower', 'ipv6'], 'ADDRESS', `${l.lower.ipv6} is not on the /127 of ${l.upper.ipv6}`);
    }
  });
  t.hypervisors.forEach((h, i) => {
    if (role.get(h.name) === 'hypervisor' && !t.links.some((l) => l.lower.node === h.name)) add(['hypervisors', i], 'NO_UPLINK', `hypervisor ${h.name} is cabled to no ToR`);
  });
  return issues.list;
}

function checkNetwork(s: string, family: 4 | 6, path: readonly PathSegment[], add: (p: readonly PathSegment[], k: string, m: string) => void): void {
  const c = parseCidr(s);
  if (!s.includes('/') || c === undefined || c.family !== family) add(path, 'PREFIX', `expected an IPv${family} network "address/length", got ${JSON.stringify(s)}`);
}

function checkAsn(asn: number, path: readonly PathSegment[], add: (p: readonly PathSegment[], k: string, m: string) => void): void {
  if (!Number.isInteger(asn) || asn < 1 || asn > 0xffffffff || asn === 23456) add(path, 'ASN', `bad AS number ${asn}`);
}
