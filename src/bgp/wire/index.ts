// The public surface of the BGP-4 wire codec: pure, bytes in and typed values out, and back.
// No I/O, timers or logging. What was negotiated on the session (4-octet AS, add-path, extended
// next hop, extended message) is the explicit CodecContext argument.
//
//   decodeMessage(buf, ctx[, offset, length]) -> Message       (throws BgpWireError)
//   encodeMessage(msg, ctx) -> Uint8Array                      (throws BgpWireError ERR_BGP_ENCODE_*)
//   readMessageLength(buf, offset, ctx) -> number | undefined  (stream framing)
//
// Errors carry the NOTIFICATION to send (notifCode, notifSubcode, data) and the RFC 7606 action:
//   session-reset      send the NOTIFICATION and close
//   afi-safi-disable   stop using the family (err.withdraw lists the UPDATE's prefixes)
//   treat-as-withdraw  withdraw err.withdraw (every prefix the UPDATE carried), keep the session;
//                      also used, with nothing to withdraw, for a message that must just be ignored
//                      (a ROUTE-REFRESH with an unknown subtype, RFC 7313 §5)
//   attribute-discard  never thrown: the UPDATE is returned without the attribute, the error in `discarded`
// Add-path: decoding reads path ids for ctx.addPathReceive families, encoding writes them for
// ctx.addPathSend families (a prefix without pathId is sent with path id 0).
export * from './types.js';
export * from './errors.js';
export { decodeMessage, encodeMessage } from './message.js';
export {
  readMessageLength,
  maxMessageLength,
  MAX_MESSAGE_LENGTH,
  EXTENDED_MAX_MESSAGE_LENGTH,
  HEADER_LENGTH,
} from './header.js';
export { isEndOfRib, endOfRib } from './end-of-rib.js';
export { attributesLength } from './attributes-encode.js';
export { prefixKey, parsePrefix, formatPrefix, nlriLength } from './nlri.js';
export { AS_TRANS } from './as-path.js';
export {
  ATTRIBUTES,
  ATTR_ORIGIN,
  ATTR_AS_PATH,
  ATTR_NEXT_HOP,
  ATTR_MED,
  ATTR_LOCAL_PREF,
  ATTR_ATOMIC_AGGREGATE,
  ATTR_AGGREGATOR,
  ATTR_COMMUNITIES,
  ATTR_ORIGINATOR_ID,
  ATTR_CLUSTER_LIST,
  ATTR_MP_REACH_NLRI,
  ATTR_MP_UNREACH_NLRI,
  ATTR_EXTENDED_COMMUNITIES,
  ATTR_AS4_PATH,
  ATTR_AS4_AGGREGATOR,
  ATTR_LARGE_COMMUNITIES,
} from './attributes.js';
export { capabilityCode } from './capabilities.js';

/**
 * Bytes an UPDATE takes besides its attributes and prefixes: header (19), withdrawn routes length
 * (2), total path attribute length (2). An UPDATE's size is UPDATE_OVERHEAD +
 * Σ nlriLength(withdrawn) + attributesLength(attrs) + Σ nlriLength(nlri); MP_REACH/MP_UNREACH are
 * always written with a 2-octet attribute length, so each prefix added to them adds exactly nlriLength.
 */
export const UPDATE_OVERHEAD = 23;
