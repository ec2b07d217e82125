// Checks of the peer's OPEN (RFC 4271 §6.2, RFC 6793 §4, RFC 6286 §2.2, RFC 5492 §5), each failure
// with its NOTIFICATION and the reason the FSM reports.
import { parseIpv4 } from '../../lib/ip.js';
import {
  NOTIF_OPEN,
  OPEN_BAD_BGP_ID,
  OPEN_BAD_PEER_AS,
  OPEN_UNACCEPTABLE_HOLD,
  OPEN_UNSUPPORTED_CAPABILITY,
  OPEN_UNSUPPORTED_PARAM,
  OPEN_UNSUPPORTED_VERSION,
} from '../wire/errors.js';
import type { Capability, NotificationMessage, OpenMessage } from '../wire/types.js';
import { AS_TRANS } from './config.js';
import { notification } from './notification.js';
import { BGP_VERSION } from './open.js';
import type { FsmConfig, RequiredCapability, StateReason } from './types.js';

export type OpenCheck =
  | { readonly ok: true; readonly peerAs: number }
  | { readonly ok: false; readonly reason: StateReason; readonly notification: NotificationMessage; readonly detail: string };

function reject(reason: StateReason, subcode: number, detail: string, data?: Uint8Array): OpenCheck {
  return { ok: false, reason, notification: notification(NOTIF_OPEN, subcode, data), detail };
}

/** The peer's ASN: the 4-octet AS capability when present (RFC 6793), else the My AS field. */
export function peerAsOf(open: OpenMessage): number {
  const cap = open.capabilities.find((c) => c.kind === 'four-octet-as');
  return cap?.kind === 'four-octet-as' ? cap.asn : open.myAs;
}

export function validateOpen(open: OpenMessage, config: FsmConfig): OpenCheck {
  if (open.version !== BGP_VERSION) {
    // data: the largest version we support, 2 octets
    return reject('open-bad-version', OPEN_UNSUPPORTED_VERSION, `version ${open.version}, we speak ${BGP_VERSION}`, new Uint8Array([0, BGP_VERSION]));
  }
  if (open.otherParams !== undefined && open.otherParams.length > 0) {
    const types = open.otherParams.map((p) => p.type).join(', ');
    return reject('open-unsupported-param', OPEN_UNSUPPORTED_PARAM, `optional parameter type ${types} is not supported`);
  }

  const myAsField = new Uint8Array([open.myAs >> 8, open.myAs & 0xff]);
  const as4 = open.capabilities.find((c) => c.kind === 'four-octet-as');
  if (as4?.kind === 'four-octet-as') {
    if (as4.asn === 0 || as4.asn === AS_TRANS) {
      return reject('open-bad-peer-as', OPEN_BAD_PEER_AS, `4-octet AS capability carries AS ${as4.asn}`, myAsField);
    }
    // RFC 6793 §4.2: My AS is the ASN itself when it fits in 2 octets, AS_TRANS otherwise
    const expected = as4.asn > 0xffff ? AS_TRANS : as4.asn;
    if (open.myAs !== expected && open.myAs !== AS_TRANS) {
      return reject('open-bad-peer-as', OPEN_BAD_PEER_AS, `My AS ${open.myAs} disagrees with the 4-octet AS capability ${as4.asn}`, myAsField);
    }
  }
  const peerAs = peerAsOf(open);
  if (peerAs !== config.peerAs) {
    return reject('open-bad-peer-as', OPEN_BAD_PEER_AS, `peer is AS ${peerAs}, configured AS ${config.peerAs}`, myAsField);
  }

  if (open.holdTime === 1 || open.holdTime === 2) {
    return reject('open-unacceptable-hold-time', OPEN_UNACCEPTABLE_HOLD, `hold time ${open.holdTime} s (must be 0 or at least 3)`);
  }

  const peerId = parseIpv4(open.bgpId);
  if (peerId === undefined || peerId === 0) {
    return reject('open-bad-bgp-id', OPEN_BAD_BGP_ID, `BGP identifier ${open.bgpId} is zero`);
  }
  // RFC 6286 §2.2: the same identifier as ours is an error only from an internal peer
  if (config.peerAs === config.localAs && peerId === parseIpv4(config.routerId)) {
    return reject('open-bad-bgp-id', OPEN_BAD_BGP_ID, `internal peer uses our own BGP identifier ${open.bgpId}`);
  }

  for (const req of config.requiredCapabilities) {
    if (!open.capabilities.some((c) => satisfies(c, req))) {
      return reject('open-unsupported-capability', OPEN_UNSUPPORTED_CAPABILITY, `peer lacks the required ${describeRequired(req)} capability`, encodeRequired(req, config));
    }
  }
  return { ok: true, peerAs };
}

function satisfies(c: Capability, req: RequiredCapability): boolean {
  switch (req.kind) {
    case 'four-octet-as':
    case 'route-refresh':
      return c.kind === req.kind;
    case 'multiprotocol':
      return c.kind === 'multiprotocol' && c.afi === req.afi && c.safi === req.safi;
    case 'extended-next-hop':
      return c.kind === 'extended-next-hop' && c.entries.some((e) => e.afi === req.afi && e.safi === req.safi && e.nextHopAfi === req.nextHopAfi);
  }
}

export function describeRequired(req: RequiredCapability): string {
  switch (req.kind) {
    case 'four-octet-as':
    case 'route-refresh':
      return req.kind;
    case 'multiprotocol':
      return `multiprotocol ${req.afi}/${req.safi}`;
    case 'extended-next-hop':
      return `extended-next-hop ${req.afi}/${req.safi} via afi ${req.nextHopAfi}`;
  }
}

/** RFC 5492 §5: the data of Unsupported Capability lists the capabilities (code, length, value) we miss. */
export function encodeRequired(req: RequiredCapability, config: FsmConfig): Uint8Array {
  switch (req.kind) {
    case 'four-octet-as': {
      const a = config.localAs;
      return new Uint8Array([65, 4, (a >>> 24) & 0xff, (a >>> 16) & 0xff, (a >>> 8) & 0xff, a & 0xff]);
    }
    case 'route-refresh':
      return new Uint8Array([2, 0]);
    case 'multiprotocol':
      return new Uint8Array([1, 4, req.afi >> 8, req.afi & 0xff, 0, req.safi]);
    case 'extended-next-hop':
      return new Uint8Array([5, 6, req.afi >> 8, req.afi & 0xff, req.safi >> 8, req.safi & 0xff, req.nextHopAfi >> 8, req.nextHopAfi & 0xff]);
  }
}
