// AS_PATH and AS4_PATH values (RFC 4271 §4.3, RFC 6793): segments of 2- or 4-octet ASNs, and the
// RFC 6793 §4.2.3 reconstruction of the real path from AS_PATH + AS4_PATH sent by an old speaker.
import { encodeError } from './errors.js';
import type { Reader } from './reader.js';
import type { AsPathSegment, AsPathSegmentType } from './types.js';
import type { Writer } from './writer.js';

export const AS_TRANS = 23456;
const MAX_SEGMENT_ASNS = 255;

const SEGMENT_TYPES: readonly (AsPathSegmentType | undefined)[] = [undefined, 'set', 'sequence', 'confed-sequence', 'confed-set'];
const SEGMENT_CODE: Readonly<Record<AsPathSegmentType, number>> = { set: 1, sequence: 2, 'confed-sequence': 3, 'confed-set': 4 };

export const isConfed = (s: AsPathSegment): boolean => s.type === 'confed-sequence' || s.type === 'confed-set';

/**
 * Decodes the segments in the rest of `r`. `malformed(why)` makes the error for a bad path
 * (RFC 7606 §7.2: an unknown segment type, an empty segment, or a segment overrunning the value).
 */
export function decodeAsPath(r: Reader, fourOctet: boolean, malformed: (why: string) => Error): AsPathSegment[] {
  const segments: AsPathSegment[] = [];
  const size = fourOctet ? 4 : 2;
  while (r.remaining > 0) {
    if (r.remaining < 2) throw malformed('segment header truncated');
    const code = r.u8('segment type');
    const count = r.u8('segment length');
    const type = SEGMENT_TYPES[code];
    if (type === undefined) throw malformed(`segment type ${code}`);
    if (count === 0) throw malformed('empty segment');
    if (r.remaining < count * size) throw malformed(`segment of ${count} ASNs needs ${count * size} bytes, ${r.remaining} left`);
    const asns: number[] = new Array<number>(count);
    for (let i = 0; i < count; i++) asns[i] = fourOctet ? r.u32('asn') : r.u16('asn');
    segments.push({ type, asns });
  }
  return segments;
}

/**
 * Writes segments with 4- or 2-octet ASNs; in 2-octet form an ASN above 65535 becomes AS_TRANS.
 * Sequences longer than 255 ASNs are split into several segments (RFC 4271 §5.1.2).
 */
export function encodeAsPath(w: Writer, segments: readonly AsPathSegment[], fourOctet: boolean): void {
  for (const s of segments) {
    const code = SEGMENT_CODE[s.type];
    if (code === undefined) throw encodeError('ERR_BGP_ENCODE_AS_PATH', `unknown AS_PATH segment type ${JSON.stringify(s.type)}`);
    if (s.asns.length === 0) throw encodeError('ERR_BGP_ENCODE_AS_PATH', 'empty AS_PATH segment');
    if (s.asns.length > MAX_SEGMENT_ASNS && (s.type === 'set' || s.type === 'confed-set')) {
      throw encodeError('ERR_BGP_ENCODE_AS_PATH', `AS_SET of ${s.asns.length} ASNs cannot be encoded (max ${MAX_SEGMENT_ASNS})`);
    }
    for (let i = 0; i < s.asns.length; i += MAX_SEGMENT_ASNS) {
      const part = s.asns.slice(i, i + MAX_SEGMENT_ASNS);
      w.u8(code);
      w.u8(part.length);
      for (const asn of part) {
        if (fourOctet) w.u32(asn, 'ASN');
        else w.u16(toTwoOctet(asn), 'ASN');
      }
    }
  }
}

/** The 2-octet form of an ASN: itself, or AS_TRANS when it does not fit (RFC 6793 §4.2.2). */
export function toTwoOctet(asn: number): number {
  if (!Number.isInteger(asn) || asn < 0 || asn > 0xffffffff) throw encodeError('ERR_BGP_ENCODE_RANGE', `ASN ${asn} is not a 32-bit unsigned integer`);
  return asn > 0xffff ? AS_TRANS : asn;
}

/** Whether a 2-octet session needs AS4_PATH to carry this path: some non-confederation ASN does not fit in 2 octets. */
export function needsAs4Path(segments: readonly AsPathSegment[]): boolean {
  return segments.some((s) => !isConfed(s) && s.asns.some((a) => a > 0xffff));
}

/** AS4_PATH carries no confederation segments (RFC 6793 §3). */
export function as4PathOf(segments: readonly AsPathSegment[]): AsPathSegment[] {
  return segments.filter((s) => !isConfed(s));
}

/** Number of ASes as RFC 6793 §4.2.3 counts them: an AS_SET counts 1, confederation segments 0. */
function countAses(segments: readonly AsPathSegment[]): number {
  let n = 0;
  for (const s of segments) {
    if (s.type === 'sequence') n += s.asns.length;
    else if (s.type === 'set') n += 1;
  }
  return n;
}

/**
 * RFC 6793 §4.2.3: the path to use from a 2-octet speaker's AS_PATH and AS4_PATH. When AS_PATH
 * has fewer ASes than AS4_PATH, AS4_PATH is ignored. Otherwise the leading ASes of AS_PATH that
 * AS4_PATH lacks (prepended by old speakers), with any leading confederation segments, are put in
 * front of AS4_PATH.
 */
export function mergeAs4Path(asPath: readonly AsPathSegment[], as4Path: readonly AsPathSegment[]): readonly AsPathSegment[] {
  let need = countAses(asPath) - countAses(as4Path);
  if (need < 0) return asPath;
  const out: AsPathSegment[] = [];
  for (const s of asPath) {
    if (isConfed(s)) {
      out.push(s);
      continue;
    }
    if (need === 0) break;
    if (s.type === 'set') {
      out.push(s);
      need -= 1;
    } else {
      const take = Math.min(need, s.asns.length);
      out.push(take === s.asns.length ? s : { type: 'sequence', asns: s.asns.slice(0, take) });
      need -= take;
    }
  }
  const first = as4Path[0];
  const last = out[out.length - 1];
  if (first && last && first.type === 'sequence' && last.type === 'sequence' && last.asns.length + first.asns.length <= MAX_SEGMENT_ASNS) {
    out[out.length - 1] = { type: 'sequence', asns: [...last.asns, ...first.asns] };
    out.push(...as4Path.slice(1));
  } else {
    out.push(...as4Path);
  }
  return out;
}
