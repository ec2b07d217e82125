// Small builders for the RIB's unit tests (not used by the product code).

import { AFI_IPV4, MODERN_CONTEXT, type AsPathSegment, type PathAttributes, type Prefix, type UpdateMessage } from '../wire/types.js';
import { parseIpv4 } from '../../lib/ip.js';
import type { Interner } from './intern.js';
import { addressOrder, type Path, type RouteSource } from './path.js';
import { parsePrefix } from './prefix.js';
import type { SessionInfo } from './rib.js';

export const pfx = (text: string): Prefix => parsePrefix(text);

export const seq = (...asns: number[]): AsPathSegment => ({ type: 'sequence', asns });
export const asSet = (...asns: number[]): AsPathSegment => ({ type: 'set', asns });

export function peerSource(id: string, o: { asn?: number; localAsn?: number; routerId?: string; address?: string; ifname?: string } = {}): RouteSource {
  const address = o.address ?? id;
  const asn = o.asn ?? 65100;
  const localAsn = o.localAsn ?? 65010;
  return {
    kind: 'peer',
    id,
    asn,
    localAsn,
    ebgp: asn !== localAsn,
    routerId: parseIpv4(o.routerId ?? '10.255.0.1') ?? 0,
    address,
    addressOrder: addressOrder(address),
    ifname: o.ifname,
  };
}

export const LOCAL: RouteSource = {
  kind: 'local',
  id: 'local',
  asn: 65010,
  localAsn: 65010,
  ebgp: false,
  routerId: parseIpv4('10.255.0.10') ?? 0,
  address: '',
  addressOrder: '',
  ifname: undefined,
};

/** A candidate path with interned attributes (the next hop defaults to the peer's address). */
export function pathOf(interner: Interner, source: RouteSource, attrs: PathAttributes, o: { nextHops?: string[]; pathId?: number } = {}): Path {
  const nextHops = o.nextHops ?? (source.kind === 'local' ? [] : [source.address]);
  return { source, attrs: interner.intern(attrs, nextHops), pathId: o.pathId ?? 0, stale: false };
}

/** An UPDATE announcing IPv4 prefixes in the classic field and IPv6 ones in MP_REACH_NLRI. */
export function announce(prefixes: string[], attrs: PathAttributes, nextHop: string, nextHop6: string[] = []): UpdateMessage {
  const all = prefixes.map(pfx);
  const v4 = all.filter((p) => p.afi === AFI_IPV4);
  const v6 = all.filter((p) => p.afi !== AFI_IPV4);
  return {
    type: 'update',
    withdrawn: [],
    nlri: v4,
    attributes: { ...attrs, ...(v4.length > 0 && { nextHop }), ...(v6.length > 0 && { mpReach: { afi: 2, safi: 1, nextHops: nextHop6, nlri: v6 } }) },
  };
}

export function withdraw(prefixes: string[]): UpdateMessage {
  const all = prefixes.map(pfx);
  const v6 = all.filter((p) => p.afi !== AFI_IPV4);
  return {
    type: 'update',
    withdrawn: all.filter((p) => p.afi === AFI_IPV4),
    nlri: [],
    attributes: v6.length > 0 ? { mpUnreach: { afi: 2, safi: 1, withdrawn: v6 } } : {},
  };
}

export function session(routerId: string, localAddress?: string, more: Partial<SessionInfo> = {}): SessionInfo {
  return { ctx: MODERN_CONTEXT, families: ['1/1', '2/1'], routerId, ...(localAddress !== undefined && { localAddress }), ...more };
}
