// Accepts BGP connections on a port (IPv4 and IPv6) and hands each to the session of the peer it
// comes from; connections from unknown addresses are closed.
import net from 'node:net';
import type { Connection } from './connection.js';
import { noopLogger } from './logger.js';
import type { Logger } from './logger.js';
import { BGP_PORT } from './session.js';

/** What the listener needs from a session (BgpSession has it). */
export interface AcceptingSession {
  readonly name: string;
  matches(remoteAddress: string | undefined): boolean;
  accept(conn: Connection): void;
}

export interface BgpListenerOptions {
  /** default 179; 0 picks a free port (see `port` after listen()) */
  readonly port?: number;
  /** addresses to listen on; default ["::"], which takes IPv4 too (dual stack) */
  readonly addresses?: readonly string[];
  readonly logger?: Logger;
}

export class BgpListener {
  readonly #servers: net.Server[] = [];
  readonly #sessions = new Set<AcceptingSession>();
  readonly #logger: Logger;
  readonly #port: number;
  readonly #addresses: readonly string[];
  /** connections refused because no session matched */
  refused = 0;

  constructor(options: BgpListenerOptions = {}) {
    this.#port = options.port ?? BGP_PORT;
    this.#addresses = options.addresses ?? ['::'];
    this.#logger = options.logger ?? noopLogger;
  }

  add(session: AcceptingSession): void {
    this.#sessions.add(session);
  }

  remove(session: AcceptingSession): void {
    this.#sessions.delete(session);
  }

  /** the port of the first address (useful with port 0) */
  get port(): number {
    const a = this.#servers[0]?.address();
    return typeof a === 'object' && a !== null ? a.port : this.#port;
  }

  async listen(): Promise<void> {
    // an IPv6 socket takes IPv4 too unless it is IPv6-only: it must be when IPv4 has its own socket
    const ipv4Too = this.#addresses.some((a) => net.isIPv4(a));
    for (const host of this.#addresses) {
      const server = net.createServer((socket) => this.handle(socket));
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host, port: this.#port, ipv6Only: ipv4Too && net.isIPv6(host) }, () => {
          server.off('error', reject);
          resolve();
        });
      });
      server.on('error', (e) => this.#logger.error(`listener error: ${e.message}`, { address: host }));
      this.#servers.push(server);
      this.#logger.info('listening for BGP', { address: host, port: this.port });
    }
  }

  /** Route one accepted connection (public so connections accepted elsewhere can be handed in). */
  handle(conn: Connection): void {
    for (const s of this.#sessions) {
      if (s.matches(conn.remoteAddress)) {
        s.accept(conn);
        return;
      }
    }
    this.refused++;
    this.#logger.info('connection from an unknown peer refused', { remote: conn.remoteAddress });
    conn.on('error', () => {});
    conn.destroy();
  }

  async close(): Promise<void> {
    const servers = this.#servers.splice(0);
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}
