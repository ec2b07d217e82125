// Value types for the kernel objects lagless owns, their identity keys, and the two states the
// plan compares: desired (what lagless wants) and observed (what the kernel has, as far as lagless
// looks). Pure; no behaviour beyond keys and equality.
//
// Ownership marks (style.md 10: mark what you own; never touch unmarked state):
//   routes      protocol LAGLESS_PROTO ("lagless", registered in /etc/iproute2/rt_protos.d)
//   taps        link alias "lagless:<port id>" (IFLA_IFALIAS); everything on a marked tap is lagless's:
//               its permanent and proxy neighbour entries, fe80::1/64, its per-tap sysctls, MTU
//   lo          IPv4 gateway /32s carry the label "lo:lagless" (iproute2 6.1 has no address proto)
//   sysctls     only the per-tap ones on marked taps and the fixed host-wide list (wiring.ts)
//   nftables    the tables the firewall generator declares (`inet lagless`, `arp lagless`)

/** Route protocol number of lagless's routes. FRR uses 186-198; the kernel headers stop at 192. */
export const LAGLESS_PROTO = 201;
export const LAGLESS_PROTO_NAME = 'lagless';
/** Label of lagless's IPv4 addresses on lo. */
export const LO_LABEL = 'lo:lagless';
/** A tap whose alias starts with this is lagless's; the rest of the alias is the port id. */
export const TAP_ALIAS_PREFIX = 'lagless:';
/** The IPv6 router address every VM is given; put on each tap as fe80::1/64 (nodad). */
export const GATEWAY_V6 = 'fe80::1';
export const GATEWAY_V6_PREFIX_LEN = 64;
/** Metric of lagless's routes unless configured otherwise (zebra's BGP metric). */
export const DEFAULT_ROUTE_METRIC = 20;

export interface NextHop {
  /** gateway address, canonical text; an IPv4 route may have an IPv6 (link-local) gateway */
  readonly via?: string;
  /** outgoing interface; required with a link-local gateway */
  readonly dev?: string;
}

export interface Route {
  /** destination, canonical "network/len" (host bits zero) */
  readonly dst: string;
  readonly metric: number;
  /** one or more (ECMP), sorted by nextHopOrder */
  readonly nextHops: readonly NextHop[];
}

export interface Neighbour {
  readonly dev: string;
  /** canonical IP text */
  readonly address: string;
  /** MAC for a permanent entry; undefined for a proxy (NDP/ARP proxy) entry */
  readonly lladdr: string | undefined;
  readonly proxy: boolean;
}

export interface Address {
  readonly dev: string;
  /** canonical IP text */
  readonly address: string;
  readonly prefixLen: number;
  /** IPv4 label; lagless's lo addresses carry LO_LABEL */
  readonly label?: string;
}

/** What lagless sets on a tap it wires: the alias mark, admin up, and the port's MTU when given. */
export interface LinkSpec {
  readonly name: string;
  readonly alias: string;
  readonly mtu?: number;
}

/** A link as the kernel reports it. `alias` is known from reads (monitor events do not carry it). */
export interface ObservedLink {
  readonly name: string;
  readonly ifindex: number;
  readonly mtu: number;
  /** administratively up */
  readonly up: boolean;
  readonly alias: string | undefined;
}

// ---------------------------------------------------------------- keys (one object, one key)

export const routeKey = (dst: string, metric: number): string => `route ${dst} ${metric}`;
export const neighKey = (n: Pick<Neighbour, 'dev' | 'address' | 'proxy'>): string =>
  `${n.proxy ? 'proxy' : 'neigh'} ${n.dev} ${n.address}`;
export const addrKey = (a: Pick<Address, 'dev' | 'address' | 'prefixLen'>): string => `addr ${a.dev} ${a.address}/${a.prefixLen}`;
export const linkKey = (name: string): string => `link ${name}`;
export const sysctlKey = (path: string): string => `sysctl ${path}`;

/** The kind of object a key names ("route", "neigh", "proxy", "addr", "link", "sysctl"). */
export const keyKind = (key: string): string => key.slice(0, key.indexOf(' '));

/** Whether a desired state wants the object a key names. */
export function desiresKey(d: DesiredState, key: string): boolean {
  const rest = key.slice(key.indexOf(' ') + 1);
  switch (keyKind(key)) {
    case 'route':
      return d.routes.has(key);
    case 'neigh':
    case 'proxy':
      return d.neighbours.has(key);
    case 'addr':
      return d.addresses.has(key);
    case 'link':
      return d.links.has(rest);
    case 'sysctl':
      return d.sysctls.has(rest);
    default:
      return false;
  }
}

// ---------------------------------------------------------------- states

export interface DesiredState {
  /** taps to wire, by name */
  readonly links: ReadonlyMap<string, LinkSpec>;
  /** /proc/sys paths (relative, e.g. "net/ipv4/conf/tapX/proxy_arp") -> value */
  readonly sysctls: ReadonlyMap<string, string>;
  /** by addrKey */
  readonly addresses: ReadonlyMap<string, Address>;
  /** by neighKey */
  readonly neighbours: ReadonlyMap<string, Neighbour>;
  /** by routeKey */
  readonly routes: ReadonlyMap<string, Route>;
}

/**
 * What lagless knows of the kernel: every link; routes with lagless's protocol; permanent and
 * proxy neighbour entries; addresses on lo and fe80::1/64 anywhere; the sysctls it has read or
 * written. Maintained by reads (sweep), monitor events and successful applies.
 */
export interface ObservedState {
  readonly links: Map<string, ObservedLink>;
  readonly sysctls: Map<string, string>;
  readonly addresses: Map<string, Address>;
  readonly neighbours: Map<string, Neighbour>;
  readonly routes: Map<string, Route>;
}

export function emptyObserved(): ObservedState {
  return { links: new Map(), sysctls: new Map(), addresses: new Map(), neighbours: new Map(), routes: new Map() };
}

// ---------------------------------------------------------------- equality and order

export function nextHopOrder(a: NextHop, b: NextHop): number {
  const av = a.via ?? '';
  const bv = b.via ?? '';
  if (av !== bv) return av < bv ? -1 : 1;
  const ad = a.dev ?? '';
  const bd = b.dev ?? '';
  return ad === bd ? 0 : ad < bd ? -1 : 1;
}

/**
 * True when the observed route does what the desired one asks: same destination, metric and set
 * of next hops (a desired next hop without `dev` matches any interface the kernel resolved).
 */
export function routeSatisfies(desired: Route, observed: Route): boolean {
  if (desired.dst !== observed.dst || desired.metric !== observed.metric) return false;
  if (desired.nextHops.length !== observed.nextHops.length) return false;
  const left = [...observed.nextHops];
  for (const d of desired.nextHops) {
    const i = left.findIndex((o) => o.via === d.via && (d.dev === undefined || o.dev === d.dev));
    if (i === -1) return false;
    left.splice(i, 1);
  }
  return true;
}

export function neighbourEquals(a: Neighbour, b: Neighbour): boolean {
  return a.dev === b.dev && a.address === b.address && a.proxy === b.proxy && a.lladdr === b.lladdr;
}

/** The interfaces a route's next hops go out of. */
export function routeDevs(r: Route): string[] {
  const out: string[] = [];
  for (const nh of r.nextHops) if (nh.dev !== undefined) out.push(nh.dev);
  return out;
}

export const isOwnedAlias = (alias: string | undefined): boolean => alias !== undefined && alias.startsWith(TAP_ALIAS_PREFIX);
export const tapAlias = (portId: string): string => `${TAP_ALIAS_PREFIX}${portId}`;
