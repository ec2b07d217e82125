// Connection collision resolution (RFC 4271 §6.8, RFC 6286 §2.3): when we hold two connections to
// one peer, the one opened by the side with the higher BGP identifier survives.
import { parseIpv4 } from '../../lib/ip.js';

/** outbound: the connection we opened; inbound: the one the peer opened and we accepted */
export type ConnectionDirection = 'outbound' | 'inbound';

export interface CollisionInput {
  readonly localId: string;
  readonly remoteId: string;
  readonly localAs: number;
  readonly remoteAs: number;
}

/** The direction of the connection to keep; the other gets Cease/Connection Collision Resolution. */
export function resolveCollision(c: CollisionInput): ConnectionDirection {
  const local = parseIpv4(c.localId) ?? 0;
  const remote = parseIpv4(c.remoteId) ?? 0;
  // "If the value of the local BGP Identifier is less than the remote one, the local system closes
  // the BGP connection that already exists ... and accepts the BGP connection initiated by the
  // remote system."
  if (local !== remote) return local < remote ? 'inbound' : 'outbound';
  // RFC 6286: identical identifiers: "the connection initiated by the BGP speaker with the larger
  // AS number is preserved."
  return c.localAs > c.remoteAs ? 'outbound' : 'inbound';
}
