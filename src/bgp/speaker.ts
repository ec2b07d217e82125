// The BGP speaker facade: configured peers (BgpSession each), one listener, one Rib, and the glue
// between them (see the header of rib/rib.ts). What the agent uses:
//
//   const speaker = new Speaker({ asn: 4200000010, routerId: '10.255.0.10', multipath: { relax: true } });
//   speaker.on('route', (prefix, route) => fib.set(prefix, route?.ecmp));   // learned routes only
//   speaker.addPeer({ id: 'uplink0', address: '10.0.0.0', asn: 65100, import: {...}, export: {...} });
//   await speaker.start();
//   speaker.setAnnouncements([{ prefix }, ...]);        // the complete set; the speaker diffs
//   await speaker.whenAnnounced([prefix], 5000);        // written to every established peer
//   speaker.peers(); speaker.routes();                  // inspection (CLI, tests)
//   await speaker.stop();
//
// Batching: received UPDATEs go into the RIB as they are decoded; the RIB's changes are turned
// into UPDATEs for the peers once per turn of the event loop (setImmediate), so a table of a
// million prefixes arriving in 64 KiB socket chunks costs one flush per chunk, not one per UPDATE.
// Sending respects back-pressure (speaker-send-queue.ts).
//
// "Announced": every batch of UPDATEs (a flush, a peer's initial table) gets an epoch; a peer's
// batch counts as written once the connection has handed all of it to the kernel (its write
// queue is empty: BgpSession has no per-write callback). isAnnounced(prefix) holds when the epoch
// in which the prefix's current announcement was flushed (or the peer's initial table, for a
// peer that came up later) has been written to every established peer that takes the prefix.
// 'sent' fires each time every established peer has been written a newer epoch.
//
// Next-hop self: from the local address of the session's connection and the other addresses of
// its interface (speaker-next-hops.ts), so an IPv4 session carries IPv6 routes with the
// interface's global and link-local IPv6 addresses, as FRR does.
//
// Max-prefix: one route over a peer's limit sends Cease/Maximum Number of Prefixes Reached and
// the session stays down until the peer is removed and added again.
//
// FIB feed ('route'): the Rib's best-path / ECMP changes, minus this speaker's own routes: a
// prefix whose best path is local is "no route" for the FIB (the kernel must never get our own
// /32s from BGP, and our own announcement hides a learned path for the same prefix).
import { EventEmitter } from 'node:events';
import os from 'node:os';
import { IPV4_UNICAST, IPV6_UNICAST } from './fsm/family.js';
import type { Negotiated, StateChange, StateName, StateReason } from './fsm/types.js';
import { BgpListener } from './session/listener.js';
import type { Clock } from './session/clock.js';
import { systemClock } from './session/clock.js';
import type { Connection, Connector } from './session/connection.js';
import { tcpConnector } from './session/connection.js';
import type { Logger } from './session/logger.js';
import { noopLogger } from './session/logger.js';
import { BgpSession } from './session/session.js';
import { Rib } from './rib/rib.js';
import type { LocalRoute, LocalRoutesResult, RouteView } from './rib/rib.js';
import type { BestRoute } from './rib/loc-rib.js';
import type { ExportPolicyConfig, ImportPolicyConfig, RejectReason } from './rib/policy.js';
import { REJECT_REASONS } from './rib/policy.js';
import { PrefixMap } from './rib/prefix-map.js';
import { formatPrefix } from './rib/prefix.js';
import { CEASE_MAX_PREFIX, CEASE_PEER_DECONFIGURED } from './wire/errors.js';
import type { BgpWireError } from './wire/errors.js';
import type { FamilyKey, Prefix, UpdateMessage } from './wire/types.js';
import { SpeakerError } from './speaker-errors.js';
import { sessionAddresses } from './speaker-next-hops.js';
import type { InterfaceTable } from './speaker-next-hops.js';
import { SendQueue } from './speaker-send-queue.js';

