// Checks what callers hand the dataplane (port specs, learned routes) and returns canonical
// values, or a coded DataplaneError for that one port or route. Pure.
import type { PortSpec } from './port.js';
import type { NextHop } from './model.js';
import { nextHopOrder } from './model.js';
import { DataplaneError } from './errors.js';
import { canonicalIpv6, ipFamily, ipv4ToString, isLinkLocalV6, networkOf, parseCidr, parseIpv4, parseIpv6, type IpFamily } from '../lib/ip.js';

/** Interface names lagless writes into commands: Linux's 15 characters, a safe alphabet. */
export const IFNAME_RE = /^[A-Za-z0-9_.-]{1,15}$/;
/** Port ids end up in the tap's alias: no whitespace or quotes. */
const PORT_ID_RE = /^[A-Za-z0-9_.:@-]{1,200}$/;
const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

export const isValidIfname = (s: string): boolean => IFNAME_RE.test(s) && s !== '.' && s !== '..';

export interface WirableIp {
  readonly family: IpFamily;
  /** canonical */
  readonly address: string;
  readonly gateway: string | undefined;
}

/**
 * An allowed address pair lagless can route to the port's tap (so return traffic reaches the VM).
 * Pairs it cannot route are left out of WirablePort.pairs (the firewall still lets the VM send
 * from them): a /0 (Neutron's "send from anything"), and prefixes whose network is no unicast
 * address (0.0.0.0/n, 127/8, multicast, IPv6 link-local, ::, ::1).
 */
export interface WirablePair {
  readonly family: IpFamily;
  /** canonical "network/len": the route's destination */
  readonly dst: string;
  /** for a host pair (/32, /128): its address, which gets a permanent neighbour entry; else undefined */
  readonly host: string | undefined;
  /** the MAC frames to a host pair go to: the pair's own, or the port's */
  readonly mac: string;
}

/** A port spec the dataplane can wire: canonical MAC and addresses. */
export interface WirablePort {
  readonly id: string;
  readonly tap: string;
  readonly mac: string;
  readonly ips: readonly WirableIp[];
  /** routable allowed address pairs, deduplicated, without the port's own fixed IPs, in spec order */
  readonly pairs: readonly WirablePair[];
  readonly mtu: number | undefined;
  /** the spec as given (the firewall generator gets these) */
  readonly spec: PortSpec;
}

export function validatePort(spec: PortSpec): WirablePort | DataplaneError {
  const bad = (what: string) => new DataplaneError('ERR_DP_PORT_INVALID', `port ${JSON.stringify(spec.id)}: ${what}`, { portId: spec.id, key: `port ${spec.id}` });
  if (typeof spec.id !== 'string' || !PORT_ID_RE.test(spec.id)) return bad('id must be 1-200 of [A-Za-z0-9_.:@-]');
  if (typeof spec.tap !== 'string' || !isValidIfname(spec.tap) || spec.tap === 'lo') return bad(`bad tap name ${JSON.stringify(spec.tap)}`);
  const mac = typeof spec.mac === 'string' ? spec.mac.toLowerCase() : '';
  if (!MAC_RE.test(mac)) return bad(`bad MAC ${JSON.stringify(spec.mac)}`);
  const first = parseInt(mac.slice(0, 2), 16);
  if ((first & 1) === 1 || mac === '00:00:00:00:00:00') return bad(`MAC ${mac} is multicast or zero`);
  if (spec.mtu !== undefined && (!Number.isInteger(spec.mtu) || spec.mtu < 68 || spec.mtu > 65535)) return bad(`bad MTU ${spec.mtu}`);
  const ips: WirableIp[] = [];
  const seen = new Set<string>();
  for (const f of spec.fixedIps ?? []) {
    const family = ipFamily(f.address);
    if (family === undefined) return bad(`bad fixed IP ${JSON.stringify(f.address)}`);
    const address = canonical(family, f.address);
    if (!isHostAddress(family, address)) return bad(`fixed IP ${address} cannot be a VM address`);
    const maxLen = family === 4 ? 32 : 128;
    if (!Number.isInteger(f.prefixLen) || f.prefixLen < 0 || f.prefixLen > maxLen) return bad(`bad prefix length ${f.prefixLen} for ${address}`);
    let gateway: string | undefined;
    if (f.gateway !== undefined) {
      if (ipFamily(f.gateway) !== family) return bad(`gateway ${JSON.stringify(f.gateway)} of ${address} is not an IPv${family} address`);
      gateway = canonical(family, f.gateway);
      if (gateway === address) return bad(`gateway ${gateway} is the VM's own address`);
    }
    if (seen.has(address)) continue;
    seen.add(address);
    ips.push({ family, address, gateway });
  }
  const pairs: WirablePair[] = [];
  for (const pair of spec.allowedAddressPairs ?? []) {
    const c = typeof pair.ipAddress === 'string' ? parseCidr(pair.ipAddress) : undefined;
    const network = c === undefined ? undefined : networkOf(c.address, c.len);
    if (c === undefined || network === undefined) return bad(`bad allowed address pair ${JSON.stringify(pair.ipAddress)}`);
    let pairMac = mac;
    if (pair.macAddress !== undefined) {
      pairMac = typeof pair.macAddress === 'string' ? pair.macAddress.toLowerCase() : '';
      if (!MAC_RE.test(pairMac) || (parseInt(pairMac.slice(0, 2), 16) & 1) === 1 || pairMac === '00:00:00:00:00:00') {
        return bad(`bad MAC ${JSON.stringify(pair.macAddress)} of allowed address pair ${c.address}/${c.len}`);
      }
    }
    const dst = `${network}/${c.len}`;
    const host = c.len === (c.family === 4 ? 32 : 128) ? network : undefined;
    if (c.len === 0 || !isHostAddress(c.family, network) || (host !== undefined && seen.has(host))) continue;
    if (pairs.some((p) => p.dst === dst)) continue;
    pairs.push({ family: c.family, dst, host, mac: pairMac });
  }
  return { id: spec.id, tap: spec.tap, mac, ips, pairs, mtu: spec.mtu, spec };
}

