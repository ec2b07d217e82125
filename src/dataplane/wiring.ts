// The recipe (design §4) as data: which kernel objects wire one VM port, which sysctls are
// host-wide, and the desired state assembled from wired ports and learned routes. Pure.
//
// Allowed address pairs: a pair's prefix is routed to the port's tap like a fixed IP (`/32`,
// `/128` or the pair's CIDR, `dev tap`, lagless's protocol), a host pair with a permanent
// neighbour entry for the pair's MAC, so that return traffic reaches the VM. One destination has
// one route, so pairOwners() picks the port that routes each pair:
//   - a pair equal to a fixed IP of any port is that port's address: the pair adds no route;
//   - a pair claimed by several ports (Neutron allows it: VRRP, keepalived) is routed to the
//     port with the lowest id; the others may still send from it (the firewall allows it) but
//     receive nothing for it through this host. A static route cannot follow a VRRP master:
//     that needs the route to follow the VM's gratuitous ARP (not done).
// rp_filter on a tap is strict (1) for a filtered port without pairs, and off (0) for a port with
// pairs or with port security off: such a VM may send from sources not routed to its tap (a
// shared pair it does not own, a /0 pair, anything at all); anti-spoofing is the firewall's job.
// Not loose (2): a tap has no IPv4 address, and for such an interface the kernel's reverse-path
// check fails every source not routed back through it in loose mode too (fib_validate_source,
// "no_addr"; measured in firewall.itest.ts). And the kernel applies the larger of conf/all and
// conf/<tap>, so the host-wide conf/all/rp_filter is set to 0: each interface's own value is then
// the one that counts (lagless's taps as above, every other interface as it was configured).
import type { Address, DesiredState, LinkSpec, Neighbour, Route } from './model.js';
import { GATEWAY_V6, GATEWAY_V6_PREFIX_LEN, LO_LABEL, addrKey, neighKey, routeKey, tapAlias } from './model.js';
import type { ValidRoute, WirablePair, WirablePort } from './validate.js';
import { isLinkLocalV6 } from '../lib/ip.js';

/**
 * Per-tap sysctls lagless owns, as [template, value]; "%" is the tap name. proxy_ndp is "1" only
 * where the port has a global IPv6 gateway (else the kernel default, see tapSysctlDefaultPath).
 */
export const TAP_SYSCTLS: readonly (readonly [string, string])[] = [
  ['net/ipv4/conf/%/proxy_arp', '1'],
  // the default (80 jiffies) delays a proxied first packet by up to 0.8 s
  ['net/ipv4/neigh/%/proxy_delay', '0'],
  // strict; off (RP_FILTER_OFF) on a port with allowed address pairs or port security off
  ['net/ipv4/conf/%/rp_filter', '1'],
  ['net/ipv4/conf/%/forwarding', '1'],
  ['net/ipv6/conf/%/accept_ra', '0'],
  ['net/ipv6/conf/%/forwarding', '1'],
  ['net/ipv6/conf/%/proxy_ndp', '1'],
];

/**
 * The kernel's compiled-in defaults, for when the `default` entry cannot be read: a network
 * namespace other than the initial one has no net/ipv4/neigh/default (checked on kernel 6.18).
 */
export const TAP_SYSCTL_FALLBACKS: ReadonlyMap<string, string> = new Map([
  ['net/ipv4/conf/%/proxy_arp', '0'],
  ['net/ipv4/neigh/%/proxy_delay', '80'],
  ['net/ipv4/conf/%/rp_filter', '0'],
  ['net/ipv4/conf/%/forwarding', '0'],
  ['net/ipv6/conf/%/accept_ra', '1'],
  ['net/ipv6/conf/%/forwarding', '0'],
  ['net/ipv6/conf/%/proxy_ndp', '0'],
]);

/** rp_filter of a tap whose VM may send from sources not routed to it (see the header). */
export const RP_FILTER_OFF = '0';

