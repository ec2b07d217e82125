// The agent's core loop: sources -> desired ports -> dataplane (wire taps) -> speaker (announce the
// wired ports' host routes) and speaker -> dataplane (learned ECMP routes into the kernel FIB).
//
// Rules it keeps:
// - a port's /32 and /128 are announced only once its tap is wired (no black hole towards a VM
//   that is not there), and withdrawn as soon as the port leaves the desired set;
// - no port object is removed from the kernel until the port source is in sync, and no learned
//   route until routing has converged too (every uplink sent End-of-RIB, or a timeout passed): a
//   restarted agent finds the kernel right and changes nothing;
// - a port is "reachable" when it is wired and all its host routes were written to every
//   Established uplink: the Neutron source reports it up only then.
import { EventEmitter } from 'node:events';
import { formatPrefix } from '../bgp/wire/index.js';
import type { Prefix } from '../bgp/wire/types.js';
import type { AgentConfig } from '../config/types.js';
import type { PortSpec } from '../dataplane/port.js';
import type { Logger } from '../lib/log.js';
import type { Source, SourceIssue } from '../sources/source.js';
import { computeAnnouncements, type Announcements } from './announcements.js';
import type { FibRoute, PortDataplane, RouteSpeaker } from './seams.js';
import type { ApplyResult } from '../dataplane/dataplane.js';

export interface AgentOptions {
  readonly config: Pick<AgentConfig, 'export' | 'loopback'>;
  readonly source: Source;
  readonly dataplane: PortDataplane;
  readonly speaker: RouteSpeaker;
  readonly logger: Logger;
  /**
   * How long after start routing may take to converge before stale learned routes may be
   * removed (restart safety), in ms; default 30 s.
   */
  readonly convergeTimeoutMs?: number;
  /**
   * The uplink peers: routing counts as converged `settleMs` after all of them are Established
   * (their initial tables arrive right after the OPEN exchange; peers without graceful restart
   * send no End-of-RIB). Default: no peers, so only the timeout applies.
   */
  readonly convergence?: { readonly peers: readonly string[]; readonly settleMs: number };
}

export interface AgentEvents {
  /** a port is wired and its host routes were sent to every Established uplink */
  'port-reachable': [id: string];
  /** a port that was reachable no longer is (removed, unwired or failed) */
  'port-unreachable': [id: string];
  /** the port source delivered a view; `issues` are the entries it skipped */
  ports: [ports: readonly PortSpec[], issues: readonly SourceIssue[]];
  /** one reconcile pass ended (for metrics) */
  applied: [result: ApplyResult];
}

export class Agent extends EventEmitter<AgentEvents> {
  readonly #source: Source;
  readonly #dp: PortDataplane;
  readonly #speaker: RouteSpeaker;
  readonly #log: Logger;
  readonly #pools: readonly string[];
  readonly #loopback: readonly string[];
  readonly #convergeTimeoutMs: number;
  readonly #convergence: { readonly peers: readonly string[]; readonly settleMs: number } | undefined;
  readonly #established = new Set<string>();
  #settleTimer: NodeJS.Timeout | undefined;
  #ports: readonly PortSpec[] = [];
  #issues: readonly SourceIssue[] = [];
  #sourceError: { readonly code: string; readonly message: string } | undefined;
  #announced: Announcements = { prefixes: [], byPort: new Map(), outsidePools: new Map() };
  #reachable = new Set<string>();
  #sourceInSync = false;
  #routingConverged = false;
  #convergeTimer: NodeJS.Timeout | undefined;
  #announceQueued = false;
  #started = false;
  /** set by stop(): from then on nothing reaches the kernel (sessions closing must not withdraw installed routes) */
  #stopping = false;
  #lastApply: { at: string; durationMs: number; errors: number } | undefined;
  readonly startedAt = Date.now();

  constructor(opts: AgentOptions) {
    super();
    this.#source = opts.source;
    this.#dp = opts.dataplane;
    this.#speaker = opts.speaker;
    this.#log = opts.logger;
    this.#pools = opts.config.export.pools;
    this.#loopback = opts.config.loopback;
    this.#convergeTimeoutMs = opts.convergeTimeoutMs ?? 30_000;
    this.#convergence = opts.convergence;
  }