function canonical(family: IpFamily, s: string): string {
  if (family === 4) return ipv4ToString(parseIpv4(s) ?? 0);
  return canonicalIpv6(s) ?? s;
}

function isHostAddress(family: IpFamily, address: string): boolean {
  if (family === 4) {
    const n = parseIpv4(address) ?? 0;
    const top = n >>> 24;
    return n !== 0 && top !== 127 && top < 224;
  }
  const b = parseIpv6(address);
  if (b === undefined) return false;
  if (b[0] === 0xff) return false; // multicast
  if (isLinkLocalV6(address)) return false;
  return address !== '::' && address !== '::1';
}

// ---------------------------------------------------------------- learned routes

export interface LearnedRoute {
  /** "10.0.0.0/8", "0.0.0.0/0", "2001:db8::/32" */
  readonly prefix: string;
  /** the ECMP set; an IPv4 prefix may go via IPv6 link-local next hops (unnumbered), which need `dev` */
  readonly nextHops: readonly NextHop[];
}

export interface ValidRoute {
  /** canonical network/len */
  readonly dst: string;
  readonly family: IpFamily;
  /** canonical, deduplicated, sorted */
  readonly nextHops: readonly NextHop[];
}

/** Canonical "network/len" of a prefix, or undefined when it is not one. */
export function canonicalPrefix(prefix: string): { dst: string; family: IpFamily } | undefined {
  const c = parseCidr(prefix);
  if (c === undefined || !prefix.includes('/')) return undefined;
  const net = networkOf(c.address, c.len);
  return net === undefined ? undefined : { dst: `${net}/${c.len}`, family: c.family };
}

export function validateRoute(route: LearnedRoute): ValidRoute | DataplaneError {
  const bad = (what: string) =>
    new DataplaneError('ERR_DP_ROUTE_INVALID', `route ${JSON.stringify(route.prefix)}: ${what}`, { key: `learned ${route.prefix}` });
  const p = typeof route.prefix === 'string' ? canonicalPrefix(route.prefix) : undefined;
  if (p === undefined) return bad('not a prefix (address/len)');
  if (!Array.isArray(route.nextHops) || route.nextHops.length === 0) return bad('no next hops');
  const hops: NextHop[] = [];
  for (const nh of route.nextHops) {
    if (nh.dev !== undefined && !isValidIfname(nh.dev)) return bad(`bad next-hop interface ${JSON.stringify(nh.dev)}`);
    if (nh.via === undefined) {
      if (nh.dev === undefined) return bad('a next hop needs a gateway or an interface');
      hops.push({ dev: nh.dev });
      continue;
    }
    const fam = ipFamily(nh.via);
    if (fam === undefined) return bad(`bad gateway ${JSON.stringify(nh.via)}`);
    if (p.family === 6 && fam === 4) return bad(`IPv6 prefix via IPv4 gateway ${nh.via}`);
    const via = canonical(fam, nh.via);
    if (fam === 6 && isLinkLocalV6(via) && nh.dev === undefined) return bad(`link-local gateway ${via} needs an interface`);
    hops.push(nh.dev === undefined ? { via } : { via, dev: nh.dev });
  }
  hops.sort(nextHopOrder);
  const unique = hops.filter((h, i) => i === 0 || nextHopOrder(h, hops[i - 1] as NextHop) !== 0);
  return { dst: p.dst, family: p.family, nextHops: unique };
}
