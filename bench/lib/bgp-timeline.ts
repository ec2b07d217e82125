// When each BGP UPDATE crossed an interface, from a packet capture that may start in the middle of
// established sessions: per direction, TCP payload in sequence order (retransmissions and overlaps
// skipped), framed into messages after the first BGP marker; a message's time is that of the
// segment carrying its last byte. Pure (segments from lab/capture/pcap.ts in, messages out).
//
//   const updates = timedUpdates(readPcapTcp(readFileSync(pcap), { partial: true }));
//   updates[0]  // { timeMs, src, dst, announced: ['10.100.1.5/32', ...], withdrawn: [] }
import type { TcpSegment } from '../../lab/capture/pcap.js';
import { describeMessage } from '../../lab/capture/describe.js';

export interface TimedUpdate {
  /** capture time of the segment that completed the message, ms since the epoch */
  readonly timeMs: number;
  readonly src: string;
  readonly dst: string;
  readonly announced: readonly string[];
  readonly withdrawn: readonly string[];
}

interface Direction {
  next: number | undefined;
  buf: Buffer;
  /** a marker has been found: buf starts at a message boundary */
  synced: boolean;
}

const MARKER = Buffer.alloc(16, 0xff);
const HEADER = 19;

/** Every UPDATE in the segments, in capture order per direction. */
export function timedUpdates(segments: readonly TcpSegment[]): TimedUpdate[] {
  const dirs = new Map<string, Direction>();
  const out: TimedUpdate[] = [];
  for (const s of segments) {
    if (s.srcPort !== 179 && s.dstPort !== 179) continue;
    const key = `${s.src}|${s.srcPort}|${s.dst}|${s.dstPort}`;
    let d = dirs.get(key);
    if (s.syn || d === undefined) {
      d = { next: s.syn ? (s.seq + 1) >>> 0 : undefined, buf: Buffer.alloc(0), synced: s.syn };
      dirs.set(key, d);
    }
    if (s.payload.length === 0) continue;
    let data = Buffer.from(s.payload);
    if (d.next !== undefined) {
      const ahead = (s.seq - d.next) | 0; // signed distance with wrap-around
      if (ahead < 0) {
        if (-ahead >= data.length) continue; // all seen before (a retransmission)
        data = data.subarray(-ahead);
      } else if (ahead > 0) {
        // a hole: what was buffered cannot be completed; start again at a marker
        d.buf = Buffer.alloc(0);
        d.synced = false;
      }
    }
    d.next = (s.seq + s.payload.length) >>> 0;
    d.buf = d.buf.length === 0 ? data : Buffer.concat([d.buf, data]);
    if (!d.synced) {
      const at = d.buf.indexOf(MARKER);
      if (at === -1) {
        d.buf = d.buf.subarray(Math.max(0, d.buf.length - 15));
        continue;
      }
      d.buf = d.buf.subarray(at);
      d.synced = true;
    }
    while (d.buf.length >= HEADER) {
      if (!d.buf.subarray(0, 16).equals(MARKER)) {
        d.synced = false;
        d.buf = d.buf.subarray(1);
        break;
      }
      const len = d.buf.readUInt16BE(16);
      if (len < HEADER) {
        d.synced = false;
        d.buf = d.buf.subarray(1);
        break;
      }
      if (d.buf.length < len) break;
      const msg = d.buf.subarray(0, len);
      d.buf = d.buf.subarray(len);
      if (msg[18] !== 2) continue;
      const desc = describeMessage(msg);
      out.push({ timeMs: s.timeUs / 1000, src: s.src, dst: s.dst, announced: desc.announced ?? [], withdrawn: desc.withdrawn ?? [] });
    }
  }
  return out;
}
