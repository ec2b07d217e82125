// End-of-RIB markers (RFC 4724 §2): an empty UPDATE for IPv4 unicast, an UPDATE holding only an
// empty MP_UNREACH_NLRI for any other family.
import type { PathAttributes, UpdateMessage } from './types.js';
import { AFI_IPV4, SAFI_UNICAST } from './types.js';

/** The family an End-of-RIB marker is for, or undefined when the UPDATE is not one. */
export function isEndOfRib(u: UpdateMessage): { afi: number; safi: number } | undefined {
  if (u.withdrawn.length > 0 || u.nlri.length > 0) return undefined;
  const a = u.attributes;
  let keys = 0;
  for (const k in a) if (a[k as keyof PathAttributes] !== undefined) keys++;
  if (keys === 0) return { afi: AFI_IPV4, safi: SAFI_UNICAST };
  if (keys === 1 && a.mpUnreach !== undefined && a.mpUnreach.withdrawn.length === 0) return { afi: a.mpUnreach.afi, safi: a.mpUnreach.safi };
  return undefined;
}

/** The End-of-RIB marker for a family: an empty UPDATE for IPv4 unicast, else an empty MP_UNREACH_NLRI. */
export function endOfRib(afi: number, safi: number): UpdateMessage {
  if (afi === AFI_IPV4 && safi === SAFI_UNICAST) return { type: 'update', withdrawn: [], attributes: {}, nlri: [] };
  return { type: 'update', withdrawn: [], attributes: { mpUnreach: { afi, safi, withdrawn: [] } }, nlri: [] };
}
