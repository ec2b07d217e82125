// A small pcap reader for captured BGP sessions: the classic libpcap file format (either byte order,
// micro- or nanosecond timestamps), Ethernet (with 802.1Q tags) or Linux cooked (SLL, SLL2) links,
// IPv4 or IPv6 (skipping the common extension headers), TCP. Pure: bytes in, segments out.
import { ipv4ToString, ipv6ToString } from '../../src/lib/ip.js';

export class PcapError extends Error {
  override readonly name = 'PcapError';
  readonly code: 'ERR_PCAP_FORMAT';
  constructor(message: string) {
    super(message);
    this.code = 'ERR_PCAP_FORMAT';
  }
}

export interface TcpSegment {
  /** index of the packet in the file, from 0 */
  readonly index: number;
  /** capture time in microseconds since the epoch */
  readonly timeUs: number;
  readonly src: string;
  readonly dst: string;
  readonly srcPort: number;
  readonly dstPort: number;
  readonly seq: number;
  readonly ack: number;
  readonly syn: boolean;
  readonly fin: boolean;
  readonly rst: boolean;
  readonly payload: Uint8Array;
}

const LINKTYPE_ETHERNET = 1;
const LINKTYPE_LINUX_SLL = 113;
const LINKTYPE_LINUX_SLL2 = 276;
const LINKTYPE_RAW = 101;

/**
 * Every TCP segment in a pcap file, in file order. Non-TCP packets are skipped. A truncated file is
 * an error unless `partial` (reading a capture that is still being written): then the cut record is left out.
 */
export function readPcapTcp(file: Uint8Array, opts: { partial?: boolean } = {}): TcpSegment[] {
  if (file.length < 24) throw new PcapError('file shorter than a pcap header');
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const magicLE = dv.getUint32(0, true);
  let le: boolean;
  let nanos: boolean;
  if (magicLE === 0xa1b2c3d4 || magicLE === 0xa1b23c4d) {
    le = true;
    nanos = magicLE === 0xa1b23c4d;
  } else if (dv.getUint32(0, false) === 0xa1b2c3d4 || dv.getUint32(0, false) === 0xa1b23c4d) {
    le = false;
    nanos = dv.getUint32(0, false) === 0xa1b23c4d;
  } else if (magicLE === 0x0a0d0d0a) {
    throw new PcapError('pcapng is not supported: capture with tcpdump -w (pcap)');
  } else {
    throw new PcapError(`not a pcap file (magic 0x${magicLE.toString(16)})`);
  }
  const linktype = dv.getUint32(20, le) & 0x0fffffff;
  const out: TcpSegment[] = [];
  let off = 24;
  let index = 0;
  while (off < file.length) {
    if (off + 16 > file.length) {
      if (opts.partial) break;
      throw new PcapError(`truncated record header at offset ${off}`);
    }
    const sec = dv.getUint32(off, le);
    const frac = dv.getUint32(off + 4, le);
    const incl = dv.getUint32(off + 8, le);
    const orig = dv.getUint32(off + 12, le);
    const start = off + 16;
    if (start + incl > file.length) {
      if (opts.partial) break;
      throw new PcapError(`truncated packet ${index} at offset ${off}`);
    }
    const pkt = file.subarray(start, start + incl);
    off = start + incl;
    const timeUs = sec * 1e6 + (nanos ? Math.floor(frac / 1000) : frac);
    if (incl < orig) throw new PcapError(`packet ${index} was cut by the snap length (${incl} of ${orig} octets): capture with -s 0`);
    const seg = parseLinkLayer(pkt, linktype, index, timeUs);
    if (seg) out.push(seg);
    index++;
  }
  return out;
}

function parseLinkLayer(pkt: Uint8Array, linktype: number, index: number, timeUs: number): TcpSegment | undefined {
  let etherType: number;
  let off: number;
  switch (linktype) {
    case LINKTYPE_ETHERNET: {
      if (pkt.length < 14) return undefined;
      off = 12;
      etherType = u16(pkt, off);
      off += 2;
      while (etherType === 0x8100 || etherType === 0x88a8) {
        if (pkt.length < off + 4) return undefined;
        etherType = u16(pkt, off + 2);
        off += 4;
      }
      break;
    }
    case LINKTYPE_LINUX_SLL:
      if (pkt.length < 16) return undefined;
      etherType = u16(pkt, 14);
      off = 16;
      break;
    case LINKTYPE_LINUX_SLL2:
      if (pkt.length < 20) return undefined;
      etherType = u16(pkt, 0);
      off = 20;
      break;
    case LINKTYPE_RAW:
      if (pkt.length < 1) return undefined;
      etherType = (pkt[0]! >> 4) === 6 ? 0x86dd : 0x0800;
      off = 0;
      break;
    default:
      throw new PcapError(`unsupported link type ${linktype}`);
  }
  if (etherType === 0x0800) return parseIpv4(pkt, off, index, timeUs);
  if (etherType === 0x86dd) return parseIpv6(pkt, off, index, timeUs);
  return undefined;
}

function parseIpv4(pkt: Uint8Array, off: number, index: number, timeUs: number): TcpSegment | undefined {
  if (pkt.length < off + 20) return undefined;
  const ihl = (pkt[off]! & 0x0f) * 4;
  const total = u16(pkt, off + 2);
  const fragment = u16(pkt, off + 6) & 0x3fff; // MF flag or offset
  const proto = pkt[off + 9]!;
  if (proto !== 6 || fragment !== 0) return undefined;
  const src = ipv4ToString(u32(pkt, off + 12));
  const dst = ipv4ToString(u32(pkt, off + 16));
  const end = Math.min(pkt.length, off + total); // Ethernet padding after short packets
  return parseTcp(pkt.subarray(off + ihl, end), src, dst, index, timeUs);
}

function parseIpv6(pkt: Uint8Array, off: number, index: number, timeUs: number): TcpSegment | undefined {
  if (pkt.length < off + 40) return undefined;
  const payloadLen = u16(pkt, off + 4);
  let next = pkt[off + 6]!;
  const src = ipv6ToString(pkt, off + 8);
  const dst = ipv6ToString(pkt, off + 24);
  const end = Math.min(pkt.length, off + 40 + payloadLen);
  let p = off + 40;
  // hop-by-hop, routing, destination options: skip; fragments: give up (BGP over TCP is not fragmented here)
  while (next === 0 || next === 43 || next === 60) {
    if (end < p + 8) return undefined;
    const len = (pkt[p + 1]! + 1) * 8;
    next = pkt[p]!;
    p += len;
  }
  if (next !== 6) return undefined;
  return parseTcp(pkt.subarray(p, end), src, dst, index, timeUs);
}

function parseTcp(t: Uint8Array, src: string, dst: string, index: number, timeUs: number): TcpSegment | undefined {
  if (t.length < 20) return undefined;
  const dataOff = (t[12]! >> 4) * 4;
  if (dataOff < 20 || dataOff > t.length) return undefined;
  const flags = t[13]!;
  return {
    index,
    timeUs,
    src,
    dst,
    srcPort: u16(t, 0),
    dstPort: u16(t, 2),
    seq: u32(t, 4),
    ack: u32(t, 8),
    fin: (flags & 0x01) !== 0,
    syn: (flags & 0x02) !== 0,
    rst: (flags & 0x04) !== 0,
    payload: t.subarray(dataOff),
  };
}

function u16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}

function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}
