// What two OPENs agree on (hold time, families, capabilities) and the codec context that follows.
import { familyKey } from '../wire/types.js';
import type { Capability, FamilyKey, OpenMessage } from '../wire/types.js';
import { IPV4_UNICAST } from './family.js';
import { peerAsOf } from './validate-open.js';
import type { FsmConfig, Negotiated } from './types.js';

type CapOf<K extends Capability['kind']> = Extract<Capability, { kind: K }>;

function find<K extends Capability['kind']>(caps: readonly Capability[], kind: K): CapOf<K> | undefined {
  return caps.find((c): c is CapOf<K> => c.kind === kind);
}

/** Families an OPEN announces; none announced means IPv4 unicast (RFC 4760 §8). */
export function openFamilies(open: OpenMessage): FamilyKey[] {
  const mp = open.capabilities.filter((c): c is CapOf<'multiprotocol'> => c.kind === 'multiprotocol');
  return mp.length === 0 ? [IPV4_UNICAST] : mp.map((c) => familyKey(c.afi, c.safi));
}

function extendedNextHopFamilies(open: OpenMessage): Set<string> {
  const out = new Set<string>();
  for (const c of open.capabilities) {
    if (c.kind === 'extended-next-hop') for (const e of c.entries) out.add(`${familyKey(e.afi, e.safi)}>${e.nextHopAfi}`);
  }
  return out;
}

export function negotiate(local: OpenMessage, peer: OpenMessage, config: FsmConfig): Negotiated {
  const peerFamilies = new Set(openFamilies(peer));
  const families = openFamilies(local).filter((f) => peerFamilies.has(f));

  const holdTime = Math.min(local.holdTime, peer.holdTime);
  const keepaliveTime = holdTime === 0 ? 0 : Math.max(1, Math.min(config.keepaliveTime, Math.floor(holdTime / 3)));

  const both = (kind: Capability['kind']): boolean => local.capabilities.some((c) => c.kind === kind) && peer.capabilities.some((c) => c.kind === kind);
  const fourOctetAs = both('four-octet-as');
  const extendedMessage = both('extended-message');

  const ourEnh = extendedNextHopFamilies(local);
  const theirEnh = extendedNextHopFamilies(peer);
  const extendedNextHop = families.filter((f) => [...ourEnh].some((e) => e.startsWith(`${f}>`) && theirEnh.has(e)));

  const fqdn = find(peer.capabilities, 'fqdn');
  const empty = new Set<FamilyKey>();
  return {
    peerAs: peerAsOf(peer),
    peerId: peer.bgpId,
    localHoldTime: local.holdTime,
    peerHoldTime: peer.holdTime,
    holdTime,
    keepaliveTime,
    families,
    fourOctetAs,
    routeRefresh: both('route-refresh'),
    enhancedRouteRefresh: both('enhanced-route-refresh'),
    extendedNextHop,
    extendedMessage,
    addPath: new Map(),
    peerGracefulRestart: find(peer.capabilities, 'graceful-restart'),
    localGracefulRestart: find(local.capabilities, 'graceful-restart') !== undefined,
    peerHostname: fqdn?.hostname,
    peerCapabilities: peer.capabilities,
    codec: {
      fourOctetAs,
      addPathReceive: empty,
      addPathSend: empty,
      extendedNextHop: extendedNextHop.includes(IPV4_UNICAST),
      extendedMessage,
    },
  };
}