  get ports(): readonly PortSpec[] {
    return this.#ports;
  }
  get issues(): readonly SourceIssue[] {
    return this.#issues;
  }
  /** the source's last problem delivering at all (the last good set stands); cleared by its next delivery */
  get sourceError(): { readonly code: string; readonly message: string } | undefined {
    return this.#sourceError;
  }
  get inSync(): boolean {
    return this.#dp.inSync;
  }
  get sourceInSync(): boolean {
    return this.#sourceInSync;
  }
  get announcements(): Announcements {
    return this.#announced;
  }
  /** the last reconcile pass: when, how long, how many steps failed */
  get lastReconcile(): { at: string; durationMs: number; errors: number } | undefined {
    return this.#lastApply;
  }
  isReachable(id: string): boolean {
    return this.#reachable.has(id);
  }

  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    this.#dp.on('port-wired', (s) => {
      this.#log.info('port wired', { port: s.id, tap: s.tap });
      this.#queueAnnounce();
    });
    this.#dp.on('port-unwired', (p) => {
      this.#log.info('port unwired', { port: p.id, tap: p.tap });
      this.#queueAnnounce();
    });
    this.#dp.on('port-failed', (s) => {
      this.#log.warn('port failed', { port: s.id, tap: s.tap, code: s.error?.code, error: s.error?.message });
      this.#queueAnnounce();
    });
    this.#speaker.on('route', (prefix, route) => this.#onRoute(prefix, route));
    this.#speaker.on('sent', () => this.#checkReachable());
    this.#speaker.on('peer-state', (peer, change) => this.#onPeerState(peer, change.to));
    await this.#dp.start();
    // the kernel as it is now: reading it before the source speaks means a restart starts from
    // what is wired, and announces it again as soon as the source confirms it
    this.#source.on('ports', (ports, issues) => this.#onPorts(ports, issues));
    this.#source.on('in-sync', () => {
      this.#sourceInSync = true;
      this.#log.info('port source in sync', { source: this.#source.kind, ports: this.#ports.length });
      this.#maybeInSync();
    });
    this.#source.on('error', (err) => {
      this.#sourceError = { code: err.code, message: err.message };
      this.#log.warn('port source error', { code: err.code, error: err.message });
    });
    await this.#speaker.start();
    this.#convergeTimer = setTimeout(() => this.routingConverged('timeout'), this.#convergeTimeoutMs);
    this.#convergeTimer.unref();
    await this.#source.start();
  }

  /** Routing has converged (every uplink's End-of-RIB, or the timeout): stale learned routes may go. */
  routingConverged(why: string): void {
    if (this.#routingConverged) return;
    this.#routingConverged = true;
    if (this.#convergeTimer) clearTimeout(this.#convergeTimer);
    if (this.#settleTimer) clearTimeout(this.#settleTimer);
    this.#log.info('routing converged', { why });
    this.#maybeInSync();
  }

  #onPeerState(peer: string, state: string): void {
    const c = this.#convergence;
    if (c === undefined || this.#routingConverged || !c.peers.includes(peer)) return;
    if (state === 'established') this.#established.add(peer);
    else this.#established.delete(peer);
    if (this.#settleTimer) clearTimeout(this.#settleTimer);
    this.#settleTimer = undefined;
    if (c.peers.every((p) => this.#established.has(p))) {
      this.#settleTimer = setTimeout(() => this.routingConverged('every uplink established'), c.settleMs);
      this.#settleTimer.unref();
    }
  }

  /** Stops the source, the speaker (Cease to the peers) and the dataplane's watchers; removes nothing from the kernel. */
  async stop(): Promise<void> {
    this.#stopping = true;
    if (this.#convergeTimer) clearTimeout(this.#convergeTimer);
    if (this.#settleTimer) clearTimeout(this.#settleTimer);
    await this.#source.stop().catch((e: unknown) => this.#log.warn('source stop failed', { error: String(e) }));
    await this.#speaker.stop().catch((e: unknown) => this.#log.warn('speaker stop failed', { error: String(e) }));
    await this.#dp.stop();
  }

  #maybeInSync(): void {
    if (this.#sourceInSync && !this.#dp.inSync) {
      this.#log.info('ports in sync: port objects nobody wants may be removed from now on');
      this.#dp.markInSync();
      void this.#flush();
    }
    if (this.#sourceInSync && this.#routingConverged && !this.#dp.routesInSync) {
      this.#log.info('routes in sync: learned routes nobody announces any more may be removed from now on');
      this.#dp.markRoutesInSync();
      void this.#flush();
    }
  }

  #onPorts(ports: readonly PortSpec[], issues: readonly SourceIssue[]): void {
    this.#ports = ports;
    this.#issues = issues;
    this.#sourceError = undefined;
    for (const i of issues) this.#log.warn('port entry skipped', { path: i.path, code: i.code, error: i.message });
    this.#dp.setPorts(ports);
    this.emit('ports', ports, issues);
    // withdraw removed ports at once; new ones are announced when wired
    this.#queueAnnounce();
    void this.#flush();
  }

  #onRoute(prefix: Prefix, route: FibRoute | undefined): void {
    if (this.#stopping) return;
    const nextHops = route?.ecmp.map((nh) => (nh.dev === undefined ? { via: nh.via } : { via: nh.via, dev: nh.dev }));
    this.#dp.setRoute(formatPrefix(prefix), nextHops);
    void this.#flush();
  }

  async #flush(): Promise<void> {
    if (this.#stopping) return;
    try {
      const r = await this.#dp.flush();
      if (r.ops > 0 || r.failed.length > 0) this.#lastApply = { at: new Date().toISOString(), durationMs: r.durationMs, errors: r.failed.length };
      this.emit('applied', r);
      for (const f of r.failed) this.#log.warn('reconcile step failed', { key: f.key, code: f.code, error: f.message });
    } catch (err) {
      this.#log.error('reconcile failed', { code: (err as { code?: string }).code, error: String(err) });
    }
  }

  #queueAnnounce(): void {
    if (this.#announceQueued) return;
    this.#announceQueued = true;
    queueMicrotask(() => {
      this.#announceQueued = false;
      this.#announce();
    });
  }

  #announce(): void {
    const wired = this.#ports.filter((p) => this.#dp.portStatus(p.id)?.state === 'wired');
    const a = computeAnnouncements(wired, this.#pools, this.#loopback);
    for (const [id, addrs] of a.outsidePools) {
      if (this.#announced.outsidePools.get(id)?.join() !== addrs.join()) {
        this.#log.warn('port addresses outside every export pool are not announced', { port: id, addresses: addrs, code: 'ERR_AGENT_OUTSIDE_POOLS' });
      }
    }
    this.#announced = a;
    this.#speaker.setAnnouncements(a.prefixes.map((prefix) => ({ prefix })));
    this.#checkReachable();
  }

  #checkReachable(): void {
    const now = new Set<string>();
    for (const [id, prefixes] of this.#announced.byPort) {
      if (prefixes.every((p) => this.#speaker.isAnnounced(p))) now.add(id);
    }
    for (const id of this.#reachable) if (!now.has(id)) this.emit('port-unreachable', id);
    for (const id of now) if (!this.#reachable.has(id)) this.emit('port-reachable', id);
    this.#reachable = now;
  }
}
