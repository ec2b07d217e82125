// Path attributes, table-driven (after BIRD's bgp_attr_table): one descriptor per type code with
// its name, the Optional/Transitive flags it must carry, the RFC 7606 action for a malformed value,
// and its decode and encode. Adding an attribute is adding one entry.
import { AS_TRANS, as4PathOf, decodeAsPath, encodeAsPath, needsAs4Path, toTwoOctet } from './as-path.js';
import type { AttrInput } from './attr-input.js';
import { encodeError, type ErrorAction, UPDATE_INVALID_ORIGIN, UPDATE_MALFORMED_AS_PATH } from './errors.js';
import { ipv4ToString, parseIpv4 } from '../../lib/ip.js';
import { decodeMpReach, decodeMpUnreach, encodeMpReach, encodeMpUnreach } from './mp-nlri.js';
import type { AsPathSegment, CodecContext, Origin, PathAttributes } from './types.js';
import type { Writer } from './writer.js';

export const FLAG_OPTIONAL = 0x80;
export const FLAG_TRANSITIVE = 0x40;
export const FLAG_PARTIAL = 0x20;
export const FLAG_EXTENDED_LENGTH = 0x10;
const WELL_KNOWN = FLAG_TRANSITIVE;
const OPTIONAL_TRANSITIVE = FLAG_OPTIONAL | FLAG_TRANSITIVE;
const OPTIONAL_NON_TRANSITIVE = FLAG_OPTIONAL;

export const ATTR_ORIGIN = 1;
export const ATTR_AS_PATH = 2;
export const ATTR_NEXT_HOP = 3;
export const ATTR_MED = 4;
export const ATTR_LOCAL_PREF = 5;
export const ATTR_ATOMIC_AGGREGATE = 6;
export const ATTR_AGGREGATOR = 7;
export const ATTR_COMMUNITIES = 8;
export const ATTR_ORIGINATOR_ID = 9;
export const ATTR_CLUSTER_LIST = 10;
export const ATTR_MP_REACH_NLRI = 14;
export const ATTR_MP_UNREACH_NLRI = 15;
export const ATTR_EXTENDED_COMMUNITIES = 16;
export const ATTR_AS4_PATH = 17;
export const ATTR_AS4_AGGREGATOR = 18;
export const ATTR_LARGE_COMMUNITIES = 32;

/** Values decoded from one UPDATE that are only combined once all attributes are read. */
export interface DecodeState {
  readonly ctx: CodecContext;
  readonly attrs: PathAttributes;
  /** AS4_PATH / AS4_AGGREGATOR from a 2-octet speaker, merged after the loop (RFC 6793 §4.2.3) */
  as4Path?: readonly AsPathSegment[];
  as4Aggregator?: { readonly asn: number; readonly address: string };
}

export interface AttributeDescriptor {
  readonly type: number;
  readonly name: string;
  /** the Optional and Transitive bits the attribute must carry (a mismatch is an Attribute Flags Error) */
  readonly flags: number;
  /** RFC 7606 action when the attribute is malformed, including wrong flags */
  readonly onError: ErrorAction;
  decode(a: AttrInput, st: DecodeState): void;
  /** whether the attribute is written for these attributes on a session with this context */
  present(attrs: PathAttributes, ctx: CodecContext): boolean;
  /** writes the value (the caller writes flags, type and length) */
  encode(w: Writer, attrs: PathAttributes, ctx: CodecContext): void;
}

const ORIGINS: readonly Origin[] = [0, 1, 2];

function ipv4Text(w: Writer, text: string, what: string): void {
  const v = parseIpv4(text);
  if (v === undefined) throw encodeError('ERR_BGP_ENCODE_ADDRESS', `${what} ${JSON.stringify(text)} is not an IPv4 address`);
  w.u32(v);
}

const EXT_COMMUNITY = /^[0-9a-fA-F]{16}$/;

const asPathMalformed = (a: AttrInput) => (why: string) => a.fail('ERR_BGP_AS_PATH_MALFORMED', UPDATE_MALFORMED_AS_PATH, why);

