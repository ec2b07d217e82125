// Reassembles each direction of each TCP connection from captured segments, by sequence number:
// retransmissions and overlaps are written to the same place, out-of-order segments land where they
// belong, and a hole ends the usable stream (`complete: false`). A SYN starts a new connection for its
// 4-tuple. Pure.
import type { TcpSegment } from './pcap.js';

export interface TcpStream {
  readonly src: string;
  readonly srcPort: number;
  readonly dst: string;
  readonly dstPort: number;
  /** the bytes from the first data octet up to the first hole (or the end) */
  readonly data: Uint8Array;
  /** false when a hole was found (bytes after it are not in `data`) */
  readonly complete: boolean;
  /** whether the connection's SYN was captured (else the stream starts at the first captured segment) */
  readonly sawSyn: boolean;
  readonly firstIndex: number;
}

interface Building {
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  /** sequence number of the first data octet */
  base: number;
  sawSyn: boolean;
  firstIndex: number;
  pieces: { offset: number; bytes: Uint8Array }[];
}

const HALF = 2 ** 31;

export function reassembleTcp(segments: readonly TcpSegment[]): TcpStream[] {
  const current = new Map<string, Building>();
  const done: Building[] = [];
  for (const s of segments) {
    const key = `${s.src}|${s.srcPort}|${s.dst}|${s.dstPort}`;
    let b = current.get(key);
    if (s.syn) {
      if (b) done.push(b);
      b = { src: s.src, srcPort: s.srcPort, dst: s.dst, dstPort: s.dstPort, base: (s.seq + 1) >>> 0, sawSyn: true, firstIndex: s.index, pieces: [] };
      current.set(key, b);
      if (s.payload.length === 0) continue;
    }
    if (s.payload.length === 0) continue;
    if (!b) {
      b = { src: s.src, srcPort: s.srcPort, dst: s.dst, dstPort: s.dstPort, base: s.seq, sawSyn: false, firstIndex: s.index, pieces: [] };
      current.set(key, b);
    }
    const offset = (s.seq - b.base) >>> 0;
    if (offset >= HALF) continue; // before the start we know: a retransmission from before the capture
    b.pieces.push({ offset, bytes: s.payload });
  }
  done.push(...current.values());
  done.sort((x, y) => x.firstIndex - y.firstIndex);
  return done.map(assemble);
}

function assemble(b: Building): TcpStream {
  const pieces = [...b.pieces].sort((x, y) => x.offset - y.offset);
  let end = 0;
  for (const p of pieces) {
    if (p.offset > end) break;
    end = Math.max(end, p.offset + p.bytes.length);
  }
  const data = new Uint8Array(end);
  for (const p of pieces) {
    if (p.offset >= end) break;
    data.set(p.bytes.subarray(0, Math.min(p.bytes.length, end - p.offset)), p.offset);
  }
  const complete = pieces.every((p) => p.offset <= end);
  return { src: b.src, srcPort: b.srcPort, dst: b.dst, dstPort: b.dstPort, data, complete, sawSyn: b.sawSyn, firstIndex: b.firstIndex };
}
