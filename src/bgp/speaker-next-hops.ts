// Our own addresses on a session, which become the next hops of the routes we send (next-hop
// self): worked out once the session is established, from the connection's local address and the
// addresses of the interface it runs over (as FRR does: an IPv4 session sends IPv6 routes with the
// interface's global IPv6 address and its link-local one, RFC 2545).
//
//   sessionAddresses({ local: '10.0.0.0', ifname: undefined }, os.networkInterfaces())
//     -> { localAddress: '10.0.0.0', localAddressV6: 'fd00::a', localLinkLocal: 'fe80::...', ifname: 'eth0' }
import { canonicalIpv6, ipv4ToString, isLinkLocalV6, parseIpv4 } from '../lib/ip.js';

/** One address of an interface, as os.networkInterfaces() reports it. */
export interface InterfaceAddress {
  readonly address: string;
  readonly family: 'IPv4' | 'IPv6' | 4 | 6;
  readonly internal: boolean;
}

/** os.networkInterfaces()'s shape: interface name -> addresses. */
export type InterfaceTable = Readonly<Record<string, readonly InterfaceAddress[] | undefined>>;

export interface SessionAddressInput {
  /** the connection's local address as the socket reports it ("10.0.0.0", "::ffff:10.0.0.0", "fe80::1%eth0") */
  readonly local: string | undefined;
  /** the interface the session runs over, when the configuration names it (or the peer is link-local) */
  readonly ifname?: string | undefined;
  /** configured next hops: they win over what the interface has */
  readonly nextHopV4?: string | undefined;
  readonly nextHopV6?: string | undefined;
}

export interface SessionAddresses {
  /** our IPv4 next hop */
  readonly localAddress?: string;
  /** our global IPv6 next hop */
  readonly localAddressV6?: string;
  /** our IPv6 link-local address on the session's interface */
  readonly localLinkLocal?: string;
  /** the interface the addresses were taken from */
  readonly ifname?: string;
}

const isV4 = (a: InterfaceAddress): boolean => a.family === 'IPv4' || a.family === 4;
const isV6 = (a: InterfaceAddress): boolean => a.family === 'IPv6' || a.family === 6;

/** A socket address in canonical form without scope; IPv4-mapped IPv6 becomes IPv4. */
export function plainAddress(text: string): { family: 4 | 6; address: string; scope: string | undefined } | undefined {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(text);
  const v4 = parseIpv4(mapped?.[1] ?? text);
  if (v4 !== undefined) return { family: 4, address: ipv4ToString(v4), scope: undefined };
  const pct = text.indexOf('%');
  const address = canonicalIpv6(pct === -1 ? text : text.slice(0, pct));
  if (address === undefined) return undefined;
  return { family: 6, address, scope: pct === -1 ? undefined : text.slice(pct + 1) };
}

/** The interface that holds `address` (canonical text), if any. */
export function interfaceOf(address: string, interfaces: InterfaceTable): string | undefined {
  for (const [name, addrs] of Object.entries(interfaces)) {
    for (const a of addrs ?? []) {
      const p = plainAddress(a.address);
      if (p !== undefined && p.address === address) return name;
    }
  }
  return undefined;
}

export function sessionAddresses(input: SessionAddressInput, interfaces: InterfaceTable): SessionAddresses {
  const local = input.local === undefined ? undefined : plainAddress(input.local);
  const ifname = input.ifname ?? local?.scope ?? (local === undefined ? undefined : interfaceOf(local.address, interfaces));
  const addrs = ifname === undefined ? [] : (interfaces[ifname] ?? []).filter((a) => !a.internal);
  const firstV4 = addrs.find(isV4)?.address;
  const v6 = addrs.filter(isV6).map((a) => plainAddress(a.address)?.address).filter((a): a is string => a !== undefined);
  const firstGlobalV6 = v6.find((a) => !isLinkLocalV6(a));
  const firstLinkLocal = v6.find((a) => isLinkLocalV6(a));

  const localAddress = input.nextHopV4 ?? (local?.family === 4 ? local.address : firstV4);
  const localGlobal = local?.family === 6 && !isLinkLocalV6(local.address) ? local.address : undefined;
  const localAddressV6 = input.nextHopV6 ?? localGlobal ?? firstGlobalV6;
  const localLinkLocal = local?.family === 6 && isLinkLocalV6(local.address) ? local.address : firstLinkLocal;
  return {
    ...(localAddress !== undefined && { localAddress }),
    ...(localAddressV6 !== undefined && { localAddressV6 }),
    ...(localLinkLocal !== undefined && { localLinkLocal }),
    ...(ifname !== undefined && { ifname }),
  };
}
