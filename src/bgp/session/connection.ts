// The transport seam: what a session needs from a byte stream. net.Socket fits it as is; tests
// use the in-memory pair in memory-connection.ts; a native addon (TCP-MD5, GTSM) can hand in a
// net.Socket built on its own fd through a custom Connector.
import net from 'node:net';

export interface Connection {
  readonly remoteAddress?: string | undefined;
  readonly remotePort?: number | undefined;
  readonly localAddress?: string | undefined;
  readonly localPort?: number | undefined;
  /** bytes queued for writing */
  readonly writableLength: number;
  /** true once 'close' has been emitted */
  readonly closed?: boolean;
  /** false once the queue is above its high-water mark ('drain' follows) */
  write(data: Uint8Array): boolean;
  /** finish writing what is queued, then send FIN */
  end(): void;
  destroy(): void;
  setNoDelay?(noDelay?: boolean): unknown;
  /** 'connect' (outbound only), 'data' (Uint8Array), 'drain', 'error' (Error), 'close' */
  on(event: string, listener: (...args: any[]) => void): unknown;
}

export interface ConnectTarget {
  /** address to connect to, with %ifname for link-local */
  readonly host: string;
  readonly port: number;
  readonly family: 4 | 6;
  readonly localAddress?: string | undefined;
}

/** Opens an outbound connection; it emits 'connect' once established, or 'error'/'close'. */
export type Connector = (target: ConnectTarget) => Connection;

export const tcpConnector: Connector = (t) =>
  net.connect({
    host: t.host,
    port: t.port,
    family: t.family,
    ...(t.localAddress === undefined ? {} : { localAddress: t.localAddress }),
  });
