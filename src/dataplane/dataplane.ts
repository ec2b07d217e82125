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
//   3. desired state of the ports whose taps exist + learned routes + host sysctls
//   4. diff against the observed state kept in memory (plan.ts) and apply the plan in one batch
//   5. per-object failures wait with exponential backoff (retried by a timer); port status + events
//
// What a no-change flush reads from the kernel: nothing. ObservedState is kept current by the
// monitor (links, routes, neighbours, addresses), by the results of applies, and by a full read in
// the periodic sweep (every 30 s by default), which also re-reads every owned sysctl and the
// nftables listing: drift in those is repaired by the sweep; a deleted route, neighbour entry,
// address or a tap going down is repaired on its monitor event.
import { EventEmitter } from 'node:events';
import type { PortSpec } from './port.js';
import type { FirewallTable, Kernel, KernelEvent, KernelWatch } from './kernel.js';
import type { DesiredState, NextHop, ObservedState } from './model.js';
import { DEFAULT_ROUTE_METRIC, addrKey, emptyObserved, isOwnedAlias, keyKind, linkKey, neighKey, routeKey, sysctlKey } from './model.js';
import { buildPlan, type PlanOp } from './plan.js';
import { buildDesired, HOST_SYSCTLS, portObjects, TAP_SYSCTL_FALLBACKS, TAP_SYSCTLS, tapSysctlDefaultPath, tapSysctlPath, type PortObjects } from './wiring.js';
import { canonicalPrefix, validatePort, validateRoute, type LearnedRoute, type ValidRoute, type WirablePort } from './validate.js';
import { applyEvent, indexSnapshot, recordOp } from './observe.js';
import { BackoffTracker, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import { DataplaneError } from './errors.js';
import { silentLogger, type Logger } from './logger.js';
import { listingHasMarker, markScript } from './ruleset-marker.js';
import { buildFirewallRuleset, type FirewallOptions } from './firewall/index.js';

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
  /** when set, setPorts/setRoute(s) schedule a flush after this many ms (else the caller flushes) */
  readonly autoFlushMs?: number;
  readonly backoff?: BackoffOptions;
  /** clock for backoff (ms) */
  readonly now?: () => number;
}

export type PortState =
  /** tap wired: firewall rules, sysctls, routes, neighbour entries, gateway addresses in place */
  | 'wired'
  /** the port's tap does not exist (yet) */
  | 'pending-tap'
  /** waiting for in-sync (its firewall rules) or for the next flush */
  | 'pending'
  /** the port or one of its kernel objects failed: `error` says why; retried with backoff */
  | 'failed'
  /** removed from the desired set; its kernel objects are still there (not in sync yet, or removal failed) */
  | 'unwiring';

export interface PortStatus {
  readonly id: string;
  readonly tap: string;
  readonly state: PortState;
  readonly error?: { readonly code: string; readonly message: string; readonly key?: string };
}

export type RouteState = 'installed' | 'pending' | 'failed' | 'shadowed';
export interface RouteStatus {
  readonly prefix: string;
  readonly state: RouteState;
  readonly error?: { readonly code: string; readonly message: string };
}

export type FirewallOutcome = 'applied' | 'unchanged' | 'failed' | 'held' | 'waiting-sync' | 'off';

export interface ApplyResult {
  /** ops run (succeeded + failed) */
  readonly ops: number;
  readonly added: number;
  readonly replaced: number;
  readonly removed: number;
  /** desired objects that were already right */
  readonly untouched: number;
  /** differences left for later (their object waits for a retry) */
  readonly held: number;
  readonly failed: readonly { readonly key: string; readonly code: string; readonly message: string }[];
  /** processes run by the kernel implementation for this flush's writes */
  readonly commands: number;
  readonly firewall: FirewallOutcome;
  readonly durationMs: number;
}

interface PortEntry {
  readonly spec: PortSpec;
  readonly json: string;
  readonly valid: WirablePort | DataplaneError;
  objects: PortObjects | undefined;
  keys: string[] | undefined;
}

