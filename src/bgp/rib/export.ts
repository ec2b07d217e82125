// What a route looks like when sent to one peer (RFC 4271 §5.1, §9.2): which routes go out at
// all, next-hop-self, our AS prepended and LOCAL_PREF/MED dropped towards eBGP peers.

import { AFI_IPV4, type AsPathSegment, type CodecContext, type FamilyKey, type PathAttributes, type RawAttribute } from '../wire/types.js';
import type { AttrSet, StoredAttributes } from './intern.js';
import type { Path, RouteSource } from './path.js';

/** What the session negotiated and which local addresses it has: set when it is established. */
export interface ExportSession {
  readonly ctx: CodecContext;
  /** the families both sides enabled, e.g. ['1/1', '2/1'] */
  readonly families: readonly FamilyKey[];
  /** our IPv4 address on the session: the next hop of IPv4 routes */
  readonly localAddress?: string;
  /** our global IPv6 address on the session */
  readonly localAddressV6?: string;
  /** our link-local address on the session's interface, sent as the second IPv6 next hop (RFC 2545) */
  readonly localLinkLocal?: string;
}

export interface ExportOptions {
  readonly learned: boolean;
  readonly nextHopSelf: boolean;
}

/** Why the best route of a prefix is not sent to a peer. */
export type ExportSkip =
  | 'learned-not-exported' // a learned route and the peer's export policy has learned: false
  | 'from-this-peer' // never sent back to the peer it came from
  | 'ibgp-to-ibgp' // RFC 4271 §9.2: not re-advertised between internal peers
  | 'export-filter'
  | 'no-next-hop'; // no local address of the route's family on the session

export interface Exported {
  readonly attrs: StoredAttributes;
  readonly nextHops: readonly string[];
}

const TRANSITIVE = 0x40;
const MAX_SEGMENT = 255;

/** Whether the best route of a prefix goes to `peer` at all, judged by where it came from. */
export function exportSkip(best: Path, peer: RouteSource, opts: ExportOptions): ExportSkip | undefined {
  if (best.source.kind === 'local') return undefined;
  if (!opts.learned) return 'learned-not-exported';
  if (best.source === peer) return 'from-this-peer';
  if (!best.source.ebgp && !peer.ebgp) return 'ibgp-to-ibgp';
  return undefined;
}

/**
 * The attributes and next hops to send a route with (after exportSkip and the prefix filter let
 * it through). They depend only on the route's attribute set, whether it is locally originated,
 * the family and the peer, so callers compute them once per attribute set.
 */
export function exportAttributes(attrs: AttrSet, local: boolean, afi: number, peer: RouteSource, session: ExportSession, opts: ExportOptions): Exported | 'no-next-hop' {
  const keepHops = !local && !peer.ebgp && !opts.nextHopSelf;
  const nextHops = keepHops ? attrs.nextHops : nextHopSelf(afi, session);
  if (nextHops === undefined || nextHops.length === 0) return 'no-next-hop';
  return { attrs: outgoingAttributes(attrs.attrs, attrs.localPref, local, peer), nextHops };
}

/**
 * Our next hop(s) on the session for a family. IPv4: our IPv4 address, or with extended next hop
 * (RFC 8950, unnumbered sessions) our IPv6 next hops. IPv6: the global address, then the
 * link-local when we have one on the link; with only a link-local, `::` then the link-local (as
 * BIRD sends it, and FRR accepts it).
 */
export function nextHopSelf(afi: number, session: ExportSession): readonly string[] | undefined {
  if (afi === AFI_IPV4 && session.localAddress !== undefined) return [session.localAddress];
  if (afi === AFI_IPV4 && !session.ctx.extendedNextHop) return undefined;
  const g = session.localAddressV6;
  const ll = session.localLinkLocal;
  if (g !== undefined) return ll === undefined ? [g] : [g, ll];
  return ll === undefined ? undefined : ['::', ll];
}

function outgoingAttributes(a: StoredAttributes, localPref: number, local: boolean, peer: RouteSource): StoredAttributes {
  const out: { -readonly [K in keyof PathAttributes]?: PathAttributes[K] } = { ...a };
  if (a.unknown !== undefined) {
    // RFC 4271 §5: unrecognized non-transitive optional attributes are not passed along
    const transitive = a.unknown.filter((u: RawAttribute) => (u.flags & TRANSITIVE) !== 0);
    if (transitive.length === 0) delete out.unknown;
    else out.unknown = transitive;
  }
  if (peer.ebgp) {
    out.asPath = prepend(a.asPath ?? [], peer.localAsn);
    delete out.localPref; // §5.1.5: not sent to external peers
    if (!local) delete out.med; // §5.1.4: a MED received from a neighbouring AS is not propagated to other ASes
    delete out.originatorId; // RFC 4456: route-reflection attributes stay inside the AS
    delete out.clusterList;
  } else {
    out.asPath = a.asPath ?? [];
    out.localPref = localPref; // §5.1.5: always included towards internal peers
  }
  return out;
}

/** §5.1.2: prepend our AS as the leftmost entry of the leading AS_SEQUENCE (a new one if needed). */
export function prepend(path: readonly AsPathSegment[], asn: number): AsPathSegment[] {
  const [first, ...rest] = path;
  if (first !== undefined && first.type === 'sequence' && first.asns.length < MAX_SEGMENT) {
    return [{ type: 'sequence', asns: [asn, ...first.asns] }, ...rest];
  }
  return [{ type: 'sequence', asns: [asn] }, ...path];
}