/** The sysctl a released tap's value is reset to: the kernel's default for new interfaces. */
export const tapSysctlDefaultPath = (template: string): string => template.replace('%', 'default');
export const tapSysctlPath = (template: string, tap: string): string => template.replace('%', tap);

/**
 * Host-wide sysctls: forwarding, ECMP hashing on L4 ports, no routes over links without carrier,
 * and no host-wide floor under each interface's own rp_filter (see the header).
 */
export const HOST_SYSCTLS: readonly (readonly [string, string])[] = [
  ['net/ipv4/ip_forward', '1'],
  ['net/ipv4/conf/all/rp_filter', '0'],
  ['net/ipv6/conf/all/forwarding', '1'],
  ['net/ipv4/fib_multipath_hash_policy', '1'],
  ['net/ipv6/fib_multipath_hash_policy', '1'],
  ['net/ipv4/conf/all/ignore_routes_with_linkdown', '1'],
  ['net/ipv6/conf/all/ignore_routes_with_linkdown', '1'],
];

export interface WiringOptions {
  /** metric of lagless's routes */
  readonly metric: number;
  /** IPv4 gateway put on lo for fixed IPs whose subnet has none (design §4: "or a fixed 169.254.1.1") */
  readonly defaultGatewayV4: string | undefined;
  /** the kernel default of each per-tap sysctl template (TAP_SYSCTLS[i][0]), e.g. proxy_ndp -> "0" */
  readonly tapSysctlDefaults: ReadonlyMap<string, string>;
}

/** Every kernel object that wires one port. */
export interface PortObjects {
  readonly link: LinkSpec;
  readonly sysctls: readonly (readonly [string, string])[];
  readonly addresses: readonly Address[];
  readonly neighbours: readonly Neighbour[];
  readonly routes: readonly Route[];
  /** the allowed-address-pair destinations these objects route (the `pairs` argument) */
  readonly pairs: readonly string[];
}

/**
 * Which port routes each allowed-address-pair destination (canonical "network/len" -> port id):
 * none for a pair that is some port's fixed IP, the lowest port id for a pair several ports claim.
 */
export function pairOwners(ports: Iterable<WirablePort>): Map<string, string> {
  const fixed = new Set<string>();
  const owners = new Map<string, string>();
  const list = [...ports];
  if (!list.some((p) => p.pairs.length > 0)) return owners;
  for (const p of list) for (const ip of p.ips) fixed.add(`${ip.address}/${ip.family === 4 ? 32 : 128}`);
  for (const p of list) {
    for (const pair of p.pairs) {
      if (fixed.has(pair.dst)) continue;
      const cur = owners.get(pair.dst);
      if (cur === undefined || p.id < cur) owners.set(pair.dst, p.id);
    }
  }
  return owners;
}

/** The pairs of `port` it routes, given pairOwners() of all ports. */
export function routedPairs(port: WirablePort, owners: ReadonlyMap<string, string>): WirablePair[] {
  return port.pairs.filter((p) => owners.get(p.dst) === port.id);
}