interface FirewallState {
  /** hash of the script in force (applied by us, or found by its marker) */
  hash: string | undefined;
  tables: readonly FirewallTable[];
  /** stateless listing right after apply (taken at the next sweep): drift is any difference */
  baseline: string | undefined;
  /** listing read before the first apply (restart: adopt it when its marker matches) */
  found: string | undefined;
  dirty: boolean;
  /** ports version the rules in force were built from */
  version: number;
  /** id -> the port (json + validated) the rules in force were built from, for ports not closed */
  ports: Map<string, { json: string; valid: WirablePort }>;
  /** id -> why the firewall closed the port */
  closed: Map<string, { code: string; message: string }>;
}

const FIREWALL_KEY = 'firewall';
const CHURN_WINDOW_MS = 10_000;
const CHURN_LIMIT = 6;

export interface DataplaneEvents {
  'port-wired': [PortStatus];
  'port-unwired': [{ readonly id: string; readonly tap: string }];
  'port-failed': [PortStatus];
}

export class Dataplane extends EventEmitter<DataplaneEvents> {
  readonly #kernel: Kernel;
  readonly #log: Logger;
  readonly #metric: number;
  readonly #gatewayV4: string | undefined;
  readonly #fwOpts: FirewallOptions | false;
  readonly #hostSysctls: boolean;
  readonly #sweepMs: number;
  readonly #eventDelayMs: number;
  readonly #autoFlushMs: number | undefined;
  readonly #now: () => number;
  readonly #backoff: BackoffTracker;

  #ports = new Map<string, PortEntry>();
  #portsVersion = 0;
  #taps = new Set<string>();
  #learned = new Map<string, ValidRoute | DataplaneError>();
  #inSync = false;

  #observed: ObservedState = emptyObserved();
  #loaded = false;
  #tapDefaults = new Map<string, string>();
  #fw: FirewallState;

  #status = new Map<string, PortStatus>();
  /** the object keys of every port wired (or tried) in the last flush */
  #keysByPort = new Map<string, { tap: string; keys: string[] }>();
  /** ports no longer desired whose objects may still be in the kernel: id -> tap + keys */
  #retiring = new Map<string, { tap: string; keys: string[] }>();
  #shadowed = new Set<string>();
  #routeDevs = new Set<string>();

