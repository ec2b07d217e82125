// One connection to the peer and the FSM that runs it: performs the FSM's I/O and timer actions,
// frames and decodes what arrives, and hands everything else (state changes, updates, ...) to its
// host, the BgpSession. A session has one Link, and a second one while a collision is resolved.
import type { ConnectionDirection } from '../fsm/collision.js';
import { step } from '../fsm/fsm.js';
import type { FsmAction, FsmEvent, FsmState, TimerName } from '../fsm/types.js';
import { BgpWireError, NOTIF_CEASE } from '../wire/errors.js';
import { decodeMessage, encodeMessage } from '../wire/index.js';
import { DEFAULT_CONTEXT } from '../wire/types.js';
import type { CodecContext, Message, OpenMessage, RouteRefreshMessage, UpdateMessage } from '../wire/types.js';
import type { CancelTimer, Clock } from './clock.js';
import type { ConnectTarget, Connection, Connector } from './connection.js';
import { Framer } from './framer.js';
import type { Logger } from './logger.js';
import type { MessageType, StatsRecorder } from './stats.js';

export interface LinkHost {
  readonly clock: Clock;
  readonly random: () => number;
  readonly logger: Logger;
  readonly stats: StatsRecorder;
  /** An OPEN arrived; false when the host dumped this link instead (collision). */
  openReceived(link: Link, open: OpenMessage): boolean;
  /** FSM actions that are the host's business: state changes, deliveries, established, down, warnings. */
  report(link: Link, action: FsmAction): void;
  /** The link finished processing its events: a moment to look at both links together. */
  settled(link: Link): void;
  /** The codec rejected (or trimmed) a message. */
  wireError(link: Link, error: BgpWireError): void;
  socketError(link: Link, error: Error & { code?: string }): void;
}

export interface LinkOptions {
  readonly connector: Connector;
  readonly target: ConnectTarget;
  /** how long a closing connection may take to say goodbye before it is destroyed */
  readonly closeTimeoutMs: number;
  /** for logs: 'primary', or 'collision' for the second connection */
  readonly role: 'primary' | 'collision';
}

const TYPE_BY_CODE: Readonly<Record<number, MessageType>> = { 1: 'open', 2: 'update', 3: 'notification', 4: 'keepalive', 5: 'route-refresh' };

export class Link {
  fsm: FsmState;
  /** who opened the current connection */
  direction: ConnectionDirection | undefined;
  role: 'primary' | 'collision';
  readonly #host: LinkHost;
  readonly #opts: LinkOptions;
  #conn: Connection | undefined;
  #connected = false;
  #socketError: string | undefined;
  readonly #framer = new Framer();
  #ctx: CodecContext = DEFAULT_CONTEXT;
  readonly #timers = new Map<TimerName, CancelTimer>();
  readonly #queue: FsmEvent[] = [];
  #busy = false;
  #disposed = false;
  readonly #closing = new Set<Promise<void>>();
  #drainWaiters: (() => void)[] = [];
  #needDrain = false;

  constructor(fsm: FsmState, host: LinkHost, opts: LinkOptions) {
    this.fsm = fsm;
    this.#host = host;
    this.#opts = opts;
    this.role = opts.role;
  }

  get codec(): CodecContext {
    return this.#ctx;
  }

  /** bytes queued on the connection */
  get buffered(): number {
    return this.#conn?.writableLength ?? 0;
  }

  get remote(): string | undefined {
    return this.#conn?.remoteAddress;
  }

