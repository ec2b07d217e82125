// Typed BGP messages: what the codec decodes to and encodes from.
// Pure value types; no behaviour. Addresses outside the NLRI hot path are canonical strings
// (dotted quad, RFC 5952 IPv6); IPv4 NLRI carry the address as an unsigned 32-bit number.

export const AFI_IPV4 = 1;
export const AFI_IPV6 = 2;
export const SAFI_UNICAST = 1;
export type Afi = typeof AFI_IPV4 | typeof AFI_IPV6;
export type Safi = number;

/** "afi/safi", e.g. "1/1" for IPv4 unicast: the key of per-family settings. */
export type FamilyKey = `${number}/${number}`;
export const familyKey = (afi: number, safi: number): FamilyKey => `${afi}/${safi}`;

export interface Ipv4Prefix {
  readonly afi: 1;
  /** network address, host bits zero, as an unsigned 32-bit integer */
  readonly addr: number;
  readonly len: number;
  /** RFC 7911 path identifier, present only when add-path is in use for the family */
  readonly pathId?: number;
}
export interface Ipv6Prefix {
  readonly afi: 2;
  /** network address, host bits zero, canonical RFC 5952 text */
  readonly addr: string;
  readonly len: number;
  readonly pathId?: number;
}
export type Prefix = Ipv4Prefix | Ipv6Prefix;

// ---------------------------------------------------------------- capabilities (OPEN)

export type AddPathMode = 'receive' | 'send' | 'both';

export type Capability =
  | { readonly kind: 'multiprotocol'; readonly afi: number; readonly safi: number } // 1, RFC 4760
  | { readonly kind: 'route-refresh' } // 2, RFC 2918
  | { readonly kind: 'extended-next-hop'; readonly entries: readonly { afi: number; safi: number; nextHopAfi: number }[] } // 5, RFC 8950
  | { readonly kind: 'extended-message' } // 6, RFC 8654
  | {
      // 64, RFC 4724 (N bit: RFC 8538)
      readonly kind: 'graceful-restart';
      readonly restarting: boolean;
      readonly notification: boolean;
      readonly restartTime: number;
      readonly families: readonly { afi: number; safi: number; forwardingPreserved: boolean }[];
    }
  | { readonly kind: 'four-octet-as'; readonly asn: number } // 65, RFC 6793
  | { readonly kind: 'add-path'; readonly families: readonly { afi: number; safi: number; mode: AddPathMode }[] } // 69, RFC 7911
  | { readonly kind: 'enhanced-route-refresh' } // 70, RFC 7313
  | {
      // 71, draft-ietf-idr-long-lived-gr (decode only; encode writes what was decoded)
      readonly kind: 'long-lived-gr';
      readonly families: readonly { afi: number; safi: number; forwardingPreserved: boolean; staleTime: number }[];
    }
  | { readonly kind: 'fqdn'; readonly hostname: string; readonly domain: string } // 73, draft-walton-bgp-hostname
  | { readonly kind: 'unknown'; readonly code: number; readonly value: Uint8Array };

// ---------------------------------------------------------------- path attributes

export const ORIGIN_IGP = 0;
export const ORIGIN_EGP = 1;
export const ORIGIN_INCOMPLETE = 2;
export type Origin = 0 | 1 | 2;

export type AsPathSegmentType = 'set' | 'sequence' | 'confed-sequence' | 'confed-set'; // 1, 2, 3, 4
export interface AsPathSegment {
  readonly type: AsPathSegmentType;
  readonly asns: readonly number[];
}

export interface MpReach {
  readonly afi: number;
  readonly safi: number;
  /** one address (global, or IPv4), or two for IPv6 (global then link-local) */
  readonly nextHops: readonly string[];
  readonly nlri: readonly Prefix[];
}
export interface MpUnreach {
  readonly afi: number;
  readonly safi: number;
  readonly withdrawn: readonly Prefix[];
}

export interface RawAttribute {
  readonly flags: number;
  readonly type: number;
  readonly value: Uint8Array;
}

/**
 * The path attributes of one UPDATE. AS_PATH is always the full 4-octet path: when the peer is a
 * 2-octet speaker the decoder has already merged AS4_PATH into it (RFC 6793 §4.2.3), and the
 * encoder writes AS_TRANS + AS4_PATH when the context says the session is 2-octet.
 */
