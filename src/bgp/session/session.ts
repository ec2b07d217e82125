// A BGP peer: one configured neighbour, its connection(s), the FSM, and the events the speaker
// consumes. Connection collisions (RFC 4271 §6.8) are resolved here: while our own connection is
// in OpenSent/OpenConfirm, a connection the peer opens gets its own Link (FSM); the first OPEN
// that arrives decides which of the two survives.
import { EventEmitter } from 'node:events';
import { isIP } from 'node:net';
import { resolveCollision } from '../fsm/collision.js';
import { fsmConfig } from '../fsm/config.js';
import type { FsmConfigInput } from '../fsm/config.js';
import { acceptedConnectionState, adoptAccepted, initialState } from '../fsm/fsm.js';
import { describeNotification } from '../fsm/notification.js';
import type { DownInfo, FsmAction, FsmConfig, Negotiated, StateChange, StateName, StateReason } from '../fsm/types.js';
import { peerAsOf, validateOpen } from '../fsm/validate-open.js';
import type { BgpWireError } from '../wire/errors.js';
import { isEndOfRib } from '../wire/index.js';
import { familyKey } from '../wire/types.js';
import type { CodecContext, OpenMessage, RouteRefreshMessage, UpdateMessage } from '../wire/types.js';
import { systemClock } from './clock.js';
import type { Clock } from './clock.js';
import { tcpConnector } from './connection.js';
import type { Connection, Connector } from './connection.js';
import { BgpSessionError } from './errors.js';
import { Link } from './link.js';
import type { LinkHost, LinkOptions } from './link.js';
import { noopLogger } from './logger.js';
import type { LogFields, Logger } from './logger.js';
import { parsePeerAddress, parseRemoteAddress, samePeer } from './peer-address.js';
import type { PeerAddress } from './peer-address.js';
import { StatsRecorder } from './stats.js';
import type { SessionStats } from './stats.js';

export const BGP_PORT = 179;

export interface BgpSessionOptions extends FsmConfigInput {
  /** "192.0.2.1", "2001:db8::1" or "fe80::1%eth0" */
  readonly peerAddress: string;
  /** the peer's port for our outbound connections (default 179) */
  readonly port?: number;
  /** source address of our outbound connections */
  readonly localAddress?: string;
  /** for logs (default: the peer address) */
  readonly name?: string;
  readonly clock?: Clock;
  /** for timer jitter; [0, 1) */
  readonly random?: () => number;
  readonly logger?: Logger;
  /** opens outbound connections (default: plain TCP); the native addon can supply MD5/GTSM sockets */
  readonly connector?: Connector;
  /** send() throws once this many bytes are queued: the caller ignored back-pressure (default 64 MiB) */
  readonly maxBufferedBytes?: number;
  /** how long a closing connection may linger before it is destroyed (default 5000 ms) */
  readonly closeTimeoutMs?: number;
}

export interface BgpSessionEvents {
  /** every state change of the session, with its reason */
  state: [change: StateChange];
  established: [negotiated: Negotiated];
  /** a received UPDATE (or a treat-as-withdraw stand-in); End-of-RIB markers come as 'end-of-rib' */
  update: [update: UpdateMessage];
  'end-of-rib': [family: { readonly afi: number; readonly safi: number }];
  'route-refresh': [message: RouteRefreshMessage];
  /** the session left Established */
  down: [info: DownInfo];
  /** the codec rejected or trimmed a message (also logged); `code` says what */
  'wire-error': [error: BgpWireError];
}

/** States in which a connection is talking BGP but not yet Established. */
const OPENING: readonly StateName[] = ['open-sent', 'open-confirm'];

/** Reasons for going to Idle that are not failures, or whose error was recorded already. */
const NOT_AN_ERROR: readonly StateReason[] = ['admin-stop', 'collision', 'message-error', 'connect-failed'];

export class BgpSession extends EventEmitter<BgpSessionEvents> {
  readonly name: string;
  readonly peer: PeerAddress;
  readonly config: FsmConfig;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #stats = new StatsRecorder();
  readonly #maxBuffered: number;
  readonly #host: LinkHost;
  readonly #linkOptions: LinkOptions;
  #primary: Link;
  /** the connection the peer opened while ours was opening (collision in progress) */
  #extra: Link | undefined;
  readonly #retired = new Set<Promise<void>>();