/** `pairs`: the allowed address pairs to route to this port (default: all its routable pairs; see pairOwners). */
export function portObjects(port: WirablePort, opts: WiringOptions, pairs: readonly WirablePair[] = port.pairs): PortObjects {
  const tap = port.tap;
  const link: LinkSpec = port.mtu === undefined ? { name: tap, alias: tapAlias(port.id) } : { name: tap, alias: tapAlias(port.id), mtu: port.mtu };
  const addresses: Address[] = [];
  const neighbours: Neighbour[] = [];
  const routes: Route[] = [];
  let hasV6 = false;
  let globalV6Gateway = false;
  for (const ip of port.ips) {
    const len = ip.family === 4 ? 32 : 128;
    routes.push({ dst: `${ip.address}/${len}`, metric: opts.metric, nextHops: [{ dev: tap }] });
    neighbours.push({ dev: tap, address: ip.address, lladdr: port.mac, proxy: false });
    if (ip.family === 4) {
      const gw = ip.gateway ?? opts.defaultGatewayV4;
      if (gw !== undefined) addresses.push({ dev: 'lo', address: gw, prefixLen: 32, label: LO_LABEL });
    } else {
      hasV6 = true;
      if (ip.gateway !== undefined && !isLinkLocalV6(ip.gateway) && ip.gateway !== GATEWAY_V6) {
        // a guest that treats its /64 as on-link asks for the global gateway by NS on the tap
        globalV6Gateway = true;
        neighbours.push({ dev: tap, address: ip.gateway, lladdr: undefined, proxy: true });
      }
    }
  }
  for (const pair of pairs) {
    routes.push({ dst: pair.dst, metric: opts.metric, nextHops: [{ dev: tap }] });
    if (pair.host !== undefined) neighbours.push({ dev: tap, address: pair.host, lladdr: pair.mac, proxy: false });
    if (pair.family === 6) hasV6 = true; // a VM sending from a v6 pair needs its router
  }
  if (hasV6) addresses.push({ dev: tap, address: GATEWAY_V6, prefixLen: GATEWAY_V6_PREFIX_LEN });
  const rpOff = !port.spec.portSecurity || (port.spec.allowedAddressPairs ?? []).length > 0;
  const sysctls = TAP_SYSCTLS.map(([template, value]): readonly [string, string] => {
    let v = value;
    if (template.endsWith('/proxy_ndp') && !globalV6Gateway) v = opts.tapSysctlDefaults.get(template) ?? '0';
    if (template.endsWith('/rp_filter') && rpOff) v = RP_FILTER_OFF;
    return [tapSysctlPath(template, tap), v];
  });
  return { link, sysctls, addresses: dedupeAddresses(addresses), neighbours: dedupeNeighbours(neighbours), routes, pairs: pairs.map((p) => p.dst) };
}

function dedupeAddresses(list: Address[]): Address[] {
  const seen = new Set<string>();
  return list.filter((a) => (seen.has(addrKey(a)) ? false : (seen.add(addrKey(a)), true)));
}
function dedupeNeighbours(list: Neighbour[]): Neighbour[] {
  const seen = new Set<string>();
  return list.filter((n) => (seen.has(neighKey(n)) ? false : (seen.add(neighKey(n)), true)));
}

export interface DesiredInput {
  /** ports to wire (their taps exist), with their objects */
  readonly ports: readonly { readonly id: string; readonly objects: PortObjects }[];
  readonly routes: readonly ValidRoute[];
  readonly metric: number;
  /** include HOST_SYSCTLS */
  readonly hostSysctls: boolean;
}

export interface Desired {
  readonly state: DesiredState;
  /** learned routes not installed because a local port's route has the same destination */
  readonly shadowed: readonly string[];
}

export function buildDesired(input: DesiredInput): Desired {
  const links = new Map<string, LinkSpec>();
  const sysctls = new Map<string, string>();
  const addresses = new Map<string, Address>();
  const neighbours = new Map<string, Neighbour>();
  const routes = new Map<string, Route>();
  if (input.hostSysctls) for (const [path, value] of HOST_SYSCTLS) sysctls.set(path, value);
  for (const { objects } of input.ports) {
    links.set(objects.link.name, objects.link);
    for (const [path, value] of objects.sysctls) sysctls.set(path, value);
    for (const a of objects.addresses) addresses.set(addrKey(a), a);
    for (const n of objects.neighbours) neighbours.set(neighKey(n), n);
    for (const r of objects.routes) routes.set(routeKey(r.dst, r.metric), r);
  }
  const shadowed: string[] = [];
  for (const r of input.routes) {
    const k = routeKey(r.dst, input.metric);
    if (routes.has(k)) {
      shadowed.push(r.dst);
      continue;
    }
    routes.set(k, { dst: r.dst, metric: input.metric, nextHops: r.nextHops });
  }
  return { state: { links, sysctls, addresses, neighbours, routes }, shadowed };
}
