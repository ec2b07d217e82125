// Who a route came from, one candidate path, and the next hop the FIB installs for it.

import { parseIpv4, parseIpv6 } from '../../lib/ip.js';
import type { AttrSet } from './intern.js';

/**
 * The origin of paths: one per configured peer, plus one for routes this speaker announces
 * itself (`kind: 'local'`). Peer sources are made by the Rib; the decision process reads them.
 */
export interface RouteSource {
  readonly kind: 'local' | 'peer';
  /** 'local', or the peer's id */
  readonly id: string;
  /** the peer's AS (for the local source: our own AS) */
  readonly asn: number;
  /** our AS on this session (for the local source: our own AS) */
  readonly localAsn: number;
  /** external peer: asn differs from localAsn */
  readonly ebgp: boolean;
  /** BGP identifier as an unsigned 32-bit number; the peer's is known once its OPEN arrived */
  routerId: number;
  /** the peer's address as text (scope removed), for display */
  readonly address: string;
  /** a string that sorts like the address (IPv4 before IPv6), for the peer-address step */
  readonly addressOrder: string;
  /** the interface of a directly connected (e.g. link-local) session: link-local next hops need it */
  readonly ifname: string | undefined;
}

/** One candidate path for a prefix, as the Loc-RIB holds it. Read-only outside the Loc-RIB. */
export interface Path {
  readonly source: RouteSource;
  readonly attrs: AttrSet;
  /** RFC 7911 path identifier; 0 without add-path */
  readonly pathId: number;
  /** kept over a graceful restart or an enhanced route refresh until the peer re-announces it */
  readonly stale: boolean;
}

/** A next hop as the kernel FIB wants it: an address, and the interface when it is link-local. */
export interface NextHop {
  /** the peer the path came from */
  readonly peer: string;
  readonly via: string;
  readonly dev?: string;
}

/**
 * The next hop to install for a learned path. IPv6 next hops come as the global address,
 * optionally followed by a link-local one (RFC 2545); as FRR does for directly connected peers,
 * the link-local is preferred when the session's interface is known, and used anyway when the
 * global is missing (`::`) or is itself link-local.
 */
export function fibNextHop(path: Path): NextHop {
  const { globalNextHop, linkLocalNextHop } = path.attrs;
  const dev = path.source.ifname;
  const via = linkLocalNextHop !== undefined && (dev !== undefined || globalNextHop === undefined) ? linkLocalNextHop : (globalNextHop ?? path.attrs.nextHops[0] ?? '');
  return dev === undefined ? { peer: path.source.id, via } : { peer: path.source.id, via, dev };
}

/** The sort key of the peer-address step: IPv4 addresses sort before IPv6, each numerically. */
export function addressOrder(address: string): string {
  const v4 = parseIpv4(address);
  if (v4 !== undefined) return `4${v4.toString(16).padStart(8, '0')}`;
  const v6 = parseIpv6(address);
  if (v6 !== undefined) return `6${Array.from(v6, (b) => b.toString(16).padStart(2, '0')).join('')}`;
  return `9${address}`;
}
