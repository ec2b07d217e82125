// The dataplane facade the agent uses (Felix's Manager.OnUpdate / CompleteDeferredWork shape):
//
//   const dp = new Dataplane(kernel, { logger });
//   await dp.start();                 // reads the kernel once, watches it, sweeps periodically
//   dp.setPorts(ports);               // the complete desired set; cheap (records, marks dirty)
//   dp.setRoute('0.0.0.0/0', [{ via: 'fe80::1', dev: 'eth1' }, { via: 'fe80::2', dev: 'eth2' }]);
//   dp.markInSync();                  // every source delivered a full view: removals allowed now
//   const r = await dp.flush();       // one batched apply of every difference
//   dp.on('port-wired', (s) => ...);  // a port's tap is wired (firewall, sysctls, routes, neighbours)
//   await dp.stop();                  // stops watching; removes nothing from the kernel
//
// What a flush does, in order:
//   1. validate ports (bad ones fail alone with a code), resolve conflicts (duplicate tap / address)
//   2. firewall (after in-sync only): regenerate and replace lagless's nft tables when the port set
//      changed. A port is wired only with a spec its firewall rules were built from (fail closed).
//   3. desired state of the ports whose taps exist + learned routes + host sysctls (desired-book.ts:
//      patched per port, rebuilt when learned routes change)
//   4. diff against the observed state kept in memory (plan.ts) and apply the plan in one batch.
//      Incremental: only the keys that events, port changes and due retries touched are compared;
//      in full (every object) after start, after a sweep, at in-sync, or with flush({ full: true })
//   5. per-object failures wait with exponential backoff (retried by a timer); port status + events
//
// What a no-change flush reads from the kernel: nothing. ObservedState is kept current by the
// monitor (links, routes, neighbours, addresses), by the results of applies, and by a full read in
// the periodic sweep (every 30 s by default, read outside the flush chain), which also re-reads
// every owned sysctl and the nftables listing: drift in those is repaired by the sweep; a deleted
// or changed route, neighbour entry, address, or a tap going down is repaired on its monitor event.
import { EventEmitter } from 'node:events';
import type { PortSpec } from './port.js';
import type { Kernel, KernelEvent, KernelWatch } from './kernel.js';
import type { DesiredState, NextHop, ObservedState } from './model.js';
import { DEFAULT_ROUTE_METRIC, addrKey, desiresKey, emptyObserved, isOwnedAlias, keyKind, linkKey, neighKey, routeKey, sysctlKey } from './model.js';
import { buildPlan, type PlanOp } from './plan.js';
import { HOST_SYSCTLS, portObjects, routedPairs, TAP_SYSCTL_FALLBACKS, TAP_SYSCTLS, tapSysctlDefaultPath, tapSysctlPath, type PortObjects } from './wiring.js';
import { DesiredBook } from './desired-book.js';
import { canonicalPrefix, validatePort, validateRoute, type LearnedRoute, type ValidRoute, type WirablePort } from './validate.js';
import { applyEvent, indexSnapshot, recordOp } from './observe.js';
import { BackoffTracker, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import { DataplaneError } from './errors.js';
import { silentLogger, type Logger } from './logger.js';
import { FIREWALL_KEY, FirewallSync, type FirewallOutcome, type PortProblem } from './firewall-sync.js';
import { PortStatusBook, type PortStatus } from './port-status.js';
import { buildPortIndex, usablePorts, type PortEntry, type PortIndex } from './port-index.js';
import type { FirewallOptions } from './firewall/index.js';
import { CarrierTracker, type CarrierChange } from './carrier.js';

export type { FirewallOutcome } from './firewall-sync.js';
export type { PortState, PortStatus } from './port-status.js';

export interface DataplaneOptions {
  readonly logger?: Logger;
  /** metric of lagless's routes; default 20 */
  readonly metric?: number;
  /** IPv4 gateway on lo for fixed IPs whose subnet has none; default 169.254.1.1; null: none */
  readonly defaultGatewayV4?: string | null;
  /** the firewall generator's options; false: no firewall (ports are wired without one) */
  readonly firewall?: FirewallOptions | false;
  /** set the host-wide sysctls (forwarding, multipath hash, linkdown); default true */
  readonly hostSysctls?: boolean;
  /** full re-read of the kernel + repair every this many ms after start(); 0: never; default 30 s */
  readonly sweepIntervalMs?: number;
  /** a flush runs this long after a kernel event that needs one (tap appeared, route deleted); default 5 ms */
  readonly eventDelayMs?: number;
  /**
   * keep learned routes found in the kernel until markRoutesInSync() (routing converged after a
   * restart), not just until markInSync(); default false
   */
  readonly routesSyncGate?: boolean;
  /** when set, setPorts/setRoute(s) schedule a flush after this many ms (else the caller flushes) */
  readonly autoFlushMs?: number;
  readonly backoff?: BackoffOptions;
  /** clock for backoff (ms) */
  readonly now?: () => number;
}

export type RouteState = 'installed' | 'pending' | 'failed' | 'shadowed';
export interface RouteStatus {
  readonly prefix: string;
  readonly state: RouteState;
  readonly error?: { readonly code: string; readonly message: string };
}

export interface ApplyResult {
  /** ops run (succeeded + failed) */
  readonly ops: number;
  readonly added: number;
  readonly replaced: number;
  readonly removed: number;
  /** compared desired objects that were already right (all of them in a full flush) */
  readonly untouched: number;
  /** differences left for later (their object waits for a retry) */
  readonly held: number;
  readonly failed: readonly { readonly key: string; readonly code: string; readonly message: string }[];
  /** processes run by the kernel implementation for this flush's writes */
  readonly commands: number;
  readonly firewall: FirewallOutcome;
  readonly durationMs: number;
  /** where the time went (ms): ports (validation, conflicts, which are ready), firewall, desired, plan, apply, status */
  readonly phases: Readonly<Record<'ports' | 'firewall' | 'desired' | 'plan' | 'apply' | 'status', number>>;
}

interface KernelRead {
  readonly snapshot: ReturnType<typeof indexSnapshot>;
  readonly sysctls: ReadonlyMap<string, string>;
  readonly listing: string | undefined;
  readonly firewallApplies: number;
}

/** An object applied this many times within the window is being fought over. */
const CHURN_WINDOW_MS = 10_000;
const CHURN_LIMIT = 6;

export interface DataplaneEvents {
  'port-wired': [PortStatus];
  'port-unwired': [{ readonly id: string; readonly tap: string }];
  'port-failed': [PortStatus];
  /** a network interface appeared or disappeared (from a read or `ip monitor link`): the tap watcher of the neutron source */
  link: [{ readonly name: string; readonly present: boolean }];
  /** an interface lost or regained carrier (from `ip monitor link`): the agent's fast external failover on uplinks */
  carrier: [CarrierChange];
}


export class Dataplane extends EventEmitter<DataplaneEvents> {
  readonly #kernel: Kernel;
  readonly #log: Logger;
  readonly #metric: number;
  readonly #gatewayV4: string | undefined;
  readonly #hostSysctls: boolean;
  readonly #sweepMs: number;
  readonly #eventDelayMs: number;
  readonly #autoFlushMs: number | undefined;
  readonly #now: () => number;
  readonly #backoff: BackoffTracker;
  readonly #firewall: FirewallSync;
  readonly #status: PortStatusBook;
  readonly #carrier = new CarrierTracker();

  // ---- inputs
  #ports = new Map<string, PortEntry>();
  #portsVersion = 0;
  #taps = new Set<string>();
  #learned = new Map<string, ValidRoute | DataplaneError>();
  #routesVersion = 0;
  #inSync = false;
  #routesInSync: boolean;
  /** route keys of learned routes desired at some point in this run */
  readonly #learnedKeys = new Set<string>();
  /** learned routes found in the kernel at start, not yet matched or written by this run (see PlanInput.stale) */
  readonly #staleRoutes = new Set<string>();

  // ---- what lagless knows of the kernel
  #observed: ObservedState = emptyObserved();
  #loaded = false;
  #tapDefaults = new Map<string, string>();
  /** per object key: sequence number of the last event that changed it (see #record) */
  #touched = new Map<string, number>();
  #eventSeq = 0;
  #readsInFlight = 0;

  // ---- derived, cached between flushes
  readonly #desired: DesiredBook;
  /** validation and conflicts of the current port set (recomputed when it changes) */
  #index: PortIndex | undefined;
  /** keys to compare in the next incremental flush (events, retries); #fullNext: compare everything */
  #dirty = new Set<string>();
  #fullNext = true;
  #shadowed: ReadonlySet<string> = new Set<string>();
  #routeDevs = new Set<string>();
  #churn = new Map<string, number>();
  #churnSince = 0;

  // ---- scheduling
  #chain: Promise<unknown> = Promise.resolve();
  #queued: Promise<ApplyResult> | undefined;
  #watch: KernelWatch | undefined;
  #started = false;
  #sweepTimer: NodeJS.Timeout | undefined;
  #flushTimer: NodeJS.Timeout | undefined;
  #flushTimerAt = 0;
  #sweepPending = false;

  constructor(kernel: Kernel, opts: DataplaneOptions = {}) {
    super();
    this.#kernel = kernel;
    this.#log = opts.logger ?? silentLogger;
    this.#metric = opts.metric ?? DEFAULT_ROUTE_METRIC;
    this.#gatewayV4 = opts.defaultGatewayV4 === null ? undefined : (opts.defaultGatewayV4 ?? '169.254.1.1');
    this.#hostSysctls = opts.hostSysctls ?? true;
    this.#sweepMs = opts.sweepIntervalMs ?? 30_000;
    this.#eventDelayMs = opts.eventDelayMs ?? 5;
    this.#autoFlushMs = opts.autoFlushMs;
    this.#routesInSync = opts.routesSyncGate !== true;
    this.#now = opts.now ?? Date.now;
    this.#backoff = new BackoffTracker(opts.backoff ?? DEFAULT_BACKOFF);
    this.#desired = new DesiredBook(this.#metric, this.#hostSysctls);
    this.#firewall = new FirewallSync(kernel, opts.firewall ?? {}, this.#backoff, this.#log);
    this.#status = new PortStatusBook(
      {
        wired: (s) => this.emit('port-wired', s),
        unwired: (p) => this.emit('port-unwired', p),
        failed: (s) => this.emit('port-failed', s),
      },
      this.#log,
    );
  }

  // ---------------------------------------------------------------- inputs (cheap)

  /** The complete set of ports bound to this host. */
  setPorts(ports: readonly PortSpec[]): void {
    const next = new Map<string, PortEntry>();
    let changed = ports.length !== this.#ports.size;
    for (const spec of ports) {
      const prev = this.#ports.get(spec.id);
      if (prev !== undefined && prev.spec === spec) {
        next.set(spec.id, prev);
        continue;
      }
      const json = JSON.stringify(spec);
      if (prev !== undefined && prev.json === json) {
        next.set(spec.id, prev);
        continue;
      }
      changed = true;
      next.set(spec.id, { spec, json, valid: validatePort(spec), objects: undefined, keys: undefined });
    }
    if (!changed) for (const id of this.#ports.keys()) if (!next.has(id)) changed = true;
    if (!changed) return;
    this.#ports = next;
    this.#taps = new Set([...next.values()].map((e) => e.spec.tap));
    this.#portsVersion++;
    this.#autoFlush();
  }

  /** The complete set of learned routes (replaces every earlier setRoute). */
  setRoutes(routes: readonly LearnedRoute[]): void {
    this.#learned.clear();
    for (const r of routes) this.#setRoute(r);
    this.#routesVersion++;
    this.#autoFlush();
  }

  /** One prefix's ECMP set; undefined or [] withdraws it. */
  setRoute(prefix: string, nextHops: readonly NextHop[] | undefined): void {
    if (nextHops === undefined || nextHops.length === 0) this.#learned.delete(canonicalPrefix(prefix)?.dst ?? prefix);
    else this.#setRoute({ prefix, nextHops });
    this.#routesVersion++;
    this.#autoFlush();
  }

  #setRoute(r: LearnedRoute): void {
    const v = validateRoute(r);
    if (v instanceof DataplaneError) {
      this.#log.warn('learned route rejected', { code: v.code, prefix: r.prefix, error: v.message });
      this.#learned.set(canonicalPrefix(r.prefix)?.dst ?? r.prefix, v);
      return;
    }
    this.#learned.set(v.dst, v);
    this.#learnedKeys.add(routeKey(v.dst, this.#metric));
  }

  /** Every source has delivered a complete view: from now on objects nobody wants are removed. */
  markInSync(): void {
    if (this.#inSync) return;
    this.#inSync = true;
    this.#fullNext = true;
    this.#autoFlush();
  }

  get inSync(): boolean {
    return this.#inSync;
  }

  /**
   * Routing has converged (every BGP session sent its table, or a timeout passed): learned routes
   * nobody announces any more may be removed too. Until then only port objects are removed.
   */
  markRoutesInSync(): void {
    if (this.#routesInSync) return;
    this.#routesInSync = true;
    this.#staleRoutes.clear();
    this.#fullNext = true;
    this.#autoFlush();
  }

  get routesInSync(): boolean {
    return this.#routesInSync;
  }

  // ---------------------------------------------------------------- lifecycle

  /** Prepares the kernel, watches it, reads it once and starts the periodic sweep. */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    await this.#kernel.prepare();
    this.#watch = this.#kernel.watch((e) => this.#onEvent(e));
    await this.#readAll();
    if (this.#sweepMs > 0) {
      this.#sweepTimer = setInterval(() => void this.sweep().catch((e) => this.#logError('sweep failed', e)), this.#sweepMs);
      this.#sweepTimer.unref();
    }
  }

  /** Stops watching and every timer. Removes nothing from the kernel. */
  async stop(): Promise<void> {
    this.#started = false;
    if (this.#sweepTimer) clearInterval(this.#sweepTimer);
    if (this.#flushTimer) clearTimeout(this.#flushTimer);
    this.#sweepTimer = undefined;
    this.#flushTimer = undefined;
    const w = this.#watch;
    this.#watch = undefined;
    await w?.stop();
    await this.#chain.catch(() => {});
    await this.#firewall.settled();
  }

  /**
   * One batched apply of every difference. Compares what changed since the last flush (events,
   * port and route changes, due retries); `full` compares every desired and observed object.
   * Concurrent calls share the next run.
   */
  flush(opts: { readonly full?: boolean } = {}): Promise<ApplyResult> {
    if (opts.full === true) this.#fullNext = true;
    if (this.#queued !== undefined) return this.#queued;
    const p = this.#serial(() => {
      this.#queued = undefined;
      return this.#flushOnce();
    });
    this.#queued = p;
    return p;
  }

  /** Re-reads everything lagless owns (routes, neighbours, addresses, links, sysctls, nft tables), then flushes. */
  async sweep(): Promise<ApplyResult> {
    await this.#readAll();
    return this.flush();
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.#chain.then(fn, fn);
    this.#chain = p.catch(() => {});
    return p;
  }

  // ---------------------------------------------------------------- status

  portStatus(id: string): PortStatus | undefined {
    return this.#status.get(id);
  }

  ports(): PortStatus[] {
    return this.#status.all();
  }

  /** Names of every network interface present, as last read or reported by the monitor (taps included). */
  links(): string[] {
    return [...this.#observed.links.keys()];
  }

  wiredPorts(): string[] {
    return this.#status.all().filter((s) => s.state === 'wired').map((s) => s.id);
  }

  routes(): RouteStatus[] {
    const out: RouteStatus[] = [];
    for (const [dst, v] of this.#learned) {
      if (v instanceof DataplaneError) {
        out.push({ prefix: dst, state: 'failed', error: { code: v.code, message: v.message } });
        continue;
      }
      const key = routeKey(dst, this.#metric);
      const f = this.#backoff.get(key);
      if (this.#shadowed.has(dst)) out.push({ prefix: dst, state: 'shadowed' });
      else if (f !== undefined) out.push({ prefix: dst, state: 'failed', error: { code: f.error.code, message: f.error.message } });
      else out.push({ prefix: dst, state: this.#observed.routes.has(key) ? 'installed' : 'pending' });
    }
    return out;
  }

  /** The observed state as lagless knows it (read-only view, for tests and the CLI). */
  get observed(): ObservedState {
    return this.#observed;
  }

  // ---------------------------------------------------------------- reading

  /**
   * A full read. The kernel is read outside the flush chain (a sweep at 5,000 ports takes seconds
   * and must not delay the repair of a deleted route); the result is merged inside it, keeping
   * what monitor events said about any object after the read began.
   */
  async #readAll(): Promise<void> {
    const seq = this.#eventSeq;
    // in flight until merged: what flushes write meanwhile stays marked as newer than the read
    this.#readsInFlight++;
    try {
      const read = await this.#readKernel();
      await this.#serial(async () => this.#mergeRead(read, seq));
    } finally {
      this.#readsInFlight--;
    }
  }

  async #readKernel(): Promise<KernelRead> {
    const snapshot = indexSnapshot(await this.#kernel.readState());
    const paths: string[] = [];
    if (this.#hostSysctls) for (const [p] of HOST_SYSCTLS) paths.push(p);
    for (const [template] of TAP_SYSCTLS) paths.push(tapSysctlDefaultPath(template));
    for (const [name, link] of snapshot.links) {
      if (!this.#taps.has(name) && !isOwnedAlias(link.alias)) continue;
      for (const [template] of TAP_SYSCTLS) paths.push(tapSysctlPath(template, name));
    }
    const sysctls = await this.#kernel.readSysctls(paths);
    const applies = this.#firewall.applies;
    const listing = this.#firewall.tables.length > 0 ? await this.#kernel.readFirewall(this.#firewall.tables) : undefined;
    return { snapshot, sysctls, listing, firewallApplies: applies };
  }

  #mergeRead(read: KernelRead, seq: number): void {
    const o = this.#observed;
    const touched = (k: string) => (this.#touched.get(k) ?? 0) > seq;
    const hadLinks = new Set(o.links.keys());
    merge(o.links, read.snapshot.links, (name) => touched(linkKey(name)));
    for (const name of hadLinks) if (!o.links.has(name)) this.emit('link', { name, present: false });
    for (const name of o.links.keys()) if (!hadLinks.has(name)) this.emit('link', { name, present: true });
    merge(o.routes, read.snapshot.routes, touched);
    merge(o.neighbours, read.snapshot.neighbours, touched);
    merge(o.addresses, read.snapshot.addresses, touched);
    // sysctls have no events: what a flush wrote after the read began is newer than the read
    for (const p of [...o.sysctls.keys()]) if (!read.sysctls.has(p) && !touched(sysctlKey(p))) o.sysctls.delete(p);
    for (const [p, v] of read.sysctls) if (!touched(sysctlKey(p))) o.sysctls.set(p, v);
    if (!this.#loaded) {
      for (const [template] of TAP_SYSCTLS) {
        const v = read.sysctls.get(tapSysctlDefaultPath(template)) ?? TAP_SYSCTL_FALLBACKS.get(template);
        if (v !== undefined) this.#tapDefaults.set(template, v);
      }
    }
    if (this.#firewall.tables.length > 0) this.#firewall.observe(read.listing, read.firewallApplies);
    if (!this.#loaded && !this.#routesInSync) {
      for (const [key, r] of o.routes) if (r.nextHops.some((h) => h.via !== undefined)) this.#staleRoutes.add(key);
    }
    this.#loaded = true;
    this.#fullNext = true;
  }

  // ---------------------------------------------------------------- events

  #onEvent(e: KernelEvent): void {
    if (e.type === 'lost') {
      this.#log.warn('kernel events lost: full sweep', { code: 'ERR_DP_MONITOR', reason: e.reason });
      this.#scheduleSweep();
      return;
    }
    const carrier = this.#carrier.observe(e);
    if (carrier !== undefined) this.emit('carrier', carrier);
    const had = e.type === 'link' && this.#observed.links.has(e.name);
    const changed = applyEvent(this.#observed, e);
    if (e.type === 'link' && had !== this.#observed.links.has(e.name)) this.emit('link', { name: e.name, present: !had });
    if (changed.length === 0) return;
    const seq = ++this.#eventSeq;
    for (const k of changed) {
      this.#touched.set(k, seq);
      this.#dirty.add(k);
    }
    if (e.type === 'link' && !this.#taps.has(e.name) && !this.#routeDevs.has(e.name) && !isOwnedAlias(this.#observed.links.get(e.name)?.alias)) {
      return;
    }
    this.#scheduleFlush(this.#eventDelayMs);
  }

  #scheduleFlush(delayMs: number): void {
    if (!this.#started) return;
    const at = this.#now() + delayMs;
    if (this.#flushTimer !== undefined && this.#flushTimerAt <= at) return;
    if (this.#flushTimer !== undefined) clearTimeout(this.#flushTimer);
    this.#flushTimerAt = at;
    this.#flushTimer = setTimeout(() => {
      this.#flushTimer = undefined;
      this.flush().catch((err) => this.#logError('flush failed', err));
    }, delayMs);
    this.#flushTimer.unref();
  }

  #scheduleSweep(): void {
    if (!this.#started || this.#sweepPending) return;
    this.#sweepPending = true;
    setTimeout(() => {
      this.#sweepPending = false;
      this.sweep().catch((err) => this.#logError('sweep failed', err));
    }, this.#eventDelayMs).unref();
  }

  #autoFlush(): void {
    if (this.#autoFlushMs !== undefined) this.#scheduleFlush(this.#autoFlushMs);
  }

  #logError(msg: string, err: unknown): void {
    const code = err instanceof DataplaneError ? err.code : 'ERR_DP_COMMAND';
    this.#log.error(msg, { code, error: err instanceof Error ? err.message : String(err) });
  }

  // ---------------------------------------------------------------- the flush

  async #flushOnce(): Promise<ApplyResult> {
    const t0 = performance.now();
    if (!this.#loaded) this.#mergeRead(await this.#readKernel(), this.#eventSeq);
    if (this.#readsInFlight === 0) this.#touched.clear();
    const seq0 = this.#eventSeq;
    const now = this.#now();

    const phases = { ports: 0, firewall: 0, desired: 0, plan: 0, apply: 0, status: 0 };
    let mark = performance.now();
    const lap = (phase: keyof typeof phases) => {
      const t = performance.now();
      phases[phase] += t - mark;
      mark = t;
    };

    // 1. validation and conflicts
    const problems = new Map<string, PortProblem>();
    const usable = usablePorts(this.#portIndex(), (id) => this.#status.isWired(id), problems);
    lap('ports');

    // 2. firewall: regenerated when the desired ports changed; ports are wired with the spec it
    //    covers. `nft -f` runs while the plan is computed; nothing is applied before it is done.
    const fw = this.#firewall.begin(() => this.#sortedSpecs(), usable, this.#portsVersion, this.#inSync, now);
    let firewall = fw.outcome;
    lap('firewall');
    let prepared = this.#prepare(usable, problems, firewall, now, lap);
    const settled = await fw.done;
    lap('firewall');
    if (settled !== firewall) {
      // the apply failed: plan again (in full) from the ruleset still in force
      firewall = settled;
      this.#fullNext = true;
      prepared = this.#prepare(usable, problems, firewall, now, lap);
    }
    const { ready, pendingTap, desired, plan } = prepared;
    for (const k of plan.confirmed) this.#staleRoutes.delete(k);
    const portProblems = prepared.problems;

    // 4. apply
    const failed: { key: string; code: string; message: string }[] = [];
    let commands = 0;
    let owners: Map<string, string[]> | undefined;
    const portsOf = (key: string): string[] => {
      if (owners === undefined) {
        owners = new Map();
        for (const r of ready) for (const k of r.keys) owners.set(k, [...(owners.get(k) ?? []), r.id]);
      }
      return owners.get(key) ?? [];
    };
    if (plan.ops.length > 0) {
      const outcome = await this.#kernel.apply(plan.ops);
      commands = outcome.commands;
      const after = this.#now();
      if (after - this.#churnSince > CHURN_WINDOW_MS) {
        this.#churn.clear();
        this.#churnSince = after;
      }
      for (const op of plan.ops) {
        let err = outcome.failed.get(op.key);
        if (err === undefined) {
          this.#record(op, seq0);
          if (op.kind === 'route') this.#staleRoutes.delete(op.key);
          if (op.action === 'remove' || !this.#churned(op.key)) {
            this.#backoff.succeed(op.key);
            continue;
          }
          err = new DataplaneError('ERR_DP_NOT_CONVERGING', `${op.key} was applied ${CHURN_LIMIT} times in ${CHURN_WINDOW_MS / 1000} s: something else changes it back`, { key: op.key });
        }
        const f = this.#backoff.fail(op.key, err, after);
        this.#log.warn('kernel object failed; retrying with backoff', {
          code: err.code, key: op.key, ports: portsOf(op.key), attempts: f.attempts, retryInMs: f.retryAt - after, error: err.message,
        });
        failed.push({ key: op.key, code: err.code, message: err.message });
      }
    }
    const failedNow = new Set(failed.map((f) => f.key));
    this.#backoff.retain((k) => k === FIREWALL_KEY || failedNow.has(k) || desiresKey(desired.state, k));

    lap('apply');

    // 5. status and events
    const failureOf = (key: string): PortProblem | undefined => {
      const f = this.#backoff.get(key);
      return f === undefined ? undefined : { code: f.error.code, message: f.error.message, key };
    };
    this.#status.update({
      desired: this.#portIndex().tapById,
      problems: portProblems,
      ready,
      pendingTap,
      failureOf,
      leftover: (tap, keys) => this.#leftover(tap, keys, desired.state),
    });
    this.#scheduleRetry();
    lap('status');
    const durationMs = performance.now() - t0;
    if (plan.ops.length > 0 || failed.length > 0 || firewall === 'applied') {
      this.#log.info('dataplane applied', {
        ops: plan.ops.length, ...plan.counts, untouched: plan.untouched, held: plan.held.length, failed: failed.length, commands, firewall, ms: Math.round(durationMs),
        phasesMs: Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, Math.round(v * 10) / 10])),
      });
    }
    return {
      ops: plan.ops.length,
      added: plan.counts.add,
      replaced: plan.counts.replace,
      removed: plan.counts.remove,
      untouched: plan.untouched,
      held: plan.held.length,
      failed,
      commands,
      firewall,
      durationMs,
      phases,
    };
  }

  /** Steps 2-4 without I/O: which ports are ready, their desired state, and the plan. */
  #prepare(usable: ReadonlyMap<string, WirablePort>, baseProblems: ReadonlyMap<string, PortProblem>, firewall: FirewallOutcome, now: number, lap: (phase: 'ports' | 'desired' | 'plan') => void) {
    const problems = new Map(baseProblems);
    const ready: { id: string; tap: string; objects: PortObjects; keys: string[] }[] = [];
    const pendingTap = new Set<string>();
    for (const [id, candidate] of usable) {
      const port = this.#firewall.resolve(id, candidate, firewall);
      if (port === undefined) continue;
      if (!('ips' in port)) {
        problems.set(id, port);
        continue;
      }
      if (!this.#observed.links.has(port.tap)) {
        pendingTap.add(id);
        continue;
      }
      const { objects, keys } = this.#objectsOf(id, port);
      ready.push({ id, tap: port.tap, objects, keys });
    }
    lap('ports');

    // 3. desired state: patched per port, rebuilt when learned routes change
    const desired = this.#desired.update(ready, () => this.#validRoutes(), this.#routesVersion);
    this.#shadowed = desired.shadowed;
    lap('desired');

    // 4. plan (everything, or only what changed since the last flush)
    let only: string[] | undefined;
    if (!this.#fullNext && !desired.full) {
      only = [...this.#dirty, ...desired.changed];
      for (const [key, f] of this.#backoff.entries()) if (f.retryAt <= now) only.push(key);
    }
    this.#dirty = new Set();
    this.#fullNext = false;
    const plan = buildPlan({
      desired: desired.state,
      observed: this.#observed,
      inSync: this.#inSync,
      routesInSync: this.#routesInSync,
      learnedThisRun: (k) => this.#learnedKeys.has(k),
      stale: (k) => this.#staleRoutes.has(k),
      hold: (k) => this.#backoff.held(k, now),
      tapDefaults: this.#tapDefaults,
      ...(only === undefined ? {} : { only }),
    });
    lap('plan');
    return { problems, ready, pendingTap, desired, plan };
  }

  #portIndex(): PortIndex {
    if (this.#index === undefined || this.#index.version !== this.#portsVersion) this.#index = buildPortIndex(this.#ports, this.#portsVersion);
    return this.#index;
  }

  #sortedSpecs(): PortSpec[] {
    return [...this.#ports.values()].map((e) => e.spec).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  #validRoutes(): ValidRoute[] {
    const routes: ValidRoute[] = [];
    for (const v of this.#learned.values()) if (!(v instanceof DataplaneError)) routes.push(v);
    this.#routeDevs = new Set(routes.flatMap((r) => r.nextHops.flatMap((nh) => (nh.dev === undefined ? [] : [nh.dev]))));
    return routes;
  }

  #objectsOf(id: string, port: WirablePort): { objects: PortObjects; keys: string[] } {
    const entry = this.#ports.get(id);
    // which of its allowed address pairs this port routes depends on the other ports (pairOwners)
    const pairs = port.pairs.length === 0 ? port.pairs : routedPairs(port, this.#portIndex().pairOwners);
    const samePairs = (o: PortObjects) => o.pairs.length === pairs.length && o.pairs.every((dst, i) => pairs[i]?.dst === dst);
    if (entry !== undefined && entry.valid === port && entry.objects !== undefined && entry.keys !== undefined && samePairs(entry.objects)) {
      return { objects: entry.objects, keys: entry.keys };
    }
    const objects = portObjects(port, { metric: this.#metric, defaultGatewayV4: this.#gatewayV4, tapSysctlDefaults: this.#tapDefaults }, pairs);
    const keys = [
      linkKey(objects.link.name),
      ...objects.sysctls.map(([p]) => sysctlKey(p)),
      ...objects.addresses.map(addrKey),
      ...objects.neighbours.map(neighKey),
      ...objects.routes.map((r) => routeKey(r.dst, r.metric)),
    ];
    if (entry !== undefined && entry.valid === port) {
      entry.objects = objects;
      entry.keys = keys;
    }
    return { objects, keys };
  }

  #record(op: PlanOp, seq0: number): void {
    const touched = (this.#touched.get(op.key) ?? 0) > seq0;
    if (!touched) {
      recordOp(this.#observed, op);
      // newer than any full read still in flight (see #mergeRead)
      if (this.#readsInFlight > 0) this.#touched.set(op.key, ++this.#eventSeq);
      return;
    }
    // an event about this object arrived while the batch ran: the event is the truth, except for
    // what events do not carry (a link's alias)
    if (op.kind === 'link') {
      const cur = this.#observed.links.get(op.link.name);
      if (cur !== undefined) this.#observed.links.set(cur.name, { ...cur, alias: op.action === 'remove' ? undefined : op.link.alias });
    }
  }

  #churned(key: string): boolean {
    const n = (this.#churn.get(key) ?? 0) + 1;
    this.#churn.set(key, n);
    return n >= CHURN_LIMIT;
  }

  #scheduleRetry(): void {
    const at = this.#backoff.nextRetryAt();
    if (at === undefined) return;
    this.#scheduleFlush(Math.max(0, at - this.#now()) + 1);
  }

  /** True while any object of a removed port is still in the kernel (objects others still want do not count). */
  #leftover(tap: string, keys: readonly string[], desired: DesiredState): boolean {
    const o = this.#observed;
    if (!desired.links.has(tap) && isOwnedAlias(o.links.get(tap)?.alias)) return true;
    for (const k of keys) {
      const kind = keyKind(k);
      if (kind === 'route' && o.routes.has(k) && !desired.routes.has(k)) return true;
      if ((kind === 'neigh' || kind === 'proxy') && o.neighbours.has(k) && !desired.neighbours.has(k)) return true;
    }
    return false;
  }
}

/** Replaces target's content with fresh's, except keys an event touched meanwhile. */
function merge<V>(target: Map<string, V>, fresh: ReadonlyMap<string, V>, touched: (k: string) => boolean): void {
  for (const k of [...target.keys()]) if (!fresh.has(k) && !touched(k)) target.delete(k);
  for (const [k, v] of fresh) if (!touched(k)) target.set(k, v);
}
