// MP_REACH_NLRI and MP_UNREACH_NLRI (RFC 4760) for IPv4 and IPv6 unicast/multicast, with RFC 8950
// IPv6 next hops for IPv4 NLRI and RFC 7911 path identifiers. Errors follow RFC 7606 §7.11/§7.12:
// a structure that cannot be parsed resets the session; a family we cannot parse, or a next-hop
// length inconsistent with the family (RFC 7606 §7.11: the NLRI cannot be trusted to be located
// right), disables the family.
import type { AttrInput } from './attr-input.js';
import { encodeError, UPDATE_OPTIONAL_ATTR } from './errors.js';
import { ipv4ToString, ipv6ToString, parseIpv4, parseIpv6 } from '../../lib/ip.js';
import { decodeIpv4Nlri, decodeIpv6Nlri, encodePrefix } from './nlri.js';
import type { CodecContext, MpReach, MpUnreach, Prefix } from './types.js';
import { AFI_IPV4, AFI_IPV6, familyKey } from './types.js';
import type { Writer } from './writer.js';

/** Families whose NLRI this codec parses: IPv4/IPv6, unicast (1) or multicast (2), same encoding. */
export function isSupportedFamily(afi: number, safi: number): boolean {
  return (afi === AFI_IPV4 || afi === AFI_IPV6) && (safi === 1 || safi === 2);
}

function decodeFamilyNlri(a: AttrInput, afi: number, safi: number, ctx: CodecContext): Prefix[] {
  const { r } = a;
  const addPath = ctx.addPathReceive.has(familyKey(afi, safi));
  const fail = (why: string) => a.fail('ERR_BGP_MP_NLRI_MALFORMED', UPDATE_OPTIONAL_ATTR, why, 'session-reset');
  const out = afi === AFI_IPV4 ? decodeIpv4Nlri(r.buf, r.pos, r.end, addPath, fail) : decodeIpv6Nlri(r.buf, r.pos, r.end, addPath, fail);
  r.pos = r.end;
  return out;
}

function unsupported(a: AttrInput, afi: number, safi: number) {
  return a.fail('ERR_BGP_MP_FAMILY_UNSUPPORTED', UPDATE_OPTIONAL_ATTR, `AFI ${afi} SAFI ${safi} is not a family this codec parses`, 'afi-safi-disable');
}

/**
 * Decodes MP_REACH_NLRI into `set` (called before a next-hop error is thrown, so the error can
 * still list the NLRI as received).
 */
export function decodeMpReach(a: AttrInput, ctx: CodecContext, set: (v: MpReach) => void): void {
  const { r } = a;
  const structural = (why: string) => a.fail('ERR_BGP_MP_REACH_MALFORMED', UPDATE_OPTIONAL_ATTR, why, 'session-reset');
  if (r.remaining < 5) throw structural(`length ${r.remaining} is less than 5`);
  const afi = r.u16('afi');
  const safi = r.u8('safi');
  const nhLength = r.u8('next hop length');
  if (r.remaining < nhLength + 1) throw structural(`next hop of ${nhLength} bytes and the reserved byte do not fit in ${r.remaining}`);
  if (!isSupportedFamily(afi, safi)) throw unsupported(a, afi, safi);
  const nhStart = r.pos;
  r.pos += nhLength + 1; // the reserved octet (RFC 4760: ignored on receipt)
  const nlri = decodeFamilyNlri(a, afi, safi, ctx);
  const nextHops = decodeNextHops(r.buf, nhStart, nhLength, afi, ctx);
  set({ afi, safi, nextHops: nextHops ?? [], nlri });
  if (nextHops === undefined) {
    throw a.fail('ERR_BGP_MP_NEXT_HOP_LENGTH', UPDATE_OPTIONAL_ATTR,
      `next hop length ${nhLength} is not valid for AFI ${afi}${afi === AFI_IPV4 && !ctx.extendedNextHop ? ' (extended next hop not negotiated)' : ''}`, 'afi-safi-disable');
  }
}