export { SpeakerError } from './speaker-errors.js';
export type { SpeakerErrorCode } from './speaker-errors.js';
export type { LocalRoute, LocalRoutesResult, RouteView, PathView } from './rib/rib.js';
export type { BestRoute } from './rib/loc-rib.js';
export type { NextHop } from './rib/path.js';
export type { ImportPolicyConfig, ExportPolicyConfig } from './rib/policy.js';
export type { StateChange, StateName, StateReason } from './fsm/types.js';

export type SpeakerFamily = 'ipv4' | 'ipv6';

export interface SpeakerOptions {
  readonly asn: number;
  readonly routerId: string;
  /** where to accept connections; default port 179 on 0.0.0.0 and :: (false: never accept) */
  readonly listen?: { readonly port?: number; readonly addresses?: readonly string[] } | false;
  /** ECMP: largest set (default 16), and whether paths from different neighbour ASes may share it */
  readonly multipath?: { readonly maxPaths?: number; readonly relax?: boolean };
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** sent in the FQDN capability */
  readonly hostname?: string;
  /** opens outbound connections (default plain TCP; tests use a MemoryNetwork's, the addon MD5/GTSM sockets) */
  readonly connector?: Connector;
  /** the host's interface addresses, for next-hop self (default os.networkInterfaces) */
  readonly interfaces?: () => InterfaceTable;
}

export interface SpeakerPeerConfig {
  /** e.g. the uplink name; unique */
  readonly id: string;
  /** "10.0.0.1", "2001:db8::1", "fe80::1%eth0" */
  readonly address: string;
  readonly asn: number;
  readonly localAddress?: string;
  readonly port?: number;
  readonly passive?: boolean;
  /** seconds */
  readonly holdTime?: number;
  readonly keepaliveTime?: number;
  readonly connectRetryTime?: number;
  /** default both */
  readonly families?: readonly SpeakerFamily[];
  readonly import?: ImportPolicyConfig;
  readonly export?: ExportPolicyConfig;
  /** the interface the session runs over: its addresses are our next hops (default: found from the local address) */
  readonly interface?: string;
  /** next hops to send instead of our addresses on the session (e.g. IPv6 routes over an IPv4 session on a link without global IPv6) */
  readonly nextHopV4?: string;
  readonly nextHopV6?: string;
  /** RFC 8950 IPv4 routes with IPv6 next hops; default on for link-local (unnumbered) peers */
  readonly extendedNextHop?: boolean;
}

/** A peer as the CLI shows it: plain JSON values. */
export interface PeerView {
  readonly id: string;
  readonly address: string;
  readonly asn: number;
  readonly interface?: string;
  readonly state: StateName;
  /** why the session is in this state (the reason of its last transition) */
  readonly reason: StateReason;
  /** seconds since Established; null when not established */
  readonly uptimeS: number | null;
  /** families negotiated (while established) or configured */
  readonly families: readonly FamilyKey[];
  /** routes the peer currently announces: accepted + rejected */
  readonly received: number;
  readonly accepted: number;
  readonly acceptedIpv4: number;
  readonly acceptedIpv6: number;
  /** routes currently rejected, and why */
  readonly rejected: number;
  readonly rejectedBy: Readonly<Record<RejectReason, number>>;
  /** routes currently advertised to the peer */
  readonly sent: number;
  readonly sentIpv4: number;
  readonly sentIpv6: number;
  readonly updatesIn: number;
  readonly updatesOut: number;
  /** times the session left Established */
  readonly flaps: number;
  /** malformed UPDATEs handled by treat-as-withdraw (RFC 7606) since the peer was added */
  readonly treatAsWithdraw: number;
  /** the last problem: a NOTIFICATION, a socket or codec error, max-prefix; `at` is Clock.now() */
  readonly lastError: { readonly code: string; readonly message: string; readonly at: number } | null;
}