  constructor(options: BgpSessionOptions) {
    super();
    this.config = fsmConfig(options);
    this.peer = parsePeerAddress(options.peerAddress);
    const port = options.port ?? BGP_PORT;
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new BgpSessionError('ERR_BGP_SESSION_PORT', `port must be in 1..65535, got ${port}`);
    }
    const local = options.localAddress;
    if (local !== undefined) {
      const family = isIP(local.split('%')[0] ?? '');
      if (family !== this.peer.family) {
        throw new BgpSessionError('ERR_BGP_SESSION_LOCAL_ADDRESS', `localAddress "${local}" is not an IPv${this.peer.family} address like the peer's`);
      }
    }
    this.name = options.name ?? options.peerAddress;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? noopLogger;
    this.#maxBuffered = options.maxBufferedBytes ?? 64 * 1024 * 1024;
    this.#stats.stateSince = this.#clock.now();
    const random = options.random ?? Math.random;
    this.#host = {
      clock: this.#clock,
      random,
      logger: this.#logger,
      stats: this.#stats,
      openReceived: (link, open) => this.#openReceived(link, open),
      report: (link, action) => this.#report(link, action),
      settled: () => this.#settled(),
      wireError: (link, error) => this.#wireError(link, error),
      socketError: (link, error) => this.#socketError(link, error),
    };
    this.#linkOptions = {
      connector: options.connector ?? tcpConnector,
      target: { host: this.peer.host, port, family: this.peer.family, localAddress: local },
      closeTimeoutMs: options.closeTimeoutMs ?? 5000,
      role: 'primary',
    };
    this.#primary = new Link(initialState(this.config), this.#host, this.#linkOptions);
  }

  // ---------------------------------------------------------------- public surface

  get state(): StateName {
    return this.#primary.fsm.name;
  }

  get reason(): StateReason {
    return this.#primary.fsm.reason;
  }

  /** what was negotiated, from the peer's OPEN until the session goes down */
  get negotiated(): Negotiated | undefined {
    return this.#primary.fsm.negotiated;
  }

  get codecContext(): CodecContext {
    return this.#primary.codec;
  }

  /** bytes queued towards the peer */
  get buffered(): number {
    return this.#primary.buffered;
  }

  stats(): SessionStats {
    const s = this.#primary.fsm;
    return this.#stats.snapshot(s.name, s.reason, s.connectRetryCounter, this.#clock.now());
  }

  /** Start (or keep) trying to establish the session. */
  start(): void {
    this.#primary.dispatch({ type: 'manual-start' });
  }

  /**
   * Stop: Cease (Administrative Shutdown unless another subcode is given, with an optional RFC 9003
   * message) to an open session, close, stay down until start(). Resolves once the connection is
   * closed.
   */
  async stop(options: { readonly ceaseSubcode?: number; readonly message?: string } = {}): Promise<void> {
    const event = { type: 'manual-stop' as const, ...options };
    this.#extra?.dispatch(event);
    this.#primary.dispatch(event);
    await this.#primary.closed();
    await Promise.all([...this.#retired]);
  }

  /** Whether a connection from `remoteAddress` (as a socket reports it) is from this peer. */
  matches(remoteAddress: string | undefined): boolean {
    const remote = parseRemoteAddress(remoteAddress);
    return remote !== undefined && samePeer(this.peer, remote);
  }

  /** Hand over a connection the peer opened (the listener does this). */
  accept(conn: Connection): void {
    const p = this.#primary;
    const fields = { peer: this.name, remote: conn.remoteAddress, state: p.fsm.name };
    switch (p.fsm.name) {
      case 'idle':
      case 'active':
        // Active takes it; Idle refuses it (the FSM closes it)
        p.attachInbound(conn);
        return;
      case 'connect':
      case 'open-sent':
      case 'open-confirm':
        // Our own connection is on its way: keep both until an OPEN decides (the peer may already
        // have accepted ours, so dropping it here could leave neither).
        if (p.direction === 'outbound' && this.#extra === undefined) {
          this.#logger.info('peer connected while our connection is opening: resolving the collision', fields);
          const extra = new Link(acceptedConnectionState(p.fsm), this.#host, { ...this.#linkOptions, role: 'collision' });
          this.#extra = extra;
          extra.attachInbound(conn);
          return;
        }
        break;
      case 'established':
        break;
    }
    // RFC 4271 §6.8: a collision with an Established session closes the new connection
    this.#logger.info('refusing a second connection from the peer', fields);
    conn.on('error', () => {});
    conn.destroy();
  }

  /**
   * Send UPDATEs (encoded with the negotiated context; a coded BgpWireError is thrown before
   * anything is written if one cannot be encoded). Returns false when the connection's queue is
   * full (like a stream's write()): wait for waitForDrain() before sending more. Past
   * maxBufferedBytes it throws instead of queueing without bound.
   */
  send(updates: UpdateMessage | readonly UpdateMessage[]): boolean {
    const list: readonly UpdateMessage[] = isUpdateList(updates) ? updates : [updates];
    const link = this.#primary;
    if (link.fsm.name !== 'established') {
      throw new BgpSessionError('ERR_BGP_SESSION_NOT_ESTABLISHED', `session with ${this.name} is ${link.fsm.name}, not established`);
    }
    if (link.buffered >= this.#maxBuffered) {
      throw new BgpSessionError('ERR_BGP_SESSION_BUFFER_FULL', `${link.buffered} bytes already queued to ${this.name}; wait for waitForDrain()`);
    }
    if (list.length === 0) return !link.needDrain;
    return link.sendUpdates(list);
  }

  /** Resolves when the connection has drained after send() returned false (at once if it did not, or if the connection is gone). */
  waitForDrain(): Promise<void> {
    return this.#primary.waitForDrain();
  }

  /** Ask the peer to resend its routes for a family (RFC 2918). */
  sendRouteRefresh(afi: number, safi: number): void {
    const n = this.#primary.fsm.negotiated;
    if (this.state !== 'established' || n === undefined) {
      throw new BgpSessionError('ERR_BGP_SESSION_NOT_ESTABLISHED', `session with ${this.name} is ${this.state}, not established`);
    }
    if (!n.routeRefresh || !n.families.includes(familyKey(afi, safi))) {
      throw new BgpSessionError('ERR_BGP_ROUTE_REFRESH_NOT_NEGOTIATED', `route refresh for ${afi}/${safi} was not negotiated with ${this.name}`);
    }
    this.#primary.sendRouteRefresh({ type: 'route-refresh', afi, safi, subtype: 0 });
  }

  // ---------------------------------------------------------------- link host

  /**
   * A listener that throws must not leave the FSM half way through its actions (or crash the
   * process from a socket callback): the exception is logged and the session carries on.
   */
  #emit<K extends keyof BgpSessionEvents>(event: K, ...args: BgpSessionEvents[K]): void {
    try {
      (this.emit as (e: K, ...a: BgpSessionEvents[K]) => boolean)(event, ...args);
    } catch (e) {
      this.#logger.error(`a '${String(event)}' listener threw: ${e instanceof Error ? e.message : String(e)}`, { peer: this.name, error: e });
    }
  }

  #fields(link: Link, extra: LogFields = {}): LogFields {
    return { peer: this.name, connection: link.role, direction: link.direction, state: link.fsm.name, ...extra };
  }

  /**
   * RFC 4271 §6.8: on an OPEN, look at the other connection if it is in OpenConfirm. Not in
   * OpenSent (which the RFC allows): such a connection has not shown that the peer is on it; it
   * may be one the peer already refused, and keeping it would drop the live one (found by
   * session.property.test.ts). Once both connections have had an OPEN, both sides decide alike.
   */
  #openReceived(link: Link, open: OpenMessage): boolean {
    const other = link === this.#primary ? this.#extra : this.#primary;
    if (other === undefined || other.fsm.name !== 'open-confirm') return true;
    // an OPEN that fails validation is refused by its own FSM; it decides no collision
    if (!validateOpen(open, this.config).ok) return true;
    const keep = resolveCollision({ localId: this.config.routerId, remoteId: open.bgpId, localAs: this.config.localAs, remoteAs: peerAsOf(open) });
    const loser = link.direction === keep ? other : link;
    this.#logger.info('connection collision resolved', this.#fields(link, { keep, localId: this.config.routerId, remoteId: open.bgpId }));
    if (loser === this.#primary) this.#promoteExtra('collision', 'collision: the connection the peer opened is kept');
    loser.dispatch({ type: 'open-collision-dump' });
    return loser !== link;
  }

  /**
   * The peer's connection becomes the session's connection. The old one is left as the extra link
   * to be dumped (it has a BGP conversation to end), or dropped at once when it has none.
   */
  #promoteExtra(reason: StateReason, detail: string): void {
    const old = this.#primary;
    const extra = this.#extra;
    if (extra === undefined) return;
    extra.fsm = adoptAccepted(old.fsm, extra.fsm);
    extra.role = 'primary';
    old.role = 'collision';
    this.#primary = extra;
    this.#extra = old;
    if (old.fsm.name !== extra.fsm.name) this.#stateChanged({ from: old.fsm.name, to: extra.fsm.name, reason, detail });
    else this.#logger.info(detail, { peer: this.name, state: extra.fsm.name, reason });
    if (old.fsm.name === 'idle' || old.fsm.name === 'active' || old.fsm.name === 'connect') this.#dropExtra();
  }

  #dropExtra(): void {
    const x = this.#extra;
    if (x === undefined) return;
    this.#extra = undefined;
    x.dispose();
    const closing = x.closed();
    this.#retired.add(closing);
    void closing.then(() => this.#retired.delete(closing));
  }

  /** After any link's events: keep at most one live connection once the situation is clear. */
  #settled(): void {
    const p = this.#primary;
    const x = this.#extra;
    if (x === undefined) return;
    if (x.fsm.name === 'idle' || x.fsm.name === 'active') {
      this.#dropExtra(); // the peer's connection failed or was dumped
      return;
    }
    switch (p.fsm.name) {
      case 'open-sent':
      case 'open-confirm':
        return; // the first OPEN decides (openReceived)
      case 'established':
        // RFC 4271 §6.8: an Established session wins over a new connection
        x.dispatch({ type: 'open-collision-dump' });
        return;
      case 'connect':
        // our connect is still pending: wait, unless the peer's connection got further already
        if (x.fsm.name === 'open-sent') return;
        this.#promoteExtra(x.fsm.reason, 'the connection the peer opened got further than ours');
        return;
      case 'idle':
      case 'active':
        if (!p.fsm.started) {
          x.dispatch({ type: 'manual-stop' });
          return;
        }
        // our connection failed while the peer's is still opening: carry on with the peer's
        this.#promoteExtra(x.fsm.reason, 'our connection failed; the one the peer opened is kept');
        return;
    }
  }

  #stateChanged(change: StateChange): void {
    this.#stats.stateSince = this.#clock.now();
    if (change.to === 'idle' && !NOT_AN_ERROR.includes(change.reason)) {
      this.#stats.lastError = {
        code: `ERR_BGP_${change.reason.toUpperCase().replace(/-/g, '_')}`,
        message: change.detail ?? change.reason,
        at: this.#clock.now(),
      };
    }
    this.#logger.info(`${change.from} -> ${change.to}`, { peer: this.name, reason: change.reason, ...(change.detail === undefined ? {} : { detail: change.detail }) });
    this.#emit('state', change);
  }

  #report(link: Link, a: FsmAction): void {
    if (link !== this.#primary) {
      if (a.type === 'state-change') this.#logger.info(`${a.from} -> ${a.to}`, this.#fields(link, { reason: a.reason, detail: a.detail }));
      if (a.type === 'warning') this.#logger.warn(a.message, this.#fields(link, { code: a.code }));
      return;
    }
    switch (a.type) {
      case 'state-change': {
        const { type: _type, ...change } = a;
        this.#stateChanged(change);
        return;
      }
      case 'established':
        this.#stats.establishedAt = this.#clock.now();
        this.#logger.info('established', {
          peer: this.name,
          peerAs: a.negotiated.peerAs,
          peerId: a.negotiated.peerId,
          holdTime: a.negotiated.holdTime,
          families: a.negotiated.families,
        });
        this.#emit('established', a.negotiated);
        return;
      case 'down':
        this.#stats.flaps++;
        this.#stats.establishedAt = undefined;
        this.#stats.lastDown = { ...a.info, at: this.#clock.now() };
        this.#emit('down', a.info);
        return;
      case 'deliver-update': {
        const eor = isEndOfRib(a.update);
        if (eor !== undefined) this.#emit('end-of-rib', eor);
        else this.#emit('update', a.update);
        return;
      }
      case 'deliver-route-refresh':
        this.#emit('route-refresh', a.message);
        return;
      case 'warning':
        this.#logger.warn(a.message, { peer: this.name, code: a.code });
        return;
      case 'negotiated':
        return;
      default:
        // connection and timer actions are the link's own
        return;
    }
  }

  #wireError(link: Link, error: BgpWireError): void {
    this.#stats.lastError = { code: error.code, message: error.message, at: this.#clock.now() };
    this.#logger.warn(`message from peer rejected: ${error.message}`, this.#fields(link, {
      code: error.code,
      action: error.action,
      notification: describeNotification({ type: 'notification', code: error.notifCode, subcode: error.notifSubcode, data: error.data }),
    }));
    this.#emit('wire-error', error);
  }

  #socketError(link: Link, error: Error & { code?: string }): void {
    this.#stats.lastError = { code: error.code ?? 'ERR_BGP_SOCKET', message: error.message, at: this.#clock.now() };
    this.#logger.info(`connection error: ${error.message}`, this.#fields(link, { code: error.code }));
  }
}

function isUpdateList(u: UpdateMessage | readonly UpdateMessage[]): u is readonly UpdateMessage[] {
  return Array.isArray(u);
}