  /** Feed an event to the FSM and perform its actions; events raised meanwhile wait their turn. */
  dispatch(event: FsmEvent): void {
    if (this.#disposed) return;
    this.#queue.push(event);
    if (this.#busy) return;
    this.#busy = true;
    try {
      for (let e = this.#queue.shift(); e !== undefined; e = this.#queue.shift()) {
        const r = step(this.fsm, e);
        this.fsm = r.state;
        for (const a of r.actions) this.#perform(a);
      }
    } finally {
      this.#busy = false;
    }
    if (!this.#disposed) this.#host.settled(this);
  }

  /** Take a connection the peer opened (a pending outbound attempt is dropped). */
  attachInbound(conn: Connection): void {
    if (this.#conn !== undefined && !this.#connected) this.#abandon();
    if (this.#conn !== undefined) {
      // we already have a working connection: not ours to replace
      this.#closeGracefully(conn);
      return;
    }
    this.#attach(conn, 'inbound', true);
    this.dispatch({ type: 'tcp-connection-confirmed' });
  }

  /**
   * Encode and write UPDATEs. Returns what the connection's write() said: false once its queue is
   * above the connection's high-water mark (wait for waitForDrain() before writing more).
   */
  sendUpdates(updates: readonly UpdateMessage[]): boolean {
    const conn = this.#conn;
    if (conn === undefined || !this.#connected) return false;
    const parts = updates.map((u) => encodeMessage(u, this.#ctx)); // throws before anything is written
    const bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    if (!conn.write(bytes)) this.#needDrain = true;
    this.#host.stats.messagesOut.update += updates.length;
    this.dispatch({ type: 'update-sent' });
    return !this.#needDrain;
  }

  sendRouteRefresh(message: RouteRefreshMessage): void {
    this.#write(message);
  }

  /** whether the last write found the connection's queue full */
  get needDrain(): boolean {
    return this.#needDrain;
  }

  /** Resolves once the connection has drained after a write that found it full, or is gone. */
  waitForDrain(): Promise<void> {
    if (this.#conn === undefined || !this.#needDrain) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  /** Resolves when every connection this link closed has finished closing. */
  async closed(): Promise<void> {
    // let an event queued behind the one being processed (a stop from inside a listener) run first
    await null;
    while (this.#closing.size > 0) await Promise.all([...this.#closing]);
  }

  /** Stop everything: timers, connection; no further events. */
  dispose(): void {
    if (this.#disposed) return;
    for (const cancel of this.#timers.values()) cancel();
    this.#timers.clear();
    this.#release();
    this.#queue.length = 0;
    this.#disposed = true;
  }

  // ---------------------------------------------------------------- actions

  #perform(a: FsmAction): void {
    switch (a.type) {
      case 'connect':
        this.#connect();
        return;
      case 'close':
        this.#release();
        return;
      case 'send-open':
        this.#write(a.open);
        return;
      case 'send-keepalive':
        this.#write({ type: 'keepalive' });
        return;
      case 'send-notification':
        this.#write(a.notification);
        return;
      case 'start-timer':
        this.#startTimer(a.timer, a.seconds, a.jitter);
        return;
      case 'stop-timer':
        this.#timers.get(a.timer)?.();
        this.#timers.delete(a.timer);
        return;
      case 'negotiated':
        this.#ctx = a.negotiated.codec;
        this.#host.report(this, a);
        return;
      default:
        this.#host.report(this, a);
    }
  }

  #startTimer(timer: TimerName, seconds: number, jitter: boolean): void {
    this.#timers.get(timer)?.();
    // RFC 4271 §10: jitter by up to 25% downwards
    const ms = seconds * 1000 * (jitter ? 1 - 0.25 * this.#host.random() : 1);
    const cancel = this.#host.clock.setTimer(ms, () => {
      if (this.#timers.get(timer) !== cancel) return;
      this.#timers.delete(timer);
      this.dispatch({ type: 'timer-expired', timer });
    });
    this.#timers.set(timer, cancel);
  }

  #connect(): void {
    this.#abandon();
    let conn: Connection;
    try {
      conn = this.#opts.connector(this.#opts.target);
    } catch (e) {
      // a connector that throws (bad local address...) is a failed connect
      this.#socketError = e instanceof Error ? e.message : String(e);
      this.#host.socketError(this, e instanceof Error ? e : new Error(String(e)));
      queueMicrotask(() => this.dispatch({ type: 'tcp-connection-fails', detail: this.#socketError }));
      return;
    }
    this.#attach(conn, 'outbound', false);
    conn.on('connect', () => {
      if (conn !== this.#conn) return;
      this.#connected = true;
      conn.setNoDelay?.(true);
      this.dispatch({ type: 'tcp-cr-acked' });
    });
  }

  #attach(conn: Connection, direction: ConnectionDirection, connected: boolean): void {
    this.#conn = conn;
    this.#connected = connected;
    this.#socketError = undefined;
    this.direction = direction;
    this.#framer.reset();
    this.#ctx = DEFAULT_CONTEXT;
    if (connected) conn.setNoDelay?.(true);
    conn.on('data', (chunk: Uint8Array) => this.#onData(conn, chunk));
    conn.on('drain', () => {
      if (conn === this.#conn) this.#resolveDrain();
    });
    conn.on('error', (err: Error & { code?: string }) => {
      if (conn !== this.#conn) return;
      this.#socketError = err.code === undefined ? err.message : `${err.code}: ${err.message}`;
      this.#host.socketError(this, err);
    });
    conn.on('close', () => {
      if (conn !== this.#conn) return;
      const wasConnected = this.#connected;
      this.#detach();
      this.dispatch({
        type: 'tcp-connection-fails',
        detail: this.#socketError ?? (wasConnected ? 'connection closed by peer' : 'connect failed'),
      });
    });
  }

  #detach(): Connection | undefined {
    const conn = this.#conn;
    this.#conn = undefined;
    this.#connected = false;
    this.#framer.reset();
    this.#ctx = DEFAULT_CONTEXT;
    this.#resolveDrain();
    return conn;
  }

  /** Drop a connection attempt that has not completed. */
  #abandon(): void {
    if (this.#conn !== undefined && !this.#connected) this.#detach()?.destroy();
  }

  /** Let go of the connection: a pending connect is dropped, an open one closed after its queue is flushed. */
  #release(): void {
    const wasConnected = this.#connected;
    const conn = this.#detach();
    if (conn === undefined) return;
    if (!wasConnected) conn.destroy();
    else this.#closeGracefully(conn);
  }

  /**
   * end() sends what is queued (the NOTIFICATION) and then FIN; the connection keeps reading so
   * the kernel does not answer late data with a RST that could discard the NOTIFICATION at the
   * peer. Destroyed if the peer does not close within closeTimeoutMs.
   */
  #closeGracefully(conn: Connection): void {
    if (conn.closed === true) return;
    const p = new Promise<void>((resolve) => {
      let cancel: CancelTimer = () => {};
      const finish = (): void => {
        cancel();
        resolve();
      };
      conn.on('close', finish);
      conn.on('error', () => {}); // a reset while closing is expected, not an error
      cancel = this.#host.clock.setTimer(this.#opts.closeTimeoutMs, () => {
        conn.destroy();
        resolve();
      });
      conn.end();
    });
    this.#closing.add(p);
    void p.then(() => this.#closing.delete(p));
  }

  #resolveDrain(): void {
    this.#needDrain = false;
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const w of waiters) w();
  }

  #write(msg: Message): void {
    const conn = this.#conn;
    if (conn === undefined || !this.#connected) return;
    let bytes: Uint8Array;
    try {
      bytes = encodeMessage(msg, this.#ctx);
    } catch (e) {
      this.#host.logger.error('cannot encode a message the FSM asked for', { type: msg.type, error: e instanceof Error ? e.message : String(e) });
      return;
    }
    if (!conn.write(bytes)) this.#needDrain = true;
    this.#host.stats.messagesOut[msg.type]++;
  }

  // ---------------------------------------------------------------- receiving

  #onData(conn: Connection, chunk: Uint8Array): void {
    if (conn !== this.#conn) return;
    this.#framer.push(chunk);
    while (conn === this.#conn && !this.#disposed) {
      let frame: Uint8Array | undefined;
      try {
        frame = this.#framer.next(this.#ctx);
      } catch (e) {
        this.#decodeFailed(asWireError(e)); // the stream cannot be resynchronised
        return;
      }
      if (frame === undefined) return;
      let msg: Message;
      try {
        msg = decodeMessage(frame, this.#ctx);
      } catch (e) {
        const type = TYPE_BY_CODE[frame[18] ?? 0];
        if (type !== undefined) this.#host.stats.messagesIn[type]++;
        this.#decodeFailed(asWireError(e));
        continue; // treat-as-withdraw keeps the connection
      }
      this.#received(msg);
    }
  }

  #decodeFailed(error: BgpWireError): void {
    this.#host.wireError(this, error);
    this.dispatch({ type: 'decode-error', error });
  }

  #received(msg: Message): void {
    this.#host.stats.messagesIn[msg.type]++;
    switch (msg.type) {
      case 'open':
        if (this.#host.openReceived(this, msg)) this.dispatch({ type: 'open-received', open: msg });
        return;
      case 'keepalive':
        this.dispatch({ type: 'keepalive-received' });
        return;
      case 'update':
        for (const e of msg.discarded ?? []) this.#host.wireError(this, e);
        this.dispatch({ type: 'update-received', update: msg });
        return;
      case 'notification':
        this.dispatch({ type: 'notification-received', notification: msg });
        return;
      case 'route-refresh':
        this.dispatch({ type: 'route-refresh-received', message: msg });
        return;
    }
  }
}

/** The codec throws only BgpWireError; anything else is a codec bug, handled as a session reset. */
function asWireError(e: unknown): BgpWireError {
  if (e instanceof BgpWireError) return e;
  return new BgpWireError({
    code: 'ERR_BGP_DECODE_INTERNAL',
    message: `decoder failed: ${e instanceof Error ? e.message : String(e)}`,
    notifCode: NOTIF_CEASE,
    notifSubcode: 0,
    action: 'session-reset',
    cause: e,
  });
}