export interface SpeakerEvents {
  /** the FIB feed: the best path and ECMP next hops of a learned prefix changed; undefined: no learned route */
  route: [prefix: Prefix, route: BestRoute | undefined];
  'peer-state': [peer: string, change: StateChange];
  /** after a flush's UPDATEs were written (handed to the kernel) to every established peer */
  sent: [];
  /** the codec rejected or trimmed a message from the peer (also logged with its code) */
  'wire-error': [peer: string, error: BgpWireError];
}

interface PeerEntry {
  readonly config: SpeakerPeerConfig;
  readonly session: BgpSession;
  readonly queue: SendQueue;
  /** connections of this session still open: where next-hop self comes from */
  readonly connections: Set<Connection>;
  readonly listenerHandle: { readonly name: string; matches(a: string | undefined): boolean; accept(c: Connection): void };
  /** the Rib has the session as up (peerUp done, no peerDown since) */
  up: boolean;
  /** epoch of the initial table sent when the session came up */
  upEpoch: number;
  treatAsWithdraw: number;
  ownError: { code: string; message: string; at: number } | undefined;
}

interface Waiter {
  readonly prefixes: readonly Prefix[];
  readonly resolve: () => void;
  readonly reject: (e: Error) => void;
  readonly cancel: () => void;
}

const FAMILY_KEYS: Readonly<Record<SpeakerFamily, FamilyKey>> = { ipv4: IPV4_UNICAST, ipv6: IPV6_UNICAST };

export class Speaker extends EventEmitter<SpeakerEvents> {
  readonly #opts: SpeakerOptions;
  readonly #rib: Rib;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #connector: Connector;
  readonly #interfaces: () => InterfaceTable;
  readonly #peers = new Map<string, PeerEntry>();
  #listener: BgpListener | undefined;
  #state: 'new' | 'started' | 'stopped' = 'new';
  #starting: Promise<void> | undefined;
  /** grows with every batch of UPDATEs handed to peers */
  #epoch = 0;
  /** the latest epoch written to every established peer, as last reported by 'sent' */
  #sentEpoch = 0;
  #flushScheduled = false;
  /** our own announcements: attribute key, and the epoch their current form was flushed in (Infinity: not yet) */
  readonly #local = new PrefixMap<{ key: string; epoch: number }>();
  readonly #unflushed: Prefix[] = [];
  /** set while the Rib applies setAnnouncements: the prefixes that were local before */
  #localBefore: PrefixMap<{ key: string; epoch: number }> | undefined;
  readonly #waiters = new Set<Waiter>();

