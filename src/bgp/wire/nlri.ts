// NLRI prefixes (RFC 4271 §4.3, RFC 4760 §5, RFC 7911 path identifiers) and their text form.
// The IPv4 decoder is the hot path of a full-table load: one tight loop, one small object per prefix.
import { BgpWireError, encodeError } from './errors.js';
import { ipv4Mask, ipv4ToString, ipv6ToString, parseIpv4, parseIpv6 } from '../../lib/ip.js';
import type { Ipv4Prefix, Ipv6Prefix, Prefix } from './types.js';
import { AFI_IPV4, AFI_IPV6 } from './types.js';
import type { Writer } from './writer.js';

/** Makes the error for malformed NLRI; the caller knows which field it was (classic or MP). */
export type NlriError = (why: string) => BgpWireError;

/** How many prefixes buf[start, end) holds, by their length octets alone (the decoder validates). */
function countPrefixes(buf: Uint8Array, start: number, end: number, addPath: boolean): number {
  let n = 0;
  const skip = addPath ? 4 : 0;
  for (let p = start + skip; p < end; p += 1 + skip + ((buf[p]! + 7) >> 3)) n++;
  return n;
}

/**
 * The IPv4 prefixes encoded in buf[start, end). Host bits past the prefix length are cleared
 * (RFC 4271: they are irrelevant). Throws `fail(...)` on a length over 32 or a prefix running
 * past `end`. The result array is sized once, up front (no growth garbage on a full-table load).
 */
