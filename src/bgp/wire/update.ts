// UPDATE (RFC 4271 §4.3) with RFC 7606 error handling.
//
// Decoding order: the withdrawn routes and NLRI fields first (they are located by the two length
// fields alone, so a broken attribute cannot hide them), then the attributes through the table.
// Errors are collected by severity: session-reset throws at once; afi-safi-disable and
// treat-as-withdraw are thrown after the whole UPDATE was read, carrying every prefix it held;
// attribute-discard drops the attribute and reports it in `discarded`.
import { mergeAs4Path, AS_TRANS } from './as-path.js';
import { AttrInput } from './attr-input.js';
import { encodeAttributes } from './attributes-encode.js';
import {
  alwaysExtendedLength,
  ATTR_AS4_AGGREGATOR,
  ATTR_AS4_PATH,
  ATTR_AS_PATH,
  ATTR_MP_REACH_NLRI,
  ATTR_MP_UNREACH_NLRI,
  ATTR_NEXT_HOP,
  ATTR_ORIGIN,
  ATTRIBUTES,
  canonicalRank,
  type DecodeState,
  FLAG_EXTENDED_LENGTH,
  FLAG_OPTIONAL,
  FLAG_PARTIAL,
  FLAG_TRANSITIVE,
} from './attributes.js';
import {
  BgpWireError,
  UPDATE_ATTR_FLAGS,
  UPDATE_INVALID_NETWORK,
  UPDATE_MALFORMED_ATTR_LIST,
  UPDATE_MISSING_WELLKNOWN,
  UPDATE_UNRECOGNIZED_WELLKNOWN,
  updateError,
  withWithdraw,
} from './errors.js';
import { decodeIpv4Nlri, encodePrefix } from './nlri.js';
import type { CodecContext, PathAttributes, Prefix, RawAttribute, UpdateMessage } from './types.js';
import { AFI_IPV4 } from './types.js';
import type { Writer } from './writer.js';

const IPV4_UNICAST = '1/1';

// Per-decode scratch (decoding is synchronous, so one set is enough): which types were seen in
// this UPDATE (by stamp), the wire layout of the kept attributes, and the attribute reader.
const seen = new Uint32Array(256);
let stamp = 0;
const layoutType = new Uint8Array(256);
const layoutFlags = new Uint8Array(256);
const layoutLength = new Uint16Array(256);
const input = new AttrInput();
const NO_PREFIXES: readonly Prefix[] = [];

const withdrawnError = (why: string) => updateError('ERR_BGP_NLRI_MALFORMED', UPDATE_INVALID_NETWORK, 'session-reset', `withdrawn routes: ${why}`);
const nlriError = (why: string) => updateError('ERR_BGP_NLRI_MALFORMED', UPDATE_INVALID_NETWORK, 'session-reset', `NLRI: ${why}`);
const u16 = (b: Uint8Array, at: number) => (b[at]! << 8) | b[at + 1]!;

interface UpdateState extends DecodeState {
  /** the most severe afi-safi-disable or treat-as-withdraw error so far */
  worst?: BgpWireError;
  discarded?: BgpWireError[];
}

/** Records an error by its RFC 7606 action: session-reset throws now, the others wait for the end. */
function note(st: UpdateState, e: BgpWireError): void {
  if (e.action === 'session-reset') throw e;
  if (e.action === 'attribute-discard') (st.discarded ??= []).push(e);
  else if (st.worst === undefined || (e.action === 'afi-safi-disable' && st.worst.action !== 'afi-safi-disable')) st.worst = e;
}