  #eventSeq = 0;
  #touched = new Map<string, number>();
  #churn = new Map<string, number>();
  #churnSince = 0;

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
    this.#fwOpts = opts.firewall ?? {};
    this.#hostSysctls = opts.hostSysctls ?? true;
    this.#sweepMs = opts.sweepIntervalMs ?? 30_000;
    this.#eventDelayMs = opts.eventDelayMs ?? 5;
    this.#autoFlushMs = opts.autoFlushMs;
    this.#now = opts.now ?? Date.now;
    this.#backoff = new BackoffTracker(opts.backoff ?? DEFAULT_BACKOFF);
    const tables = this.#fwOpts === false ? [] : markScript(buildFirewallRuleset([], this.#fwOpts).script).tables;
    this.#fw = { hash: undefined, tables, baseline: undefined, found: undefined, dirty: false, version: -1, ports: new Map(), closed: new Map() };
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
    this.#ports = next;
    this.#taps = new Set([...next.values()].map((e) => e.spec.tap));
    if (changed) this.#portsVersion++;
    this.#autoFlush();
  }

  /** The complete set of learned routes (replaces every earlier setRoute). */
  setRoutes(routes: readonly LearnedRoute[]): void {
    this.#learned.clear();
    for (const r of routes) this.#setRoute(r);
    this.#autoFlush();
  }

  /** One prefix's ECMP set; undefined or [] withdraws it. */
  setRoute(prefix: string, nextHops: readonly NextHop[] | undefined): void {
    if (nextHops === undefined || nextHops.length === 0) {
      const p = canonicalPrefix(prefix);
      this.#learned.delete(p?.dst ?? prefix);
    } else {
      this.#setRoute({ prefix, nextHops });
    }
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
  }

  /** Every source has delivered a complete view: from now on objects nobody wants are removed. */
  markInSync(): void {
    if (this.#inSync) return;
    this.#inSync = true;
    this.#autoFlush();
  }

  get inSync(): boolean {
    return this.#inSync;
  }

  // ---------------------------------------------------------------- lifecycle

  /** Prepares the kernel, reads it once, watches it and starts the periodic sweep. */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    await this.#kernel.prepare();
    this.#watch = this.#kernel.watch((e) => this.#onEvent(e));
    await this.#serial(() => this.#readAll());
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
  }

  /** One batched apply of every difference. Concurrent calls share the next run. */
  flush(): Promise<ApplyResult> {
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
    await this.#serial(() => this.#readAll());
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
    return [...this.#status.values()];
  }

  wiredPorts(): string[] {
    return [...this.#status.values()].filter((s) => s.state === 'wired').map((s) => s.id);
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

  async #readAll(): Promise<void> {
    this.#touched.clear();
    const snap = await this.#kernel.readState();
    const fresh = indexSnapshot(snap);
    const o = this.#observed;
    merge(o.links, fresh.links, (k) => this.#touched.has(linkKey(k)));
    merge(o.routes, fresh.routes, (k) => this.#touched.has(k));
    merge(o.neighbours, fresh.neighbours, (k) => this.#touched.has(k));
    merge(o.addresses, fresh.addresses, (k) => this.#touched.has(k));

    const paths: string[] = [];
    if (this.#hostSysctls) for (const [p] of HOST_SYSCTLS) paths.push(p);
    for (const [template] of TAP_SYSCTLS) paths.push(tapSysctlDefaultPath(template));
    for (const [name, link] of o.links) {
      if (!this.#taps.has(name) && !isOwnedAlias(link.alias)) continue;
      for (const [template] of TAP_SYSCTLS) paths.push(tapSysctlPath(template, name));
    }
    const values = await this.#kernel.readSysctls(paths);
    o.sysctls.clear();
    for (const [p, v] of values) o.sysctls.set(p, v);
    if (!this.#loaded) {
      for (const [template] of TAP_SYSCTLS) {
        const v = values.get(tapSysctlDefaultPath(template)) ?? TAP_SYSCTL_FALLBACKS.get(template);
        if (v !== undefined) this.#tapDefaults.set(template, v);
      }
    }

    if (this.#fw.tables.length > 0) {
      const listing = await this.#kernel.readFirewall(this.#fw.tables);
      this.#checkFirewall(listing);
    }
    this.#loaded = true;
  }

  #checkFirewall(listing: string | undefined): void {
    const fw = this.#fw;
    if (fw.hash === undefined) {
      fw.found = listing;
      return;
    }
    if (listing === undefined) {
      this.#log.warn('firewall tables missing: re-applying', { code: 'ERR_DP_FIREWALL', tables: fw.tables });
      fw.dirty = true;
    } else if (fw.baseline === undefined) {
      if (listingHasMarker(listing, fw.hash)) fw.baseline = listing;
      else {
        this.#log.warn('firewall tables are not the ruleset lagless applied: re-applying', { code: 'ERR_DP_FIREWALL' });
        fw.dirty = true;
      }
    } else if (listing !== fw.baseline) {
      this.#log.warn('firewall tables changed by hand: re-applying', { code: 'ERR_DP_FIREWALL' });
      fw.dirty = true;
      fw.baseline = undefined;
    }
  }

  // ---------------------------------------------------------------- events

  #onEvent(e: KernelEvent): void {
    if (e.type === 'lost') {
      this.#log.warn('kernel events lost: full sweep', { code: 'ERR_DP_MONITOR', reason: e.reason });
      this.#scheduleSweep();
      return;
    }
    const changed = applyEvent(this.#observed, e);
    if (changed.length === 0) return;
    const seq = ++this.#eventSeq;
    for (const k of changed) this.#touched.set(k, seq);
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
    if (!this.#loaded) await this.#readAll();
    this.#touched.clear();
    const seq0 = this.#eventSeq;
    const now = this.#now();

    // 1. validation and conflicts
    const statusErr = new Map<string, { code: string; message: string; key?: string }>();
    const usable = this.#usablePorts(statusErr);

    // 2. firewall
    const firewall = await this.#syncFirewall(usable, now);
    const toWire = new Map<string, WirablePort>();
    for (const [id, port] of usable) {
      if (this.#fwOpts === false) {
        toWire.set(id, port);
        continue;
      }
      const closed = this.#fw.closed.get(id);
      if (closed !== undefined && this.#fw.ports.get(id) === undefined) {
        statusErr.set(id, closed);
        continue;
      }
      const inForce = this.#fw.ports.get(id);
      if (inForce !== undefined) toWire.set(id, inForce.valid);
      else if (firewall === 'failed' || firewall === 'held') {
        const f = this.#backoff.get(FIREWALL_KEY);
        statusErr.set(id, { code: 'ERR_DP_FIREWALL', message: f?.error.message ?? 'firewall not applied', key: FIREWALL_KEY });
      }
    }

    // 3. desired state
    const ready: { id: string; port: WirablePort; objects: PortObjects; keys: string[] }[] = [];
    const pendingTap = new Set<string>();
    for (const [id, port] of toWire) {
      if (!this.#observed.links.has(port.tap)) {
        pendingTap.add(id);
        continue;
      }
      const { objects, keys } = this.#objectsOf(id, port);
      ready.push({ id, port, objects, keys });
    }
    const routes: ValidRoute[] = [];
    for (const v of this.#learned.values()) if (!(v instanceof DataplaneError)) routes.push(v);
    this.#routeDevs = new Set(routes.flatMap((r) => r.nextHops.flatMap((nh) => (nh.dev === undefined ? [] : [nh.dev]))));
    const desired = buildDesired({ ports: ready.map((r) => ({ id: r.id, objects: r.objects })), routes, metric: this.#metric, hostSysctls: this.#hostSysctls });
    this.#shadowed = new Set(desired.shadowed);

    // 4. plan and apply
    const plan = buildPlan({
      desired: desired.state, observed: this.#observed, inSync: this.#inSync, hold: (k) => this.#backoff.held(k, now), tapDefaults: this.#tapDefaults,
    });
    const failed: { key: string; code: string; message: string }[] = [];
    let commands = 0;
    if (plan.ops.length > 0) {
      const outcome = await this.#kernel.apply(plan.ops);
      commands = outcome.commands;
      const after = this.#now();
      if (after - this.#churnSince > CHURN_WINDOW_MS) {
        this.#churn.clear();
        this.#churnSince = after;
      }
      for (const op of plan.ops) {
        const err = outcome.failed.get(op.key);
        if (err !== undefined) {
          this.#fail(op.key, err, after, desired.owners.get(op.key));
          failed.push({ key: op.key, code: err.code, message: err.message });
          continue;
        }
        this.#record(op, seq0);
        if (op.action !== 'remove' && this.#churned(op.key)) {
          const e = new DataplaneError('ERR_DP_NOT_CONVERGING', `${op.key} was applied ${CHURN_LIMIT} times in ${CHURN_WINDOW_MS / 1000} s: something else changes it back`, { key: op.key });
          this.#fail(op.key, e, after, desired.owners.get(op.key));
          failed.push({ key: op.key, code: e.code, message: e.message });
        } else {
          this.#backoff.succeed(op.key);
        }
      }
    }
    const failedNow = new Set(failed.map((f) => f.key));
    this.#backoff.retain((k) => k === FIREWALL_KEY || desired.owners.has(k) || failedNow.has(k));

    // 5. status and events
    this.#updateStatus(statusErr, ready, pendingTap, desired.state);
    this.#scheduleRetry();
    const durationMs = performance.now() - t0;
    if (plan.ops.length > 0 || failed.length > 0) {
      this.#log.info('dataplane applied', {
        ops: plan.ops.length, ...plan.counts, untouched: plan.untouched, held: plan.held.length, failed: failed.length, commands, firewall, ms: Math.round(durationMs),
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
    };
  }

  /** Valid ports without conflicts. A duplicate tap fails every claimer; a duplicate address fails all but the wired one (else the lowest id). */
  #usablePorts(statusErr: Map<string, { code: string; message: string; key?: string }>): Map<string, WirablePort> {
    const valid: WirablePort[] = [];
    for (const [id, e] of this.#ports) {
      if (e.valid instanceof DataplaneError) statusErr.set(id, { code: e.valid.code, message: e.valid.message });
      else valid.push(e.valid);
    }
    const byTap = new Map<string, string[]>();
    for (const p of valid) byTap.set(p.tap, [...(byTap.get(p.tap) ?? []), p.id]);
    const byIp = new Map<string, string[]>();
    for (const p of valid) for (const ip of p.ips) byIp.set(ip.address, [...(byIp.get(ip.address) ?? []), p.id]);
    const out = new Map<string, WirablePort>();
    for (const p of valid) {
      const tapIds = byTap.get(p.tap) ?? [];
      if (tapIds.length > 1) {
        statusErr.set(p.id, { code: 'ERR_DP_TAP_CONFLICT', message: `tap ${p.tap} is named by ports ${tapIds.join(', ')}` });
        continue;
      }
      let lost: string | undefined;
      for (const ip of p.ips) {
        const ids = byIp.get(ip.address) ?? [];
        if (ids.length < 2) continue;
        const winner = ids.find((i) => this.#status.get(i)?.state === 'wired') ?? [...ids].sort()[0];
        if (winner !== p.id) lost = `${ip.address} belongs to port ${winner}`;
      }
      if (lost !== undefined) {
        statusErr.set(p.id, { code: 'ERR_DP_ADDRESS_CONFLICT', message: lost });
        continue;
      }
      out.set(p.id, p);
    }
    return out;
  }

  #objectsOf(id: string, port: WirablePort): { objects: PortObjects; keys: string[] } {
    const entry = this.#ports.get(id);
    if (entry !== undefined && entry.valid === port && entry.objects !== undefined && entry.keys !== undefined) {
      return { objects: entry.objects, keys: entry.keys };
    }
    const objects = portObjects(port, { metric: this.#metric, defaultGatewayV4: this.#gatewayV4, tapSysctlDefaults: this.#tapDefaults });
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

  async #syncFirewall(usable: Map<string, WirablePort>, now: number): Promise<FirewallOutcome> {
    if (this.#fwOpts === false) return 'off';
    const fw = this.#fw;
    if (!this.#inSync) return 'waiting-sync';
    if (fw.version === this.#portsVersion && !fw.dirty) return 'unchanged';
    if (this.#backoff.held(FIREWALL_KEY, now)) return 'held';
    const specs = [...this.#ports.values()].map((e) => e.spec).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    let outcome: FirewallOutcome = 'applied';
    let built;
    try {
      built = buildFirewallRuleset(specs, this.#fwOpts);
      const marked = markScript(built.script);
      if (!fw.dirty && (fw.hash === marked.hash || (fw.hash === undefined && fw.found !== undefined && listingHasMarker(fw.found, marked.hash)))) {
        if (fw.hash === undefined) fw.baseline = fw.found;
        outcome = 'unchanged';
      } else {
        await this.#kernel.applyFirewall(marked.script);
        fw.baseline = undefined;
      }
      fw.hash = marked.hash;
      fw.tables = marked.tables;
      fw.found = undefined;
      fw.dirty = false;
      fw.version = this.#portsVersion;
      this.#backoff.succeed(FIREWALL_KEY);
    } catch (err) {
      const e = err instanceof DataplaneError ? err : new DataplaneError('ERR_DP_FIREWALL', `firewall: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      const f = this.#backoff.fail(FIREWALL_KEY, e, now);
      this.#log.error('firewall apply failed; the previous ruleset stays in force', { code: e.code, attempts: f.attempts, retryInMs: f.retryAt - now, error: e.message });
      return 'failed';
    }
    // what the rules in force were built from
    const closedIds = new Set<string>();
    fw.closed = new Map();
    for (const p of built.ports) {
      if (p.mode !== 'closed') continue;
      for (const id of p.portId.split(',')) closedIds.add(id);
    }
    for (const e of built.errors) {
      if (e.portId === undefined) continue;
      closedIds.add(e.portId);
      if (!fw.closed.has(e.portId)) fw.closed.set(e.portId, { code: 'ERR_DP_PORT_FIREWALL', message: `${e.code}: ${e.message}` });
    }
    fw.ports = new Map();
    for (const [id, port] of usable) {
      if (closedIds.has(id)) {
        if (!fw.closed.has(id)) fw.closed.set(id, { code: 'ERR_DP_PORT_FIREWALL', message: 'the firewall closed this port' });
        continue;
      }
      const entry = this.#ports.get(id);
      if (entry !== undefined) fw.ports.set(id, { json: entry.json, valid: port });
    }
    return outcome;
  }

  #record(op: PlanOp, seq0: number): void {
    const touched = (this.#touched.get(op.key) ?? 0) > seq0;
    if (!touched) {
      recordOp(this.#observed, op);
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

  #fail(key: string, err: DataplaneError, now: number, owners: readonly string[] | undefined): void {
    const f = this.#backoff.fail(key, err, now);
    this.#log.warn('kernel object failed; retrying with backoff', {
      code: err.code, key, owners, attempts: f.attempts, retryInMs: f.retryAt - now, error: err.message,
    });
  }

  #scheduleRetry(): void {
    const at = this.#backoff.nextRetryAt();
    if (at === undefined) return;
    this.#scheduleFlush(Math.max(0, at - this.#now()) + 1);
  }

  #updateStatus(
    statusErr: Map<string, { code: string; message: string; key?: string }>,
    ready: readonly { id: string; port: WirablePort; keys: string[] }[],
    pendingTap: ReadonlySet<string>,
    desired: DesiredState,
  ): void {
    const next = new Map<string, PortStatus>();
    const keysOf = new Map<string, { tap: string; keys: string[] }>();
    for (const r of ready) {
      keysOf.set(r.id, { tap: r.port.tap, keys: r.keys });
      let error: PortStatus['error'];
      for (const k of r.keys) {
        const f = this.#backoff.get(k);
        if (f !== undefined) {
          error = { code: f.error.code, message: f.error.message, key: k };
          break;
        }
      }
      next.set(r.id, error === undefined ? { id: r.id, tap: r.port.tap, state: 'wired' } : { id: r.id, tap: r.port.tap, state: 'failed', error });
    }
    for (const [id, e] of this.#ports) {
      if (next.has(id)) continue;
      const err = statusErr.get(id);
      if (err !== undefined) next.set(id, { id, tap: e.spec.tap, state: 'failed', error: err });
      else next.set(id, { id, tap: e.spec.tap, state: pendingTap.has(id) ? 'pending-tap' : 'pending' });
    }
    // ports that were wired and are no longer desired: unwired once nothing of theirs is left
    for (const [id, prev] of this.#status) {
      if (this.#ports.has(id) || this.#retiring.has(id)) continue;
      if (prev.state === 'wired' || prev.state === 'failed' || prev.state === 'unwiring') {
        const known = this.#keysByPort.get(id);
        if (known !== undefined) this.#retiring.set(id, known);
      }
    }
    for (const [id, r] of this.#retiring) {
      if (this.#ports.has(id)) {
        this.#retiring.delete(id);
        continue;
      }
      if (this.#leftover(r.tap, r.keys, desired)) next.set(id, { id, tap: r.tap, state: 'unwiring' });
      else {
        this.#retiring.delete(id);
        this.emit('port-unwired', { id, tap: r.tap });
      }
    }
    for (const [id, s] of next) {
      const prev = this.#status.get(id);
      if (s.state === 'wired' && prev?.state !== 'wired') this.emit('port-wired', s);
      if (s.state === 'failed' && (prev?.state !== 'failed' || prev.error?.code !== s.error?.code)) {
        this.#log.warn('port failed', { code: s.error?.code, port: id, tap: s.tap, key: s.error?.key, error: s.error?.message });
        this.emit('port-failed', s);
      }
      if (prev?.state === 'wired' && s.state !== 'wired' && s.state !== 'unwiring' && this.#ports.has(id)) this.emit('port-unwired', { id, tap: s.tap });
    }
    for (const [id, k] of keysOf) this.#keysByPort.set(id, k);
    for (const id of this.#keysByPort.keys()) if (!keysOf.has(id) && !this.#retiring.has(id)) this.#keysByPort.delete(id);
    this.#status = next;
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
