// Sends a pre-encoded table to a BGP receiver as fast as the socket drains, so the receiver, not
// the tester, is what a benchmark measures. A minimal, honest BGP peer: real OPEN with
// multiprotocol IPv4/IPv6, 4-octet AS and route refresh; waits for the receiver's OPEN and
// KEEPALIVE; then KEEPALIVEs every third of the negotiated hold time until closed.
// Runs as its own process inside the sender's namespace (see `main` below); it prints JSON lines:
//   {"event":"encoded",...}  {"event":"established"}
//   {"event":"first-byte","at":<Date.now() just before the first UPDATE is written>}
//   {"event":"sent","ms":<write time>,"at":<Date.now() after the last write was accepted>}
import net from 'node:net';
import {
  decodeMessage,
  encodeMessage,
  endOfRib,
  MODERN_CONTEXT,
  readMessageLength,
  type Message,
} from '../../src/bgp/wire/index.js';
import { buildTable, type TableOptions } from './table-generator.js';

export interface SenderOptions {
  readonly host: string;
  readonly port: number;
  readonly localAddress?: string;
  readonly asn: number;
  readonly routerId: string;
  readonly table: TableOptions;
}

const HOLD_TIME = 240;

function event(o: object): void {
  process.stdout.write(`${JSON.stringify(o)}\n`);
}

function send(sock: net.Socket, msg: Message): void {
  sock.write(encodeMessage(msg, MODERN_CONTEXT));
}

interface Session {
  readonly sock: net.Socket;
  readonly closed: Promise<void>;
  readonly peerHoldTime: number;
}

/** Connects (retrying refused connects), sends OPEN, answers the receiver's OPEN; undefined when the receiver closes first. */
async function establish(opts: SenderOptions, log: (line: string) => void): Promise<Session | undefined> {
  const sock = await new Promise<net.Socket>((resolve, reject) => {
    const retry = (left: number) => {
      const s = net.connect({ host: opts.host, port: opts.port, ...(opts.localAddress ? { localAddress: opts.localAddress } : {}) });
      s.once('connect', () => resolve(s));
      s.once('error', (e) => (left > 0 ? setTimeout(() => retry(left - 1), 200) : reject(e)));
    };
    retry(100);
  });
  sock.setNoDelay(true);
  sock.on('error', (e) => log(`socket error: ${e.message}`));
  send(sock, {
    type: 'open',
    version: 4,
    myAs: opts.asn > 65535 ? 23456 : opts.asn,
    holdTime: HOLD_TIME,
    bgpId: opts.routerId,
    capabilities: [
      { kind: 'multiprotocol', afi: 1, safi: 1 },
      { kind: 'multiprotocol', afi: 2, safi: 1 },
      { kind: 'route-refresh' },
      { kind: 'four-octet-as', asn: opts.asn },
    ],
  });
  let buf: Buffer = Buffer.alloc(0);
  let established = false;
  let peerHoldTime = HOLD_TIME;
  let resolveEstablished!: () => void;
  const onEstablished = new Promise<void>((r) => (resolveEstablished = r));
  sock.on('data', (chunk: Buffer) => {
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    let off = 0;
    for (;;) {
      const len = readMessageLength(buf, off, MODERN_CONTEXT);
      if (len === undefined || off + len > buf.length) break;
      const msg = decodeMessage(buf.subarray(off, off + len), MODERN_CONTEXT);
      off += len;
      if (msg.type === 'open') {
        peerHoldTime = msg.holdTime;
        send(sock, { type: 'keepalive' });
      } else if (msg.type === 'keepalive' && !established) {
        established = true;
        resolveEstablished();
      } else if (msg.type === 'notification') log(`receiver sent NOTIFICATION ${msg.code}/${msg.subcode}`);
    }
    buf = buf.subarray(off);
  });
  const closed = new Promise<void>((r) => sock.once('close', () => r()));
  await Promise.race([onEstablished, closed]);
  if (!established) {
    sock.destroy();
    return undefined;
  }
  return { sock, closed, peerHoldTime };
}

/** Connects, establishes, writes the whole table, then End-of-RIB; resolves with the timings. */
export async function sendTable(opts: SenderOptions, log: (line: string) => void): Promise<void> {
  const t0 = performance.now();
  const table = buildTable(opts.table);
  log(`encoded ${table.prefixes} prefixes in ${table.messages} UPDATEs (${table.bytes} bytes, ${table.attributeSets} attribute sets) in ${(performance.now() - t0).toFixed(0)} ms`);
  event({ event: 'encoded', prefixes: table.prefixes, messages: table.messages, bytes: table.bytes, attributeSets: table.attributeSets });
  // a receiver may refuse the first attempts (still starting up): try again, bounded
  let session: Session | undefined;
  for (let attempt = 1; session === undefined; attempt++) {
    session = await establish(opts, log);
    if (session === undefined) {
      if (attempt >= 60) throw new Error('receiver closed the session before Established, 60 times');
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  const { sock, closed, peerHoldTime } = session;
  // RFC 4271 §4.4: the negotiated hold time is the smaller offer; keepalives at a third of it
  const hold = Math.min(HOLD_TIME, peerHoldTime);
  const ka = hold === 0 ? undefined : setInterval(() => send(sock, { type: 'keepalive' }), Math.max(1, Math.floor(hold / 3)) * 1000);
  log(`established (hold ${hold} s); sending`);
  event({ event: 'established' });
  event({ event: 'first-byte', at: Date.now() });
  const tSend = performance.now();
  for (const chunk of table.chunks) {
    if (!sock.write(chunk)) await new Promise<void>((r) => sock.once('drain', () => r()));
  }
  send(sock, endOfRib(opts.table.family === 'ipv4' ? 1 : 2, 1));
  log(`sent all in ${(performance.now() - tSend).toFixed(0)} ms`);
  event({ event: 'sent', ms: performance.now() - tSend, at: Date.now() });
  await closed;
  clearInterval(ka);
}

// As a process: node --import tsx bench/lib/table-sender.ts '<SenderOptions JSON>'
if (import.meta.url === `file://${process.argv[1]}`) {
  const opts = JSON.parse(process.argv[2] ?? '{}') as SenderOptions;
  sendTable(opts, (l) => process.stderr.write(`sender: ${l}\n`)).catch((e: unknown) => {
    process.stderr.write(`sender: ${String(e)}\n`);
    process.exit(1);
  });
}