function decodeNextHops(buf: Uint8Array, at: number, length: number, afi: number, ctx: CodecContext): string[] | undefined {
  if (afi === AFI_IPV4 && length === 4) {
    return [ipv4ToString((((buf[at] ?? 0) << 24) | ((buf[at + 1] ?? 0) << 16) | ((buf[at + 2] ?? 0) << 8) | (buf[at + 3] ?? 0)) >>> 0)];
  }
  if (afi === AFI_IPV6 || ctx.extendedNextHop) {
    if (length === 16) return [ipv6ToString(buf, at)];
    if (length === 32) return [ipv6ToString(buf, at), ipv6ToString(buf, at + 16)];
  }
  return undefined;
}

export function decodeMpUnreach(a: AttrInput, ctx: CodecContext): MpUnreach {
  const { r } = a;
  if (r.remaining < 3) throw a.fail('ERR_BGP_MP_UNREACH_MALFORMED', UPDATE_OPTIONAL_ATTR, `length ${r.remaining} is less than 3`, 'session-reset');
  const afi = r.u16('afi');
  const safi = r.u8('safi');
  if (!isSupportedFamily(afi, safi)) {
    // An empty one is an End-of-RIB marker (RFC 4724 §2), fine for any family.
    if (r.remaining === 0) return { afi, safi, withdrawn: [] };
    throw unsupported(a, afi, safi);
  }
  return { afi, safi, withdrawn: decodeFamilyNlri(a, afi, safi, ctx) };
}

export function encodeMpReach(w: Writer, m: MpReach, ctx: CodecContext): void {
  w.u16(m.afi, 'afi');
  w.u8(m.safi, 'safi');
  if (!isSupportedFamily(m.afi, m.safi)) throw encodeError('ERR_BGP_ENCODE_FAMILY', `MP_REACH_NLRI for AFI ${m.afi} SAFI ${m.safi} is not supported`);
  const v4 = m.nextHops.length === 1 ? parseIpv4(m.nextHops[0] ?? '') : undefined;
  if (m.afi === AFI_IPV4 && v4 !== undefined) {
    w.u8(4);
    w.u32(v4);
  } else {
    if (m.afi === AFI_IPV4 && !ctx.extendedNextHop) {
      throw encodeError('ERR_BGP_ENCODE_NEXT_HOP', `IPv4 NLRI with next hop ${JSON.stringify(m.nextHops)} needs an IPv4 next hop (extended next hop is not negotiated)`);
    }
    const v6 = m.nextHops.map((t) => parseIpv6(t));
    if (v6.length < 1 || v6.length > 2 || v6.some((b) => b === undefined)) {
      throw encodeError('ERR_BGP_ENCODE_NEXT_HOP', `next hops ${JSON.stringify(m.nextHops)} are not one or two IPv6 addresses`);
    }
    w.u8(16 * v6.length);
    for (const b of v6) w.bytes(b!);
  }
  w.u8(0); // reserved
  const addPath = ctx.addPathSend.has(familyKey(m.afi, m.safi));
  for (const p of m.nlri) encodePrefix(w, p, m.afi, addPath);
}

export function encodeMpUnreach(w: Writer, m: MpUnreach, ctx: CodecContext): void {
  w.u16(m.afi, 'afi');
  w.u8(m.safi, 'safi');
  if (m.withdrawn.length === 0) return;
  if (!isSupportedFamily(m.afi, m.safi)) throw encodeError('ERR_BGP_ENCODE_FAMILY', `MP_UNREACH_NLRI for AFI ${m.afi} SAFI ${m.safi} is not supported`);
  const addPath = ctx.addPathSend.has(familyKey(m.afi, m.safi));
  for (const p of m.withdrawn) encodePrefix(w, p, m.afi, addPath);
}
