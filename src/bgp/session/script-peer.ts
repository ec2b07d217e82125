// Test support: a BGP peer played by a test script over an in-memory connection. It records every
// message it receives (decoded) and sends whatever the test tells it to.
import { decodeMessage, encodeMessage } from '../wire/index.js';
import { MODERN_CONTEXT } from '../wire/types.js';
import type { CodecContext, Message, OpenMessage } from '../wire/types.js';
import { Framer } from './framer.js';
import type { MemoryConnection } from './memory-connection.js';

export class ScriptPeer {
  readonly received: Message[] = [];
  closed = false;
  readonly #framer = new Framer();

  constructor(
    readonly conn: MemoryConnection,
    readonly ctx: CodecContext = MODERN_CONTEXT,
  ) {
    conn.on('data', (chunk: Uint8Array) => {
      this.#framer.push(chunk);
      for (let m = this.#framer.next(ctx); m !== undefined; m = this.#framer.next(ctx)) this.received.push(decodeMessage(m, ctx));
    });
    conn.on('close', () => {
      this.closed = true;
    });
    conn.on('error', () => {});
  }

  send(msg: Message): void {
    this.conn.write(encodeMessage(msg, this.ctx));
  }

  sendRaw(bytes: Uint8Array): void {
    this.conn.write(bytes);
  }

  of<T extends Message['type']>(type: T): Extract<Message, { type: T }>[] {
    return this.received.filter((m): m is Extract<Message, { type: T }> => m.type === type);
  }

  close(): void {
    this.conn.end();
  }
}

export function openFrom(asn: number, bgpId: string, holdTime = 9, extra: Partial<OpenMessage> = {}): OpenMessage {
  return {
    type: 'open',
    version: 4,
    myAs: asn > 0xffff ? 23456 : asn,
    holdTime,
    bgpId,
    capabilities: [
      { kind: 'multiprotocol', afi: 1, safi: 1 },
      { kind: 'multiprotocol', afi: 2, safi: 1 },
      { kind: 'route-refresh' },
      { kind: 'four-octet-as', asn },
    ],
    ...extra,
  };
}

/** Run the event loop until `cond` holds: `rounds` turns, then (for real timers) polling for at most 5 s. */
export async function until(cond: () => boolean, what = 'condition', rounds = 200): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    if (cond()) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  // still not there: something may be waiting on a real timer (a socket poll), which a loaded
  // machine fires late; keep polling by time, bounded
  const end = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise<void>((resolve) => setTimeout(resolve, 1));
  }
}