/** Decodes an UPDATE body: bytes [start, end) after the header (the header check guarantees 4 bytes). */
export function decodeUpdate(buf: Uint8Array, start: number, end: number, ctx: CodecContext): UpdateMessage {
  const withdrawnLength = u16(buf, start);
  const withdrawnEnd = start + 2 + withdrawnLength;
  if (withdrawnEnd + 2 > end) {
    throw updateError('ERR_BGP_UPDATE_LENGTHS', UPDATE_MALFORMED_ATTR_LIST, 'session-reset', `withdrawn routes length ${withdrawnLength} overruns the message`);
  }
  const attrsLength = u16(buf, withdrawnEnd);
  const attrsStart = withdrawnEnd + 2;
  const attrsEnd = attrsStart + attrsLength;
  if (attrsEnd > end) {
    throw updateError('ERR_BGP_UPDATE_LENGTHS', UPDATE_MALFORMED_ATTR_LIST, 'session-reset', `total path attribute length ${attrsLength} overruns the message`);
  }
  const addPath = ctx.addPathReceive.has(IPV4_UNICAST);
  const withdrawn = decodeIpv4Nlri(buf, start + 2, withdrawnEnd, addPath, withdrawnError);
  const nlri = decodeIpv4Nlri(buf, attrsEnd, end, addPath, nlriError);

  const attrs: PathAttributes = {};
  const st: UpdateState = { ctx, attrs };
  let unknown: RawAttribute[] | undefined;

  if (++stamp === 0xffffffff) {
    seen.fill(0);
    stamp = 1;
  }
  let kept = 0;
  let p = attrsStart;
  while (p < attrsEnd) {
    // RFC 7606 §4: a header or value overrunning the attribute field is treat-as-withdraw; the NLRI
    // field was located by the total length, so it is already known.
    const flags = buf[p]!;
    const headerLength = flags & FLAG_EXTENDED_LENGTH ? 4 : 3;
    if (attrsEnd - p < headerLength) {
      note(st, updateError('ERR_BGP_ATTR_LIST_MALFORMED', UPDATE_MALFORMED_ATTR_LIST, 'treat-as-withdraw', `${attrsEnd - p} bytes left, too few for an attribute header`));
      break;
    }
    const type = buf[p + 1]!;
    const length = headerLength === 4 ? u16(buf, p + 2) : buf[p + 2]!;
    const attrStart = p;
    const valueStart = p + headerLength;
    const valueEnd = valueStart + length;
    if (valueEnd > attrsEnd) {
      note(st, updateError('ERR_BGP_ATTR_LIST_MALFORMED', UPDATE_MALFORMED_ATTR_LIST, 'treat-as-withdraw', `attribute ${type} of ${length} bytes overruns the attribute field`, { attrType: type }));
      break;
    }
    p = valueEnd;
    const desc = ATTRIBUTES[type];

    if (seen[type] === stamp) {
      // RFC 7606 §3 (g): a repeated MP attribute is fatal; any other repeat is dropped
      const name = desc?.name ?? `attribute ${type}`;
      const detail = { attrType: type, data: buf.slice(attrStart, valueEnd) };
      if (type === ATTR_MP_REACH_NLRI || type === ATTR_MP_UNREACH_NLRI) {
        throw updateError('ERR_BGP_MP_DUPLICATE', UPDATE_MALFORMED_ATTR_LIST, 'session-reset', `${name} appears more than once`, detail);
      }
      note(st, updateError('ERR_BGP_ATTR_DUPLICATE', UPDATE_MALFORMED_ATTR_LIST, 'attribute-discard', `${name} appears more than once; the repeat is dropped`, detail));
      continue;
    }
    seen[type] = stamp;

    if (desc === undefined) {
      if ((flags & FLAG_OPTIONAL) === 0) {
        throw updateError('ERR_BGP_ATTR_UNRECOGNIZED_WELLKNOWN', UPDATE_UNRECOGNIZED_WELLKNOWN, 'session-reset', `well-known attribute ${type} is not recognized`, { attrType: type, data: buf.slice(attrStart, valueEnd) });
      }
      // kept to pass through; an optional transitive one is marked Partial (RFC 4271 §5)
      const keptFlags = flags & FLAG_TRANSITIVE ? flags | FLAG_PARTIAL : flags;
      (unknown ??= []).push({ flags: keptFlags & ~FLAG_EXTENDED_LENGTH, type, value: buf.slice(valueStart, valueEnd) });
    } else {
      if (ctx.fourOctetAs && (type === ATTR_AS4_PATH || type === ATTR_AS4_AGGREGATOR)) {
        // RFC 6793 §3: a 4-octet speaker never sends these; received anyway, they are discarded
        note(st, updateError('ERR_BGP_AS4_FROM_NEW_SPEAKER', 0, 'attribute-discard', `${desc.name} from a 4-octet AS speaker is discarded`, { attrType: type, data: buf.slice(attrStart, valueEnd) }));
        continue;
      }
      if ((flags & (FLAG_OPTIONAL | FLAG_TRANSITIVE)) !== desc.flags) {
        // RFC 7606 §3 (c): handled like any other malformation of this attribute
        note(st, updateError('ERR_BGP_ATTR_FLAGS', UPDATE_ATTR_FLAGS, desc.onError,
          `${desc.name} has flags 0x${flags.toString(16)}, expected Optional/Transitive 0x${desc.flags.toString(16)}`, { attrType: type, data: buf.slice(attrStart, valueEnd) }));
        continue;
      }
      try {
        desc.decode(input.reset(buf, attrStart, valueStart, valueEnd, type, desc.name, desc.onError), st);
      } catch (e) {
        if (!(e instanceof BgpWireError)) throw e;
        note(st, e);
        continue;
      }
    }
    layoutType[kept] = type;
    layoutFlags[kept] = flags;
    layoutLength[kept] = length;
    kept++;
  }

  if (!ctx.fourOctetAs) mergeAs4(st);

  const reach = attrs.mpReach?.nlri ?? NO_PREFIXES;
  if (st.worst === undefined && (nlri.length > 0 || reach.length > 0)) {
    // RFC 7606 §3 (d): a missing well-known mandatory attribute is treat-as-withdraw
    // (NEXT_HOP only for classic NLRI: RFC 4760 carries the MP next hop in MP_REACH_NLRI)
    const missing = attrs.origin === undefined ? ATTR_ORIGIN : attrs.asPath === undefined ? ATTR_AS_PATH : nlri.length > 0 && attrs.nextHop === undefined ? ATTR_NEXT_HOP : 0;
    if (missing !== 0) {
      st.worst = updateError('ERR_BGP_ATTR_MISSING', UPDATE_MISSING_WELLKNOWN, 'treat-as-withdraw', `well-known mandatory attribute ${ATTRIBUTES[missing]!.name} is missing`, { attrType: missing, data: new Uint8Array([missing]) });
    }
  }
  if (st.worst !== undefined) {
    throw withWithdraw(st.worst, [...withdrawn, ...nlri, ...reach, ...(attrs.mpUnreach?.withdrawn ?? [])]);
  }
  if (unknown) attrs.unknown = unknown;
  const layout = layoutIfNeeded(kept, attrs, ctx);
  const discarded = st.discarded;
  if (discarded === undefined && layout === undefined) return { type: 'update', withdrawn, attributes: attrs, nlri };
  return {
    type: 'update',
    withdrawn,
    attributes: attrs,
    nlri,
    ...(discarded && { discarded }),
    ...(layout && { attributeLayout: layout }),
  };
}