export function decodeIpv4Nlri(buf: Uint8Array, start: number, end: number, addPath: boolean, fail: NlriError): Prefix[] {
  const out = new Array<Prefix>(countPrefixes(buf, start, end, addPath));
  let i = 0;
  let p = start;
  // Indexing below is bounds-checked by the explicit `end` tests; the `!` only tells TypeScript.
  while (p < end) {
    let pathId = 0;
    if (addPath) {
      if (end - p < 5) throw fail(`path identifier and length need 5 bytes, ${end - p} left`);
      pathId = ((buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!) >>> 0;
      p += 4;
    }
    const len = buf[p++]!;
    if (len > 32) throw fail(`IPv4 prefix length ${len} > 32`);
    const n = (len + 7) >> 3;
    if (p + n > end) throw fail(`IPv4 /${len} needs ${n} bytes, ${end - p} left`);
    let addr = 0;
    if (n > 0) {
      addr = buf[p]! << 24;
      if (n > 1) addr |= buf[p + 1]! << 16;
      if (n > 2) addr |= buf[p + 2]! << 8;
      if (n > 3) addr |= buf[p + 3]!;
      addr = (addr & (0xffffffff << (32 - len))) >>> 0;
    }
    p += n;
    out[i++] = addPath ? { afi: AFI_IPV4, addr, len, pathId } : { afi: AFI_IPV4, addr, len };
  }
  return out;
}

const scratch6 = new Uint8Array(16);

/** The IPv6 prefixes encoded in buf[start, end) (see decodeIpv4Nlri). */
export function decodeIpv6Nlri(buf: Uint8Array, start: number, end: number, addPath: boolean, fail: NlriError): Prefix[] {
  const out = new Array<Prefix>(countPrefixes(buf, start, end, addPath));
  let i = 0;
  let p = start;
  while (p < end) {
    let pathId = 0;
    if (addPath) {
      if (end - p < 5) throw fail(`path identifier and length need 5 bytes, ${end - p} left`);
      pathId = ((buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!) >>> 0;
      p += 4;
    }
    const len = buf[p++]!;
    if (len > 128) throw fail(`IPv6 prefix length ${len} > 128`);
    const n = (len + 7) >> 3;
    if (p + n > end) throw fail(`IPv6 /${len} needs ${n} bytes, ${end - p} left`);
    scratch6.fill(0);
    scratch6.set(buf.subarray(p, p + n));
    if (len & 7) scratch6[n - 1]! &= 0xff << (8 - (len & 7));
    p += n;
    const addr = ipv6ToString(scratch6);
    out[i++] = addPath ? { afi: AFI_IPV6, addr, len, pathId } : { afi: AFI_IPV6, addr, len };
  }
  return out;
}

/** Encoded size of one prefix in NLRI (length octet, address octets, and the 4-octet path id with add-path). */
export function nlriLength(p: Prefix, addPath: boolean): number {
  return (addPath ? 5 : 1) + ((p.len + 7) >> 3);
}

/** Writes one prefix of the given family. The path id is written only with add-path (0 when the prefix has none). */
export function encodePrefix(w: Writer, p: Prefix, afi: number, addPath: boolean): void {
  if (p.afi !== afi) throw encodeError('ERR_BGP_ENCODE_FAMILY', `prefix ${formatPrefix(p)} in a field for AFI ${afi}`);
  if (addPath) w.u32(p.pathId ?? 0, 'path identifier');
  const max = p.afi === AFI_IPV4 ? 32 : 128;
  if (!Number.isInteger(p.len) || p.len < 0 || p.len > max) throw encodeError('ERR_BGP_ENCODE_PREFIX', `prefix length ${p.len} is not in 0..${max}`);
  w.u8(p.len);
  const n = (p.len + 7) >> 3;
  if (p.afi === AFI_IPV4) {
    if (!Number.isInteger(p.addr) || p.addr < 0 || p.addr > 0xffffffff) throw encodeError('ERR_BGP_ENCODE_PREFIX', `IPv4 prefix address ${p.addr} is not a 32-bit unsigned integer`);
    const a = (p.addr & ipv4Mask(p.len)) >>> 0;
    for (let i = 0; i < n; i++) w.u8((a >>> (24 - 8 * i)) & 0xff);
  } else {
    const b = parseIpv6(p.addr);
    if (b === undefined) throw encodeError('ERR_BGP_ENCODE_PREFIX', `IPv6 prefix address ${JSON.stringify(p.addr)} is not valid`);
    if (p.len & 7) b[n - 1]! &= 0xff << (8 - (p.len & 7));
    w.bytes(b.subarray(0, n));
  }
}

/** "10.0.0.0/24", "2001:db8::/32" (no path id). */
export function formatPrefix(p: Prefix): string {
  return `${p.afi === AFI_IPV4 ? ipv4ToString(p.addr) : p.addr}/${p.len}`;
}

/** The prefix as a map key: formatPrefix plus "#<path id>" when it has one. */
export function prefixKey(p: Prefix): string {
  return p.pathId === undefined ? formatPrefix(p) : `${formatPrefix(p)}#${p.pathId}`;
}

const invalidPrefix = (text: string, why: string) =>
  new BgpWireError({ code: 'ERR_BGP_PREFIX_INVALID', message: `invalid prefix ${JSON.stringify(text)}: ${why}`, notifCode: 0, notifSubcode: 0, action: 'session-reset' });

/**
 * Parses what prefixKey prints: "addr/len" with an optional "#pathid". The address must have its
 * host bits clear; IPv6 text may be in any valid form and is made canonical.
 */
export function parsePrefix(text: string): Prefix {
  const hash = text.indexOf('#');
  const body = hash === -1 ? text : text.slice(0, hash);
  let pathId: number | undefined;
  if (hash !== -1) {
    const idText = text.slice(hash + 1);
    if (!/^(0|[1-9][0-9]{0,9})$/.test(idText) || Number(idText) > 0xffffffff) throw invalidPrefix(text, 'path id is not a 32-bit unsigned number');
    pathId = Number(idText);
  }
  const slash = body.indexOf('/');
  if (slash === -1) throw invalidPrefix(text, 'no /length');
  const lenText = body.slice(slash + 1);
  if (!/^(0|[1-9][0-9]{0,2})$/.test(lenText)) throw invalidPrefix(text, 'length is not a number');
  const len = Number(lenText);
  const addrText = body.slice(0, slash);
  const v4 = parseIpv4(addrText);
  if (v4 !== undefined) {
    if (len > 32) throw invalidPrefix(text, 'IPv4 length over 32');
    if (((v4 & ~ipv4Mask(len)) >>> 0) !== 0) throw invalidPrefix(text, 'host bits set');
    const p: Ipv4Prefix = pathId === undefined ? { afi: AFI_IPV4, addr: v4, len } : { afi: AFI_IPV4, addr: v4, len, pathId };
    return p;
  }
  const v6 = parseIpv6(addrText);
  if (v6 === undefined) throw invalidPrefix(text, 'not an IPv4 or IPv6 address');
  if (len > 128) throw invalidPrefix(text, 'IPv6 length over 128');
  for (let bit = len; bit < 128; bit++) {
    if ((v6[bit >> 3]! >> (7 - (bit & 7))) & 1) throw invalidPrefix(text, 'host bits set');
  }
  const addr = ipv6ToString(v6);
  const p: Ipv6Prefix = pathId === undefined ? { afi: AFI_IPV6, addr, len } : { afi: AFI_IPV6, addr, len, pathId };
  return p;
}