  constructor(opts: SpeakerOptions) {
    super();
    this.#opts = opts;
    this.#logger = opts.logger ?? noopLogger;
    this.#clock = opts.clock ?? systemClock;
    this.#connector = opts.connector ?? tcpConnector;
    this.#interfaces = opts.interfaces ?? (() => os.networkInterfaces() as InterfaceTable);
    const mp = opts.multipath ?? {};
    this.#rib = new Rib({
      asn: opts.asn,
      routerId: opts.routerId,
      ...(mp.maxPaths !== undefined && { maxPaths: mp.maxPaths }),
      ...(mp.relax !== undefined && { multipathRelax: mp.relax }),
    });
    this.#rib.onChange((prefix, route) => this.#ribChanged(prefix, route));
  }

  /** The RIB behind the facade (read-only use: inspection in tests and tools). */
  get rib(): Rib {
    return this.#rib;
  }

  /** The listener's port (useful with port 0); undefined when not listening. */
  get port(): number | undefined {
    return this.#listener?.port;
  }

  // ------------------------------------------------------------------ lifecycle

  /** Listener up (unless listen: false), then every configured peer started. */
  start(): Promise<void> {
    if (this.#state === 'stopped') return Promise.reject(new SpeakerError('ERR_SPEAKER_STOPPED', 'the speaker was stopped; make a new one'));
    if (this.#state === 'started') return Promise.resolve();
    this.#starting ??= this.#start().finally(() => {
      this.#starting = undefined;
    });
    return this.#starting;
  }

  async #start(): Promise<void> {
    const listen = this.#opts.listen ?? {};
    if (listen !== false) {
      const listener = new BgpListener({ port: listen.port ?? 179, addresses: listen.addresses ?? ['0.0.0.0', '::'], logger: this.#logger });
      for (const p of this.#peers.values()) listener.add(p.listenerHandle);
      try {
        await listener.listen();
      } catch (e) {
        await listener.close();
        throw e;
      }
      this.#listener = listener;
    }
    if (this.#state !== 'new') {
      await this.#listener?.close(); // stopped while the listener was coming up
      return;
    }
    this.#state = 'started';
    for (const p of this.#peers.values()) p.session.start();
  }

  /** Cease (administrative shutdown) to every peer, listener closed; waits until connections are closed. */
  async stop(): Promise<void> {
    if (this.#state === 'stopped') return;
    this.#state = 'stopped';
    for (const w of [...this.#waiters]) this.#settleWaiter(w, new SpeakerError('ERR_SPEAKER_STOPPED', 'the speaker was stopped'));
    // no new connections from now; the listener's close completes once the accepted ones are closed
    const listenerClosed = this.#listener?.close();
    await Promise.all([...this.#peers.values()].map((p) => p.session.stop()));
    await listenerClosed;
  }

  /** A connection accepted elsewhere (a listener of the caller's, an in-memory network in tests). */
  acceptConnection(conn: Connection): void {
    for (const p of this.#peers.values()) {
      if (p.listenerHandle.matches(conn.remoteAddress)) {
        p.listenerHandle.accept(conn);
        return;
      }
    }
    this.#logger.info('connection from an unknown peer refused', { remote: conn.remoteAddress });
    conn.on('error', () => {});
    conn.destroy();
  }

  // ------------------------------------------------------------------ peers

  /** Adds a peer (started at once when the speaker runs). Coded errors for a bad or duplicate config; nothing changes then. */
  addPeer(cfg: SpeakerPeerConfig): void {
    if (this.#state === 'stopped') throw new SpeakerError('ERR_SPEAKER_STOPPED', 'the speaker was stopped');
    if (typeof cfg.id !== 'string' || cfg.id === '') throw new SpeakerError('ERR_SPEAKER_BAD_CONFIG', 'a peer needs a non-empty id');
    if (this.#peers.has(cfg.id)) throw new SpeakerError('ERR_SPEAKER_DUPLICATE_PEER', `peer ${cfg.id} exists already`);
    const families = (cfg.families ?? ['ipv4', 'ipv6']).map((f) => {
      const key = FAMILY_KEYS[f];
      if (key === undefined) throw new SpeakerError('ERR_SPEAKER_BAD_CONFIG', `peer ${cfg.id}: unknown family ${JSON.stringify(f)} (ipv4, ipv6)`);
      return key;
    });
    const linkLocal = /^fe[89ab][0-9a-f]:/i.test(cfg.address);
    const connections = new Set<Connection>();
    const track = (c: Connection): Connection => {
      connections.add(c);
      c.on('close', () => connections.delete(c));
      return c;
    };
    const session = new BgpSession({
      localAs: this.#opts.asn,
      routerId: this.#opts.routerId,
      peerAs: cfg.asn,
      peerAddress: cfg.address,
      name: cfg.id,
      clock: this.#clock,
      logger: this.#logger,
      connector: (t) => track(this.#connector(t)),
      families,
      extendedNextHop: cfg.extendedNextHop ?? (linkLocal && families.includes(IPV4_UNICAST)),
      ...(cfg.port !== undefined && { port: cfg.port }),
      ...(cfg.localAddress !== undefined && { localAddress: cfg.localAddress }),
      ...(cfg.passive !== undefined && { passive: cfg.passive }),
      ...(cfg.holdTime !== undefined && { holdTime: cfg.holdTime }),
      ...(cfg.keepaliveTime !== undefined && { keepaliveTime: cfg.keepaliveTime }),
      ...(cfg.connectRetryTime !== undefined && { connectRetryTime: cfg.connectRetryTime }),
      ...(this.#opts.hostname !== undefined && { hostname: this.#opts.hostname }),
    });
    this.#rib.addPeer({
      id: cfg.id,
      asn: cfg.asn,
      address: cfg.address,
      ...(cfg.interface !== undefined && { ifname: cfg.interface }),
      ...(cfg.import !== undefined && { import: cfg.import }),
      ...(cfg.export !== undefined && { export: cfg.export }),
    });
    const entry: PeerEntry = {
      config: cfg,
      session,
      queue: new SendQueue(session, () => this.#written(), (e) => this.#sendFailed(cfg.id, e)),
      connections,
      listenerHandle: {
        name: cfg.id,
        matches: (a) => session.matches(a),
        accept: (c) => session.accept(track(c)),
      },
      up: false,
      upEpoch: 0,
      treatAsWithdraw: 0,
      ownError: undefined,
    };
    this.#peers.set(cfg.id, entry);
    this.#wire(entry);
    this.#listener?.add(entry.listenerHandle);
    this.#logger.info('peer added', { peer: cfg.id, address: cfg.address, asn: cfg.asn });
    if (this.#state === 'started') session.start();
  }

  /** Removes a peer: its routes leave the RIB (and the FIB) at once, then Cease (peer de-configured) and close. */
  async removePeer(id: string): Promise<void> {
    const p = this.#peers.get(id);
    if (p === undefined) throw new SpeakerError('ERR_SPEAKER_UNKNOWN_PEER', `no peer ${JSON.stringify(id)}`);
    this.#peers.delete(id);
    this.#listener?.remove(p.listenerHandle);
    p.queue.reset(this.#epoch);
    this.#rib.removePeer(id);
    this.#scheduleFlush();
    this.#recheckWaiters();
    this.#logger.info('peer removed', { peer: id });
    await p.session.stop({ ceaseSubcode: CEASE_PEER_DECONFIGURED });
    p.session.removeAllListeners();
  }

  /**
   * Drops the peer's session now and starts it again: its routes leave the RIB (and the FIB) at
   * once instead of after the hold timer. For a link that lost carrier (fast external failover).
   * `why` is kept as the peer's last error (shown by `lagless show peers`). Unknown peer:
   * ERR_SPEAKER_UNKNOWN_PEER.
   */
  resetPeer(id: string, why: { readonly code: string; readonly message: string }): void {
    const p = this.#peers.get(id);
    if (p === undefined) throw new SpeakerError('ERR_SPEAKER_UNKNOWN_PEER', `no peer ${JSON.stringify(id)}`);
    p.ownError = { code: why.code, message: why.message, at: this.#clock.now() };
    this.#logger.warn(`resetting the session: ${why.message}`, { peer: id, code: why.code, state: p.session.stats().state });
    void p.session.stop().then(() => {
      if (this.#peers.get(id) === p && this.#state === 'started') p.session.start();
    });
  }

  // ------------------------------------------------------------------ announcements

  /**
   * The complete set of routes this speaker originates; the speaker diffs against the previous set
   * and sends the changes soon (once per turn of the event loop). Invalid routes are reported and
   * left out; the others apply.
   */
  setAnnouncements(routes: readonly LocalRoute[]): LocalRoutesResult {
    const before = new PrefixMap<{ key: string; epoch: number }>();
    this.#local.forEach((v, p) => before.set(p, v));
    this.#localBefore = before;
    let result: LocalRoutesResult;
    try {
      result = this.#rib.setLocalRoutes(routes);
    } finally {
      this.#localBefore = undefined;
    }
    const bad = new Set(result.invalid.map((i) => i.index));
    const next = new PrefixMap<string>();
    routes.forEach((r, i) => {
      if (!bad.has(i)) next.set(r.prefix, localKey(r));
    });
    before.forEach((_, p) => {
      if (!next.has(p)) this.#local.delete(p);
    });
    next.forEach((key, p) => {
      if (before.get(p)?.key === key) return;
      this.#local.set(p, { key, epoch: Infinity });
      this.#unflushed.push(p);
    });
    if (result.added + result.changed + result.removed > 0 || this.#unflushed.length > 0) this.#scheduleFlush();
    return result;
  }

  /**
   * Whether the prefix's current announcement has been written to every established peer it goes
   * to. Peers that do not take it (export filter, family not negotiated) do not count; with no
   * established peer taking it, false.
   */
  isAnnounced(prefix: Prefix): boolean {
    const local = this.#local.get(prefix);
    if (local === undefined || local.epoch === Infinity) return false;
    let counted = 0;
    for (const p of this.#peers.values()) {
      if (!p.up) continue;
      const state = this.#rib.explainExport(p.config.id, prefix);
      if (state === 'export-filter' || state === 'family-not-negotiated') continue;
      if (state !== 'advertised') return false;
      if (p.queue.writtenEpoch < Math.max(local.epoch, p.upEpoch)) return false;
      counted++;
    }
    return counted > 0;
  }

  /** Resolves once isAnnounced holds for every prefix; rejects with ERR_SPEAKER_ANNOUNCE_TIMEOUT after timeoutMs. */
  whenAnnounced(prefixes: readonly Prefix[], timeoutMs: number): Promise<void> {
    if (this.#state === 'stopped') return Promise.reject(new SpeakerError('ERR_SPEAKER_STOPPED', 'the speaker was stopped'));
    if (prefixes.every((p) => this.isAnnounced(p))) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        prefixes,
        resolve,
        reject,
        cancel: this.#clock.setTimer(timeoutMs, () => {
          const missing = prefixes.filter((p) => !this.isAnnounced(p)).map(formatPrefix);
          this.#settleWaiter(waiter, new SpeakerError('ERR_SPEAKER_ANNOUNCE_TIMEOUT', `not announced to every established peer after ${timeoutMs} ms: ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ` and ${missing.length - 10} more` : ''}`));
        }),
      };
      this.#waiters.add(waiter);
    });
  }

  // ------------------------------------------------------------------ inspection

  peers(): PeerView[] {
    return [...this.#peers.values()].map((p) => this.#peerView(p));
  }

  peer(id: string): PeerView {
    const p = this.#peers.get(id);
    if (p === undefined) throw new SpeakerError('ERR_SPEAKER_UNKNOWN_PEER', `no peer ${JSON.stringify(id)}`);
    return this.#peerView(p);
  }

  /** Every prefix in the RIB (local and learned) with its paths, the best and why, the ECMP set. */
  routes(family?: SpeakerFamily): RouteView[] {
    return this.#rib.routes(family === undefined ? undefined : FAMILY_KEYS[family]);
  }

  route(prefix: Prefix | string): RouteView | undefined {
    return this.#rib.route(prefix);
  }

  // ------------------------------------------------------------------ session events

  #wire(p: PeerEntry): void {
    const id = p.config.id;
    const s = p.session;
    const mine = (): boolean => this.#peers.get(id) === p;
    s.on('state', (change) => {
      if (!mine()) return;
      this.emit('peer-state', id, change);
      this.#recheckWaiters();
    });
    s.on('established', (n) => {
      if (mine()) this.#established(p, n);
    });
    s.on('update', (u) => {
      if (mine() && p.up) this.#received(p, u);
    });
    s.on('end-of-rib', (f) => {
      if (mine() && p.up) this.#rib.endOfRib(id, f.afi, f.safi);
    });
    s.on('route-refresh', (m) => {
      if (!mine() || !p.up) return;
      this.#sendTo(p, this.#rib.routeRefresh(id, m.afi, m.safi));
      this.#written();
    });
    s.on('down', () => {
      if (!mine()) return;
      p.up = false;
      p.queue.reset(this.#epoch);
      this.#rib.peerDown(id);
      this.#scheduleFlush();
      this.#recheckWaiters();
    });
    s.on('wire-error', (e) => {
      if (!mine()) return;
      if (e.action === 'treat-as-withdraw') p.treatAsWithdraw++;
      this.emit('wire-error', id, e);
    });
  }

  #established(p: PeerEntry, n: Negotiated): void {
    const id = p.config.id;
    const conn = [...p.connections].at(-1);
    const addrs = sessionAddresses(
      { local: conn?.localAddress, ifname: p.config.interface, nextHopV4: p.config.nextHopV4, nextHopV6: p.config.nextHopV6 },
      this.#safeInterfaces(),
    );
    let initial: UpdateMessage[];
    try {
      initial = this.#rib.peerUp(id, {
        ctx: p.session.codecContext,
        families: n.families,
        routerId: n.peerId,
        ...(addrs.localAddress !== undefined && { localAddress: addrs.localAddress }),
        ...(addrs.localAddressV6 !== undefined && { localAddressV6: addrs.localAddressV6 }),
        ...(addrs.localLinkLocal !== undefined && { localLinkLocal: addrs.localLinkLocal }),
      });
    } catch (e) {
      this.#logger.error(`cannot bring the peer up in the RIB: ${e instanceof Error ? e.message : String(e)}`, { peer: id, code: (e as { code?: string }).code });
      void p.session.stop();
      return;
    }
    p.up = true;
    p.queue.reset(this.#epoch);
    p.upEpoch = this.#sendTo(p, initial);
    this.#written();
    this.#logger.info('peer up: initial table queued', { peer: id, updates: initial.length, ...addrs });
  }

  #received(p: PeerEntry, u: UpdateMessage): void {
    const id = p.config.id;
    const r = this.#rib.receive(id, u);
    this.#scheduleFlush();
    const over = r.maxPrefixExceeded;
    if (over === undefined) return;
    p.ownError = { code: 'ERR_BGP_MAX_PREFIX', message: `more than ${over.limit} prefixes of afi ${over.afi}; session shut down (Cease, maximum number of prefixes reached)`, at: this.#clock.now() };
    this.#logger.warn(p.ownError.message, { peer: id, code: p.ownError.code, limit: over.limit, afi: over.afi });
    void p.session.stop({ ceaseSubcode: CEASE_MAX_PREFIX });
  }

  // ------------------------------------------------------------------ flushing and sending

  #scheduleFlush(): void {
    if (this.#flushScheduled || this.#state === 'stopped') return;
    this.#flushScheduled = true;
    setImmediate(() => {
      this.#flushScheduled = false;
      this.#flush();
    });
  }

  /** UPDATEs for one peer as a batch of their own: a new epoch, which the other peers pass without writing anything. */
  #sendTo(p: PeerEntry, updates: readonly UpdateMessage[]): number {
    const epoch = ++this.#epoch;
    for (const o of this.#peers.values()) if (o.up) o.queue.push(o === p ? updates : [], epoch);
    return epoch;
  }

  #flush(): void {
    const out = this.#rib.flush();
    if (out.length > 0) this.#epoch++;
    const epoch = this.#epoch;
    for (const p of this.#unflushed.splice(0)) {
      const l = this.#local.get(p);
      if (l !== undefined && l.epoch === Infinity) l.epoch = epoch;
    }
    const byPeer = new Map(out.map((o) => [o.peer, o.updates]));
    for (const p of this.#peers.values()) if (p.up) p.queue.push(byPeer.get(p.config.id) ?? [], epoch);
    this.#written();
  }

  /** A batch reached a socket (or a flush had nothing for anyone): 'sent' when every established peer has caught up further. */
  #written(): void {
    let min = this.#epoch;
    for (const p of this.#peers.values()) if (p.up) min = Math.min(min, p.queue.writtenEpoch);
    if (min > this.#sentEpoch) {
      this.#sentEpoch = min;
      this.emit('sent');
    }
    this.#recheckWaiters();
  }

  #sendFailed(id: string, e: unknown): void {
    const p = this.#peers.get(id);
    const code = (e as { code?: string }).code ?? 'ERR_SPEAKER_SEND';
    this.#logger.error(`sending UPDATEs failed: ${e instanceof Error ? e.message : String(e)}; resetting the session`, { peer: id, code });
    if (p === undefined) return;
    p.ownError = { code, message: e instanceof Error ? e.message : String(e), at: this.#clock.now() };
    // what the RIB thinks was sent is no longer true: start over with a fresh session
    void p.session.stop().then(() => {
      if (this.#peers.get(id) === p && this.#state === 'started') p.session.start();
    });
  }

  // ------------------------------------------------------------------ FIB feed

  #ribChanged(prefix: Prefix, route: BestRoute | undefined): void {
    if (this.listenerCount('route') === 0) return;
    const before = this.#localBefore;
    if (before !== undefined) {
      // setAnnouncements is changing our own paths
      if (route === undefined) return; // our route went and nothing was left: the FIB had nothing
      if (route.best.source.kind !== 'local') {
        this.emit('route', prefix, route); // our route went, a learned one shows again
        return;
      }
      // our route is best now; if it was not before, a learned best it hides leaves the FIB
      if (!before.has(prefix) && (this.#rib.route(prefix)?.paths.length ?? 0) > 1) this.emit('route', prefix, undefined);
      return;
    }
    if (route !== undefined && route.best.source.kind === 'local') return;
    this.emit('route', prefix, route);
  }

  // ------------------------------------------------------------------ helpers

  #recheckWaiters(): void {
    for (const w of [...this.#waiters]) if (w.prefixes.every((p) => this.isAnnounced(p))) this.#settleWaiter(w);
  }

  #settleWaiter(w: Waiter, error?: Error): void {
    if (!this.#waiters.delete(w)) return;
    w.cancel();
    if (error === undefined) w.resolve();
    else w.reject(error);
  }

  #safeInterfaces(): InterfaceTable {
    try {
      return this.#interfaces();
    } catch (e) {
      this.#logger.warn(`cannot read the interface addresses: ${e instanceof Error ? e.message : String(e)}`);
      return {};
    }
  }

  #peerView(p: PeerEntry): PeerView {
    const st = p.session.stats();
    const rib = this.#rib.peerStats(p.config.id);
    const n = p.session.negotiated;
    const rejectedBy = rib.in.rejected;
    let rejected = 0;
    for (const r of REJECT_REASONS) rejected += rejectedBy[r];
    const sessionError = st.lastError;
    const own = p.ownError;
    const lastError = own !== undefined && (sessionError === undefined || own.at >= sessionError.at) ? own : sessionError;
    const ifname = p.config.interface ?? p.config.address.split('%')[1];
    return {
      id: p.config.id,
      address: p.config.address,
      asn: p.config.asn,
      ...(ifname !== undefined && { interface: ifname }),
      state: st.state,
      reason: st.reason,
      uptimeS: st.uptimeMs === undefined ? null : Math.floor(st.uptimeMs / 1000),
      families: st.state === 'established' && n !== undefined ? n.families : p.session.config.families,
      received: rib.in.received,
      accepted: rib.in.accepted,
      acceptedIpv4: rib.in.acceptedIpv4,
      acceptedIpv6: rib.in.acceptedIpv6,
      rejected,
      rejectedBy,
      sent: rib.out?.sent ?? 0,
      sentIpv4: rib.out?.sentIpv4 ?? 0,
      sentIpv6: rib.out?.sentIpv6 ?? 0,
      updatesIn: st.updatesIn,
      updatesOut: st.updatesOut,
      flaps: st.flaps,
      treatAsWithdraw: p.treatAsWithdraw,
      lastError: lastError === undefined ? null : { code: lastError.code, message: lastError.message, at: lastError.at },
    };
  }
}

/** What identifies a local route's announcement (its attributes); prefixes are the map keys. */
function localKey(r: LocalRoute): string {
  return JSON.stringify([r.origin, r.med, r.communities, r.largeCommunities, r.extCommunities]);
}