/**
 * RFC 6793 §4.2.3: rebuild the real AS path and aggregator from a 2-octet speaker's attributes.
 * With both AGGREGATOR and AS4_AGGREGATOR, an AGGREGATOR other than AS_TRANS means an old speaker
 * aggregated: AS4_AGGREGATOR and AS4_PATH are stale and ignored. AS4_AGGREGATOR alone is ignored.
 */
function mergeAs4(st: UpdateState): void {
  const { attrs } = st;
  if (st.as4Aggregator !== undefined && attrs.aggregator !== undefined) {
    if (attrs.aggregator.asn !== AS_TRANS) return;
    attrs.aggregator = st.as4Aggregator;
  }
  if (attrs.asPath !== undefined && st.as4Path !== undefined) attrs.asPath = mergeAs4Path(attrs.asPath, st.as4Path);
}

/** The bits of an attribute's flags that the layout can change: Extended Length, and Partial for known attributes. */
function layoutBits(type: number, flags: number): number {
  return ATTRIBUTES[type] === undefined ? flags & FLAG_EXTENDED_LENGTH : flags & (FLAG_EXTENDED_LENGTH | FLAG_PARTIAL);
}

function defaultBits(type: number, length: number): number {
  return length > 255 || alwaysExtendedLength(type) ? FLAG_EXTENDED_LENGTH : 0;
}

function layoutIfNeeded(kept: number, attrs: PathAttributes, ctx: CodecContext): { type: number; flags: number }[] | undefined {
  // only what the encoder will write counts (an AS4_PATH that RFC 6793 says to ignore is not re-sent)
  let canonical = true;
  let lastRank = -Infinity;
  for (let i = 0; i < kept && canonical; i++) {
    const type = layoutType[i]!;
    if (!isWritten(type, attrs, ctx)) continue;
    const rank = canonicalRank(type);
    if (rank < lastRank || layoutBits(type, layoutFlags[i]!) !== defaultBits(type, layoutLength[i]!)) canonical = false;
    lastRank = rank;
  }
  if (canonical) return undefined;
  const out: { type: number; flags: number }[] = [];
  for (let i = 0; i < kept; i++) {
    const type = layoutType[i]!;
    if (isWritten(type, attrs, ctx)) out.push({ type, flags: layoutBits(type, layoutFlags[i]!) });
  }
  return out;
}

function isWritten(type: number, attrs: PathAttributes, ctx: CodecContext): boolean {
  return ATTRIBUTES[type]?.present(attrs, ctx) ?? true;
}

// ---------------------------------------------------------------- encoding

/** Writes an UPDATE body (after the header). */
export function encodeUpdate(w: Writer, u: UpdateMessage, ctx: CodecContext): void {
  const addPath = ctx.addPathSend.has(IPV4_UNICAST);
  const withdrawnAt = w.pos;
  w.u16(0);
  for (const p of u.withdrawn) encodePrefix(w, p, AFI_IPV4, addPath);
  w.patchU16(withdrawnAt, w.pos - withdrawnAt - 2, 'withdrawn routes length');
  const attrsAt = w.pos;
  w.u16(0);
  encodeAttributes(w, u.attributes, ctx, u.attributeLayout);
  w.patchU16(attrsAt, w.pos - attrsAt - 2, 'total path attribute length');
  for (const p of u.nlri) encodePrefix(w, p, AFI_IPV4, addPath);
}
