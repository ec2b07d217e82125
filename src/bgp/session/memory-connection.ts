// In-memory connections with net.Socket's event semantics (asynchronous delivery, FIN then close,
// allowHalfOpen false), for unit tests of sessions and of code built on them.
import { EventEmitter } from 'node:events';
import type { ConnectTarget, Connection, Connector } from './connection.js';

export class MemoryConnection extends EventEmitter implements Connection {
  remoteAddress: string | undefined;
  remotePort: number | undefined;
  localAddress: string | undefined;
  localPort: number | undefined;
  peer: MemoryConnection | undefined;
  #ended = false;
  #peerEnded = false;
  #closed = false;
  /** bytes "in flight" (written, not yet delivered): lets tests exercise back-pressure */
  #inFlight = 0;
  #needDrain = false;
  /** high-water mark for write()'s return value */
  highWaterMark = 16 * 1024;
  /** everything written, for assertions */
  readonly written: Uint8Array[] = [];
  /** deliver writes only when the test calls flush() (to build up back-pressure) */
  paused = false;
  #held: Uint8Array[] = [];

  get writableLength(): number {
    return this.#inFlight;
  }

  get closed(): boolean {
    return this.#closed;
  }

  write(data: Uint8Array): boolean {
    if (this.#ended || this.#closed) return false;
    const copy = Uint8Array.from(data);
    this.written.push(copy);
    this.#inFlight += copy.length;
    if (this.paused) this.#held.push(copy);
    else this.#deliver(copy);
    if (this.#inFlight >= this.highWaterMark) this.#needDrain = true;
    return !this.#needDrain;
  }

  #deliver(copy: Uint8Array): void {
    setImmediate(() => {
      this.#inFlight -= copy.length;
      const p = this.peer;
      if (p !== undefined && !p.#closed) p.emit('data', Buffer.from(copy));
      // like net.Socket: 'drain' once the queue has emptied after a write() returned false
      if (this.#needDrain && this.#inFlight === 0 && !this.#closed) {
        this.#needDrain = false;
        this.emit('drain');
      }
    });
  }

  /** deliver what was held while paused */
  flush(): void {
    this.paused = false;
    const held = this.#held;
    this.#held = [];
    for (const c of held) this.#deliver(c);
  }

  setNoDelay(): this {
    return this;
  }

  end(): void {
    if (this.#ended || this.#closed) return;
    this.#ended = true;
    // FIN travels behind the data already written
    setImmediate(() =>
      setImmediate(() => {
        const p = this.peer;
        if (p !== undefined) p.#receiveEnd();
      }),
    );
    this.#maybeClose();
  }

  #receiveEnd(): void {
    if (this.#closed) return;
    this.#peerEnded = true;
    this.emit('end');
    this.end(); // allowHalfOpen: false
    this.#maybeClose();
  }

  #maybeClose(): void {
    if (this.#ended && this.#peerEnded) this.#close(false);
  }

  destroy(error?: Error): void {
    if (this.#closed) return;
    this.#ended = true;
    const p = this.peer;
    this.#close(error !== undefined, error);
    // the other side sees a reset
    if (p !== undefined) setImmediate(() => p.#close(true, Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })));
  }

  #close(hadError: boolean, error?: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    setImmediate(() => {
      if (error !== undefined) this.emit('error', error);
      this.emit('close', hadError);
    });
  }

  /** an outbound connection completing */
  connectNow(): void {
    setImmediate(() => {
      if (!this.#closed) this.emit('connect');
    });
  }

  /** an outbound connection failing */
  refuse(code = 'ECONNREFUSED'): void {
    this.#closed = true;
    setImmediate(() => {
      this.emit('error', Object.assign(new Error(`connect ${code}`), { code }));
      this.emit('close', true);
    });
  }
}

/** Two connected ends: what one writes, the other reads. */
export function memoryConnectionPair(a: { address: string; port: number }, b: { address: string; port: number }): [MemoryConnection, MemoryConnection] {
  const x = new MemoryConnection();
  const y = new MemoryConnection();
  x.peer = y;
  y.peer = x;
  x.localAddress = a.address;
  x.localPort = a.port;
  x.remoteAddress = b.address;
  x.remotePort = b.port;
  y.localAddress = b.address;
  y.localPort = b.port;
  y.remoteAddress = a.address;
  y.remotePort = a.port;
  return [x, y];
}

/**
 * A Connector over a tiny in-memory "network": `listen(host, port, accept)` registers where
 * connections to an address go; connecting anywhere else is refused (or left hanging when the
 * address is marked silent). Every connection made is kept in `connections` for inspection.
 */
export class MemoryNetwork {
  readonly #listeners = new Map<string, (conn: MemoryConnection) => void>();
  readonly #silent = new Set<string>();
  readonly connections: MemoryConnection[] = [];
  #nextPort = 40000;

  listen(host: string, port: number, accept: (conn: MemoryConnection) => void): void {
    this.#listeners.set(`${host}|${port}`, accept);
  }

  unlisten(host: string, port: number): void {
    this.#listeners.delete(`${host}|${port}`);
  }

  /** SYNs to this address get no answer */
  setSilent(host: string, silent: boolean): void {
    if (silent) this.#silent.add(host);
    else this.#silent.delete(host);
  }

  connector(localAddress: string): Connector {
    return (t: ConnectTarget) => {
      const [client, server] = memoryConnectionPair({ address: t.localAddress ?? localAddress, port: this.#nextPort++ }, { address: t.host, port: t.port });
      this.connections.push(client);
      const accept = this.#listeners.get(`${t.host}|${t.port}`);
      if (this.#silent.has(t.host)) {
        client.peer = undefined; // nobody at the other end
        return client;
      }
      if (accept === undefined) {
        client.refuse();
        return client;
      }
      client.connectNow();
      setImmediate(() => accept(server));
      return client;
    };
  }
}