const descriptors: readonly AttributeDescriptor[] = [
  {
    type: ATTR_ORIGIN,
    name: 'ORIGIN',
    flags: WELL_KNOWN,
    onError: 'treat-as-withdraw', // RFC 7606 §7.1
    decode(a, st) {
      a.exactLength(1);
      const v = ORIGINS[a.r.u8('origin')];
      if (v === undefined) throw a.fail('ERR_BGP_ORIGIN_INVALID', UPDATE_INVALID_ORIGIN, 'value is not IGP, EGP or INCOMPLETE');
      st.attrs.origin = v;
    },
    present: (x) => x.origin !== undefined,
    encode: (w, x) => w.u8(x.origin!, 'ORIGIN'),
  },
  {
    type: ATTR_AS_PATH,
    name: 'AS_PATH',
    flags: WELL_KNOWN,
    onError: 'treat-as-withdraw', // RFC 7606 §7.2
    decode(a, st) {
      st.attrs.asPath = decodeAsPath(a.r, st.ctx.fourOctetAs, asPathMalformed(a));
    },
    present: (x) => x.asPath !== undefined,
    encode: (w, x, ctx) => encodeAsPath(w, x.asPath!, ctx.fourOctetAs),
  },
  {
    type: ATTR_NEXT_HOP,
    name: 'NEXT_HOP',
    flags: WELL_KNOWN,
    onError: 'treat-as-withdraw', // RFC 7606 §7.3
    decode(a, st) {
      a.exactLength(4);
      st.attrs.nextHop = ipv4ToString(a.r.u32('next hop'));
    },
    present: (x) => x.nextHop !== undefined,
    encode: (w, x) => ipv4Text(w, x.nextHop!, 'NEXT_HOP'),
  },
  {
    type: ATTR_MED,
    name: 'MULTI_EXIT_DISC',
    flags: OPTIONAL_NON_TRANSITIVE,
    onError: 'treat-as-withdraw', // RFC 7606 §7.4
    decode(a, st) {
      a.exactLength(4);
      st.attrs.med = a.r.u32('MED');
    },
    present: (x) => x.med !== undefined,
    encode: (w, x) => w.u32(x.med!, 'MED'),
  },
  {
    type: ATTR_LOCAL_PREF,
    name: 'LOCAL_PREF',
    flags: WELL_KNOWN,
    onError: 'treat-as-withdraw', // RFC 7606 §7.5
    decode(a, st) {
      a.exactLength(4);
      st.attrs.localPref = a.r.u32('LOCAL_PREF');
    },
    present: (x) => x.localPref !== undefined,
    encode: (w, x) => w.u32(x.localPref!, 'LOCAL_PREF'),
  },
  {
    type: ATTR_ATOMIC_AGGREGATE,
    name: 'ATOMIC_AGGREGATE',
    flags: WELL_KNOWN,
    onError: 'attribute-discard', // RFC 7606 §7.6
    decode(a, st) {
      a.exactLength(0);
      st.attrs.atomicAggregate = true;
    },
    present: (x) => x.atomicAggregate === true,
    encode: () => {},
  },
  {
    type: ATTR_AGGREGATOR,
    name: 'AGGREGATOR',
    flags: OPTIONAL_TRANSITIVE,
    onError: 'attribute-discard', // RFC 7606 §7.7
    decode(a, st) {
      const four = st.ctx.fourOctetAs;
      a.exactLength(four ? 8 : 6);
      const asn = four ? a.r.u32('ASN') : a.r.u16('ASN');
      st.attrs.aggregator = { asn, address: ipv4ToString(a.r.u32('address')) };
    },
    present: (x) => x.aggregator !== undefined,
    encode(w, x, ctx) {
      const g = x.aggregator!;
      if (ctx.fourOctetAs) w.u32(g.asn, 'AGGREGATOR ASN');
      else w.u16(toTwoOctet(g.asn));
      ipv4Text(w, g.address, 'AGGREGATOR address');
    },
  },
  {
    type: ATTR_COMMUNITIES,
    name: 'COMMUNITIES',
    flags: OPTIONAL_TRANSITIVE,
    onError: 'treat-as-withdraw', // RFC 7606 §7.8
    decode(a, st) {
      a.multipleLength(4);
      const out: number[] = [];
      while (a.r.remaining > 0) out.push(a.r.u32('community'));
      st.attrs.communities = out;
    },
    present: (x) => x.communities !== undefined && x.communities.length > 0,
    encode: (w, x) => x.communities!.forEach((c) => w.u32(c, 'community')),
  },
  {
    type: ATTR_ORIGINATOR_ID,
    name: 'ORIGINATOR_ID',
    flags: OPTIONAL_NON_TRANSITIVE,
    onError: 'treat-as-withdraw', // RFC 7606 §7.9
    decode(a, st) {
      a.exactLength(4);
      st.attrs.originatorId = ipv4ToString(a.r.u32('originator id'));
    },
    present: (x) => x.originatorId !== undefined,
    encode: (w, x) => ipv4Text(w, x.originatorId!, 'ORIGINATOR_ID'),
  },
  {
    type: ATTR_CLUSTER_LIST,
    name: 'CLUSTER_LIST',
    flags: OPTIONAL_NON_TRANSITIVE,
    onError: 'treat-as-withdraw', // RFC 7606 §7.10
    decode(a, st) {
      a.multipleLength(4);
      const out: string[] = [];
      while (a.r.remaining > 0) out.push(ipv4ToString(a.r.u32('cluster id')));
      st.attrs.clusterList = out;
    },
    present: (x) => x.clusterList !== undefined && x.clusterList.length > 0,
    encode: (w, x) => x.clusterList!.forEach((c) => ipv4Text(w, c, 'CLUSTER_LIST id')),
  },
  {
    type: ATTR_MP_REACH_NLRI,
    name: 'MP_REACH_NLRI',
    flags: OPTIONAL_NON_TRANSITIVE,
    onError: 'session-reset', // RFC 7606 §7.11 (next-hop length errors: treat-as-withdraw, in mp-nlri.ts)
    decode(a, st) {
      decodeMpReach(a, st.ctx, (v) => (st.attrs.mpReach = v));
    },
    present: (x) => x.mpReach !== undefined,
    encode: (w, x, ctx) => encodeMpReach(w, x.mpReach!, ctx),
  },
  {
    type: ATTR_MP_UNREACH_NLRI,
    name: 'MP_UNREACH_NLRI',
    flags: OPTIONAL_NON_TRANSITIVE,
    onError: 'session-reset', // RFC 7606 §7.12
    decode(a, st) {
      st.attrs.mpUnreach = decodeMpUnreach(a, st.ctx);
    },
    present: (x) => x.mpUnreach !== undefined,
    encode: (w, x, ctx) => encodeMpUnreach(w, x.mpUnreach!, ctx),
  },
  {
    type: ATTR_EXTENDED_COMMUNITIES,
    name: 'EXTENDED_COMMUNITIES',
    flags: OPTIONAL_TRANSITIVE,
    onError: 'treat-as-withdraw', // RFC 7606 §7.14
    decode(a, st) {
      a.multipleLength(8);
      const { buf } = a.r;
      const out: string[] = [];
      for (let p = a.r.pos; p < a.r.end; p += 8) out.push(Buffer.from(buf.buffer, buf.byteOffset + p, 8).toString('hex'));
      a.r.pos = a.r.end;
      st.attrs.extCommunities = out;
    },
    present: (x) => x.extCommunities !== undefined && x.extCommunities.length > 0,
    encode(w, x) {
      for (const c of x.extCommunities!) {
        if (!EXT_COMMUNITY.test(c)) throw encodeError('ERR_BGP_ENCODE_EXT_COMMUNITY', `extended community ${JSON.stringify(c)} is not 16 hex digits`);
        w.bytes(Buffer.from(c, 'hex'));
      }
    },
  },
  {
    type: ATTR_AS4_PATH,
    name: 'AS4_PATH',
    flags: OPTIONAL_TRANSITIVE,
    onError: 'attribute-discard', // RFC 6793 §6, RFC 7606 §7.2
    decode(a, st) {
      const path = decodeAsPath(a.r, true, asPathMalformed(a));
      if (path.some((s) => s.type === 'confed-sequence' || s.type === 'confed-set')) {
        throw a.fail('ERR_BGP_AS_PATH_MALFORMED', UPDATE_MALFORMED_AS_PATH, 'confederation segment in AS4_PATH');
      }
      st.as4Path = path;
    },
    present: (x, ctx) => !ctx.fourOctetAs && x.asPath !== undefined && needsAs4Path(x.asPath),
    encode: (w, x) => encodeAsPath(w, as4PathOf(x.asPath!), true),
  },
  {
    type: ATTR_AS4_AGGREGATOR,
    name: 'AS4_AGGREGATOR',
    flags: OPTIONAL_TRANSITIVE,
    onError: 'attribute-discard', // RFC 6793 §6, RFC 7606 §7.7
    decode(a, st) {
      a.exactLength(8);
      st.as4Aggregator = { asn: a.r.u32('ASN'), address: ipv4ToString(a.r.u32('address')) };
    },
    present: (x, ctx) => !ctx.fourOctetAs && x.aggregator !== undefined && x.aggregator.asn > 0xffff,
    encode(w, x) {
      w.u32(x.aggregator!.asn, 'AS4_AGGREGATOR ASN');
      ipv4Text(w, x.aggregator!.address, 'AS4_AGGREGATOR address');
    },
  },
  {
    type: ATTR_LARGE_COMMUNITIES,
    name: 'LARGE_COMMUNITIES',
    flags: OPTIONAL_TRANSITIVE,
    onError: 'treat-as-withdraw', // RFC 8092 §6
    decode(a, st) {
      a.multipleLength(12);
      const out: (readonly [number, number, number])[] = [];
      while (a.r.remaining > 0) out.push([a.r.u32('global administrator'), a.r.u32('local data 1'), a.r.u32('local data 2')]);
      st.attrs.largeCommunities = out;
    },
    present: (x) => x.largeCommunities !== undefined && x.largeCommunities.length > 0,
    encode(w, x) {
      for (const [g, l1, l2] of x.largeCommunities!) {
        w.u32(g, 'large community');
        w.u32(l1, 'large community');
        w.u32(l2, 'large community');
      }
    },
  },
];

