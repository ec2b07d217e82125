// Packing routes into UPDATE messages: as many prefixes per message as fit (4096 octets, or 65535
// with extended message), one attribute set per message; IPv4 with an IPv4 next hop in the classic
// NLRI field, everything else in MP_REACH_NLRI (RFC 4760; RFC 8950 for IPv4 over IPv6 next hops);
// IPv4 withdrawals in the classic field, IPv6 ones in MP_UNREACH_NLRI. Sizes are the codec's own
// (attributesLength encodes the attributes once per set), so a packed message is never too long.

import { AFI_IPV4, SAFI_UNICAST, familyKey, type CodecContext, type PathAttributes, type Prefix, type UpdateMessage } from '../wire/types.js';
import { attributesLength, maxMessageLength, nlriLength, UPDATE_OVERHEAD } from '../wire/index.js';
import { RibError } from './errors.js';
import type { StoredAttributes } from './intern.js';

const NO_PREFIXES: readonly Prefix[] = Object.freeze([]);

/** Whether routes of this family with these next hops go in MP_REACH_NLRI (else classic NLRI). */
export function usesMpReach(afi: number, nextHops: readonly string[]): boolean {
  return afi !== AFI_IPV4 || (nextHops[0] ?? '').includes(':');
}

/** The attributes of an announcement UPDATE, with the prefixes in MP_REACH_NLRI when they go there. */
function announcementAttributes(afi: number, attrs: StoredAttributes, nextHops: readonly string[], nlri: readonly Prefix[]): PathAttributes {
  return usesMpReach(afi, nextHops) ? { ...attrs, mpReach: { afi, safi: SAFI_UNICAST, nextHops, nlri } } : { ...attrs, nextHop: nextHops[0]! };
}

/** Octets left for prefixes in one UPDATE carrying these attributes (less than one prefix: cannot be sent). */
export function nlriSpace(afi: number, attrs: StoredAttributes, nextHops: readonly string[], ctx: CodecContext): number {
  return maxMessageLength(ctx) - UPDATE_OVERHEAD - attributesLength(announcementAttributes(afi, attrs, nextHops, NO_PREFIXES), ctx);
}

/** UPDATEs announcing `prefixes` (all of family `afi`) with one attribute set. */
export function packAnnouncements(afi: number, attrs: StoredAttributes, nextHops: readonly string[], prefixes: readonly Prefix[], ctx: CodecContext): UpdateMessage[] {
  const mp = usesMpReach(afi, nextHops);
  const space = nlriSpace(afi, attrs, nextHops, ctx);
  const addPath = ctx.addPathSend.has(familyKey(afi, SAFI_UNICAST));
  return chunk(prefixes, space, addPath).map(
    (nlri): UpdateMessage => ({ type: 'update', withdrawn: NO_PREFIXES, attributes: announcementAttributes(afi, attrs, nextHops, nlri), nlri: mp ? NO_PREFIXES : nlri }),
  );
}

/** UPDATEs withdrawing `prefixes` (all of family `afi`). */
export function packWithdrawals(afi: number, prefixes: readonly Prefix[], ctx: CodecContext): UpdateMessage[] {
  const classic = afi === AFI_IPV4;
  const empty: PathAttributes = classic ? {} : { mpUnreach: { afi, safi: SAFI_UNICAST, withdrawn: NO_PREFIXES } };
  const space = maxMessageLength(ctx) - UPDATE_OVERHEAD - attributesLength(empty, ctx);
  const addPath = ctx.addPathSend.has(familyKey(afi, SAFI_UNICAST));
  return chunk(prefixes, space, addPath).map(
    (withdrawn): UpdateMessage =>
      classic
        ? { type: 'update', withdrawn, attributes: {}, nlri: NO_PREFIXES }
        : { type: 'update', withdrawn: NO_PREFIXES, attributes: { mpUnreach: { afi, safi: SAFI_UNICAST, withdrawn } }, nlri: NO_PREFIXES },
  );
}

function chunk(prefixes: readonly Prefix[], space: number, addPath: boolean): Prefix[][] {
  const out: Prefix[][] = [];
  let cur: Prefix[] = [];
  let used = 0;
  for (const p of prefixes) {
    const n = nlriLength(p, addPath);
    if (n > space) throw new RibError('ERR_RIB_UPDATE_TOO_LONG', `path attributes leave ${space} octets in an UPDATE, a prefix needs ${n}`);
    if (used + n > space) {
      out.push(cur);
      cur = [];
      used = 0;
    }
    cur.push(p);
    used += n;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}