export interface PathAttributes {
  origin?: Origin; // 1
  asPath?: readonly AsPathSegment[]; // 2 (+17 AS4_PATH)
  nextHop?: string; // 3
  med?: number; // 4
  localPref?: number; // 5
  atomicAggregate?: boolean; // 6
  aggregator?: { readonly asn: number; readonly address: string }; // 7 (+18 AS4_AGGREGATOR)
  communities?: readonly number[]; // 8, each a 32-bit value
  originatorId?: string; // 9
  clusterList?: readonly string[]; // 10
  mpReach?: MpReach; // 14
  mpUnreach?: MpUnreach; // 15
  /** 8-octet values, each as 16 hex characters */
  extCommunities?: readonly string[]; // 16
  largeCommunities?: readonly (readonly [number, number, number])[]; // 32
  /**
   * optional attributes this codec does not interpret, in type-code order (the order the encoder
   * writes them); `flags` without the Extended Length bit, and with the Partial bit on transitive
   * ones (RFC 4271 §5: set by the decoder, and by the encoder on anything it writes)
   */
  unknown?: readonly RawAttribute[];
}

// ---------------------------------------------------------------- messages

export interface OpenMessage {
  readonly type: 'open';
  readonly version: number;
  /** the 2-octet "My Autonomous System" field (AS_TRANS 23456 when the real ASN is 4-octet) */
  readonly myAs: number;
  readonly holdTime: number;
  readonly bgpId: string;
  readonly capabilities: readonly Capability[];
  /** optional parameters other than capabilities (type 2), kept as received */
  readonly otherParams?: readonly { type: number; value: Uint8Array }[];
  /** encode with the RFC 9072 extended optional-parameters form; set by the decoder when received so */
  readonly extendedParams?: boolean;
  /**
   * encode each capability in its own optional parameter (as FRR and GoBGP send them) instead of
   * all in one (as BIRD does); set by the decoder when received so, so that re-encoding gives the same bytes
   */
  readonly oneParamPerCapability?: boolean;
}

export interface UpdateMessage {
  readonly type: 'update';
  /** IPv4 unicast withdrawals in the classic field */
  readonly withdrawn: readonly Prefix[];
  readonly attributes: PathAttributes;
  /** IPv4 unicast NLRI in the classic field */
  readonly nlri: readonly Prefix[];
  /** attribute-discard problems found while decoding (RFC 7606): the attribute was dropped, the update stands */
  readonly discarded?: readonly import('./errors.js').BgpWireError[];
  /**
   * How the attributes were laid out on the wire, set by the decoder only when that differs from
   * what the encoder does by itself (MP attributes first, then ascending type code; 2-octet length
   * only for MP attributes and values over 255 bytes; no Partial bit on known attributes), so that
   * re-encoding a received UPDATE gives the same bytes. The encoder writes the listed attributes
   * first, in this order, taking only the Extended Length (0x10) and, for known attributes, the
   * Partial (0x20) bit from `flags`; attributes not listed follow in the default order.
   */
  readonly attributeLayout?: readonly { readonly type: number; readonly flags: number }[];
}

export interface NotificationMessage {
  readonly type: 'notification';
  readonly code: number;
  readonly subcode: number;
  readonly data: Uint8Array;
}

export interface KeepaliveMessage {
  readonly type: 'keepalive';
}

/** RFC 2918 (subtype 0) and RFC 7313 (1 = BoRR, 2 = EoRR) */
export interface RouteRefreshMessage {
  readonly type: 'route-refresh';
  readonly afi: number;
  readonly safi: number;
  readonly subtype: 0 | 1 | 2;
}

export type Message = OpenMessage | UpdateMessage | NotificationMessage | KeepaliveMessage | RouteRefreshMessage;

export const MSG_OPEN = 1;
export const MSG_UPDATE = 2;
export const MSG_NOTIFICATION = 3;
export const MSG_KEEPALIVE = 4;
export const MSG_ROUTE_REFRESH = 5;

/**
 * What was negotiated on a session and changes how bytes are read and written.
 * Built by the session layer from both OPENs; the codec never guesses.
 */
export interface CodecContext {
  /** both sides advertised the 4-octet AS capability */
  readonly fourOctetAs: boolean;
  /** families whose NLRI carry RFC 7911 path identifiers in messages we receive */
  readonly addPathReceive: ReadonlySet<FamilyKey>;
  /** families whose NLRI carry path identifiers in messages we send */
  readonly addPathSend: ReadonlySet<FamilyKey>;
  /** RFC 8950: IPv4 NLRI may carry an IPv6 next hop (MP_REACH for AFI 1) */
  readonly extendedNextHop: boolean;
  /** RFC 8654: messages up to 65535 octets (else 4096) */
  readonly extendedMessage: boolean;
}

const EMPTY = new Set<FamilyKey>();
/** Before (or without) negotiation: RFC 4271 defaults. */
export const DEFAULT_CONTEXT: CodecContext = {
  fourOctetAs: false,
  addPathReceive: EMPTY,
  addPathSend: EMPTY,
  extendedNextHop: false,
  extendedMessage: false,
};
/** What lagless negotiates with every modern peer: 4-octet AS, no add-path. */
export const MODERN_CONTEXT: CodecContext = { ...DEFAULT_CONTEXT, fourOctetAs: true };