/** The descriptors in the order the encoder writes them by default (see canonicalRank). */
export const DESCRIPTORS_IN_ORDER: readonly AttributeDescriptor[] = [...descriptors].sort((a, b) => canonicalRank(a.type) - canonicalRank(b.type));

/** The table, indexed by type code (undefined for attributes this codec does not interpret). */
export const ATTRIBUTES: readonly (AttributeDescriptor | undefined)[] = (() => {
  const t: (AttributeDescriptor | undefined)[] = new Array(256).fill(undefined);
  for (const d of descriptors) t[d.type] = d;
  return t;
})();

/**
 * Where the encoder puts an attribute when not told otherwise: MP_REACH_NLRI and MP_UNREACH_NLRI
 * first (RFC 7606 §5.1), then ascending type code (RFC 4271 §5).
 */
export function canonicalRank(type: number): number {
  if (type === ATTR_MP_REACH_NLRI) return -2;
  if (type === ATTR_MP_UNREACH_NLRI) return -1;
  return type;
}

/** MP attributes are always written with a 2-octet length, so an UPDATE grows by exactly nlriLength per added prefix. */
export function alwaysExtendedLength(type: number): boolean {
  return type === ATTR_MP_REACH_NLRI || type === ATTR_MP_UNREACH_NLRI;
}

export { AS_TRANS };
