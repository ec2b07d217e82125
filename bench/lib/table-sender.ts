// Sends a pre-encoded table to a BGP receiver as fast as the socket drains, so the receiver, not
// the tester, is what a benchmark measures. A minimal, honest BGP peer: real OPEN with
// multiprotocol IPv4/IPv6, 4-octet AS and route refresh; waits for the receiver's OPEN and
// KEEPALIVE; answers with KEEPALIVEs every `keepaliveS` until closed.
// Runs as its own process inside the sender's namespace (see `main` below).
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

function send(sock: net.Socket, msg: Message): void {
  sock.write(encodeMessage(msg, MODERN_CONTEXT));
}

/** Connects, establishes, writes the whole table, then End-of-RIB; resolves with the timings. */
export async function sendTable(opts: SenderOptions, log: (line: string) => void): Promise<void> {
  const t0 = performance.now();
  const table = buildTable(opts.table);
  log(`encoded ${table.prefixes} prefixes in ${table.messages} UPDATEs (${table.bytes} bytes, ${table.attributeSets} attribute sets) in ${(performance.now() - t0).toFixed(0)} ms`);
  const sock = await new Promise<net.Socket>((resolve, reject) => {
    const retry = (left: number) => {
      const s = net.connect({ host: opts.host, port: opts.port, ...(opts.localAddress ? { localAddress: opts.localAddress } : {}) });
      s.once('connect', () => resolve(s));
      s.once('error', (e) => (left > 0 ? setTimeout(() => retry(left - 1), 200) : reject(e)));
    };
    retry(100);
  });
  sock.setNoDelay(true);
  send(sock, {
    type: 'open',
    version: 4,
    myAs: opts.asn > 65535 ? 23456 : opts.asn,
    holdTime: 240,
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
      if (msg.type === 'open') send(sock, { type: 'keepalive' });
      else if (msg.type === 'keepalive' && !established) {
        established = true;
        resolveEstablished();
      } else if (msg.type === 'notification') log(`receiver sent NOTIFICATION ${msg.code}/${msg.subcode}`);
    }
    buf = buf.subarray(off);
  });
  const closed = new Promise<void>((r) => sock.once('close', () => r()));
  await Promise.race([onEstablished, closed]);
  if (!established) throw new Error('receiver closed the session before Established');
  const ka = setInterval(() => send(sock, { type: 'keepalive' }), 30_000);
  log(`established; sending`);
  const tSend = performance.now();
  for (const chunk of table.chunks) {
    if (!sock.write(chunk)) await new Promise<void>((r) => sock.once('drain', () => r()));
  }
  send(sock, endOfRib(opts.table.family === 'ipv4' ? 1 : 2, 1));
  log(`sent all in ${(performance.now() - tSend).toFixed(0)} ms`);
  process.stdout.write(JSON.stringify({ event: 'sent', ms: performance.now() - tSend }) + '\n');
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
