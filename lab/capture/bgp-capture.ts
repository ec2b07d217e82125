// Captures the BGP messages on one interface of a namespace: tcpdump writes a pcap (packet-buffered,
// so it can be read while the capture runs); messages() parses it (pcap -> TCP reassembly per
// direction -> BGP framing) and says who sent each message.
//
//   const cap = await BgpCapture.start(ns, 'eth0', join(scope.dir(), 'x.pcap'));
//   await cap.waitFor((m) => m.src === '10.0.0.1' && m.desc.kind === 'notification', 'NOTIFICATION from BIRD');
//   const all = await cap.stop();
import { readFileSync } from 'node:fs';
import type { Netns } from '../netns.js';
import { LabError, waitFor } from '../proc.js';
import { ForegroundDaemon } from '../routers/daemon.js';
import { splitBgpMessages } from './bgp-split.js';
import { describeMessage, type Description } from './describe.js';
import { readPcapTcp } from './pcap.js';
import { reassembleTcp } from './tcp-stream.js';

export interface CapturedMessage {
  readonly src: string;
  readonly srcPort: number;
  readonly dst: string;
  readonly dstPort: number;
  /** which TCP connection (index in capture order) the message travelled on */
  readonly connection: number;
  readonly bytes: Uint8Array;
  readonly desc: Description;
}

/** Parses a pcap of BGP sessions into messages, in stream order per connection, connections in capture order. */
export function bgpMessagesFromPcap(pcap: Uint8Array, opts: { partial?: boolean } = {}): CapturedMessage[] {
  const streams = reassembleTcp(readPcapTcp(pcap, opts)).filter((s) => s.srcPort === 179 || s.dstPort === 179);
  const out: CapturedMessage[] = [];
  streams.forEach((s, connection) => {
    const split = splitBgpMessages(s.data);
    if (split.desyncAt !== undefined && !opts.partial) {
      throw new LabError('ERR_LAB_ARGUMENT', `BGP framing lost at offset ${split.desyncAt} of ${s.src}:${s.srcPort} -> ${s.dst}:${s.dstPort}`);
    }
    for (const m of split.messages) {
      out.push({ src: s.src, srcPort: s.srcPort, dst: s.dst, dstPort: s.dstPort, connection, bytes: m.bytes, desc: describeMessage(m.bytes) });
    }
  });
  return out;
}

export class BgpCapture {
  readonly file: string;
  readonly #proc: ForegroundDaemon;

  private constructor(file: string, proc: ForegroundDaemon) {
    this.file = file;
    this.#proc = proc;
  }

  /** Starts `tcpdump -i IFACE -U -s 0 -w FILE tcp port 179` in ns and waits until it listens. */
  static async start(ns: Netns, iface: string, file: string): Promise<BgpCapture> {
    const log = `${file}.log`;
    const proc = ForegroundDaemon.spawn(ns, ['tcpdump', '-i', iface, '-U', '-s', '0', '-n', '-w', file, 'tcp port 179'], { label: `tcpdump ${ns.name}`, logFile: log });
    await proc.waitReady(() => readText(log).includes('listening on'), 10_000, 'listening');
    return new BgpCapture(file, proc);
  }

  /** What has been captured so far (a packet being written is left out). */
  messages(): CapturedMessage[] {
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(this.file);
    } catch {
      return [];
    }
    if (bytes.length < 24) return [];
    return bgpMessagesFromPcap(bytes, { partial: true });
  }

  /** Polls the capture until a message matches; ERR_LAB_TIMEOUT naming `what` otherwise. */
  async waitFor(pred: (m: CapturedMessage) => boolean, what: string, timeoutMs = 20_000): Promise<CapturedMessage> {
    return waitFor(() => this.messages().find(pred), { timeoutMs, intervalMs: 100, what: `captured ${what}` });
  }

  /** Stops tcpdump (it flushes on SIGTERM) and returns every message, parsed strictly. */
  async stop(): Promise<CapturedMessage[]> {
    await this.#proc.stop();
    return bgpMessagesFromPcap(readFileSync(this.file));
  }
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
