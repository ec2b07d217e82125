// The `neutron` source: the ports bound to this host, as Neutron describes them, for the taps that
// exist here. What a Neutron L2 agent does, minus the L2:
//
//   tap<11 chars of the port id> appears  -> get_devices_details_list_and_failed_devices (bursts
//                                            coalesced into one call) -> the port joins the set
//   the agent says the port is reachable  -> update_device_up (Neutron sets it ACTIVE)
//   the tap disappears                    -> the port leaves the set -> once it is no longer
//                                            announced: update_device_down
//   port_update / binding / network_update -> the local ports concerned are fetched again
//   port_delete                           -> the port leaves the set at once
//   connected, reconnected, revived       -> full resync: every local tap fetched again (in
//                                            batches); 'in-sync' after the first one
//
// Each agent asks only for its own devices, by name; nothing is fanned out to every agent (design
// §6). A device Neutron describes badly is an issue for that port alone, retried with backoff; a
// tap Neutron knows nothing about (or binds elsewhere) is ignored, logged once. While the broker or
// neutron-server is away the last set stands: nothing is unwired for want of an answer.
import { EventEmitter } from 'node:events';
import { tapNameForPort, type PortSpec } from '../../dataplane/port.js';
import { silentLogger, type Logger } from '../../lib/log.js';
import { formatPath, type PathSegment } from '../../lib/schema.js';
import { SourceError, type Source, type SourceEvents, type SourceIssue } from '../source.js';
import { backoffDelay, type BackoffOptions } from './backoff.js';
import { DeviceStatusReporter } from './device-status.js';
import type { NeutronError } from './errors.js';
import type { DeviceResult, NeutronPort } from './mapping.js';
import type { Notification } from './messages.js';
import type { NeutronRpcLike, Reachability, TapWatcher } from './source-seams.js';

/** Nova's tap names: "tap" + the first 11 characters of a (lower-case) port UUID. */
export const TAP_RE = /^tap[0-9a-f]{8}-[0-9a-f]{2}$/;

export interface NeutronSourceOptions {
  readonly rpc: NeutronRpcLike;
  readonly taps: TapWatcher;
  /** the agent's reachability (a function: the agent is made after its source) */
  readonly reachability: () => Reachability;
  /** report_state's configurations: BGP peers' states, wired devices (agentConfigurations) */
  readonly configurations: () => Readonly<Record<string, unknown>>;
  readonly logger?: Logger;
  /** devices per get_devices_details call; default 100 */
  readonly batchSize?: number;
  /** quiet time after a tap appears before fetching, so a burst goes in one call; default 10 ms */
  readonly coalesceMs?: number;
  /** retry delays for a device Neutron could not describe, and for failed calls; default 1 s doubling to 60 s */
  readonly retry?: BackoffOptions;
  readonly random?: () => number;
}

/** What arrived from Neutron's fanouts, per kind (shown in logs and status). */
export interface NotificationRecord {
  readonly count: number;
  readonly lastAt: string;
  /** the port or network the last one was about, when it names one */
  readonly lastAbout?: string;
}

export interface NeutronSourceStatus {
  readonly connected: boolean;
  readonly inSync: boolean;
  /** local taps that look like Nova's */
  readonly taps: number;
  readonly ports: number;
  readonly issues: number;
  /** ports whose up/down Neutron was not told yet */
  readonly pendingDeviceUpdates: number;
  readonly resyncs: number;
  readonly lastResync: { readonly at: string; readonly durationMs: number; readonly devices: number } | undefined;
  readonly lastReport: { readonly at: string; readonly status: string } | undefined;
  readonly notifications: Readonly<Record<string, NotificationRecord>>;
}

const DEFAULT_RETRY: BackoffOptions = { initialMs: 1000, maxMs: 60_000, factor: 2, jitter: 0.2 };
/** how many deleted port ids are remembered (a fetch in flight when the delete arrived must not bring one back) */
const DELETED_MEMORY = 1000;

export class NeutronSource extends EventEmitter<SourceEvents> implements Source {
  readonly kind = 'neutron';
  readonly #rpc: NeutronRpcLike;
  readonly #watcher: TapWatcher;
  readonly #reachabilityOf: () => Reachability;
  readonly #configurations: () => Readonly<Record<string, unknown>>;
  readonly #log: Logger;
  readonly #batchSize: number;
  readonly #coalesceMs: number;
  readonly #retry: BackoffOptions;
  readonly #random: () => number;
  readonly #status: DeviceStatusReporter;
  #reach: Reachability | undefined;

  /** local taps (Nova-named), as the watcher reports them */
  readonly #taps = new Set<string>();
  /** the desired set, by tap */
  readonly #ports = new Map<string, NeutronPort>();
  readonly #issues = new Map<string, SourceIssue>();
  /** per tap: failed attempts and the retry timer */
  readonly #retries = new Map<string, { attempt: number; timer: NodeJS.Timeout | undefined }>();
  readonly #absentLogged = new Set<string>();
  readonly #deleted = new Set<string>();
  /** ports that left the set while still announced: down once the agent says they are not */
  readonly #leaving = new Set<string>();
  readonly #notifications = new Map<string, NotificationRecord>();

  #pending = new Set<string>();
  #resyncWanted = false;
  #callFailures = 0;
  #workTimer: NodeJS.Timeout | undefined;
  #backoffTimer: NodeJS.Timeout | undefined;
  #working: Promise<void> | undefined;
  #running = false;
  #inSync = false;
  #reportingStarted = false;
  #lastDelivered: string | undefined;
  #resyncs = 0;
  #lastResync: NeutronSourceStatus['lastResync'];
  #lastReport: NeutronSourceStatus['lastReport'];
  #lastProblem: string | undefined;

  constructor(opts: NeutronSourceOptions) {
    super();
    this.#rpc = opts.rpc;
    this.#watcher = opts.taps;
    this.#reachabilityOf = opts.reachability;
    this.#configurations = opts.configurations;
    this.#log = (opts.logger ?? silentLogger).child({ source: 'neutron', host: opts.rpc.host });
    this.#batchSize = Math.max(1, opts.batchSize ?? 100);
    this.#coalesceMs = opts.coalesceMs ?? 10;
    this.#retry = opts.retry ?? DEFAULT_RETRY;
    this.#random = opts.random ?? Math.random;
    this.#status = new DeviceStatusReporter({
      send: (up, down) => this.#rpc.updateDeviceList(up, down),
      logger: this.#log,
      backoff: this.#retry,
      random: this.#random,
    });
  }

  get inSync(): boolean {
    return this.#inSync;
  }

  /** For logs, tests and `lagless show status`. */
  status(): NeutronSourceStatus {
    return {
      connected: this.#rpc.isConnected,
      inSync: this.#inSync,
      taps: this.#taps.size,
      ports: this.#ports.size,
      issues: this.#issues.size,
      pendingDeviceUpdates: this.#status.pending,
      resyncs: this.#resyncs,
      lastResync: this.#lastResync,
      lastReport: this.#lastReport,
      notifications: Object.fromEntries(this.#notifications),
    };
  }

  /** Connects (in the background; nothing waits for the broker) and starts following the taps. */
  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    this.#reach = this.#reachabilityOf();
    this.#reach.on('port-reachable', this.#onReachable);
    this.#reach.on('port-unreachable', this.#onUnreachable);
    this.#watcher.on('link', this.#onLink);
    for (const name of this.#watcher.links()) if (TAP_RE.test(name)) this.#taps.add(name);
    this.#log.info('neutron source starting', { taps: this.#taps.size });

    const rpc = this.#rpc;
    rpc.on('connected', () => {
      this.#log.info('connected to the message broker: full resync');
      if (!this.#reportingStarted) {
        // report before anything else: Neutron binds ports only to hosts with a live agent
        this.#reportingStarted = true;
        rpc.startReporting(this.#configurations);
      }
      this.resync();
    });
    rpc.on('reconnected', () => {
      this.#log.info('reconnected to the message broker: full resync (notifications may have been missed)');
      this.resync();
    });
    rpc.on('revived', () => {
      this.#log.warn('neutron-server had considered this agent dead: full resync');
      this.resync();
    });
    rpc.on('disconnected', (err) =>
      this.#problem(new SourceError('ERR_SOURCE_NEUTRON_DISCONNECTED', `lost the message broker (${err.message}); keeping the last set of ports`, [], { cause: err })),
    );
    rpc.on('connect-failed', (f) =>
      this.#problem(
        new SourceError('ERR_SOURCE_NEUTRON_CONNECT', `cannot reach the message broker (attempt ${f.attempt}, next in ${f.delayMs} ms): ${f.error.message}`, [], { cause: f.error }),
        `connect ${f.error.message}`,
      ),
    );
    rpc.on('message-error', (err) => this.#log.warn('a message from neutron-server was dropped', { err }));
    rpc.on('report', (s) => {
      if (this.#lastReport?.status !== s) this.#log.info('state reported to neutron-server', { status: s });
      this.#lastReport = { at: new Date().toISOString(), status: s };
    });
    rpc.on('report-error', (err) => this.#log.warn('report_state failed', { err }));
    rpc.on('notification', (n) => this.#onNotification(n));
    rpc.start();
  }

  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    this.#watcher.off('link', this.#onLink);
    this.#reach?.off('port-reachable', this.#onReachable);
    this.#reach?.off('port-unreachable', this.#onUnreachable);
    clearTimeout(this.#workTimer);
    clearTimeout(this.#backoffTimer);
    for (const r of this.#retries.values()) clearTimeout(r.timer);
    this.#retries.clear();
    await this.#working?.catch(() => {});
    await this.#status.stop();
    await this.#rpc.stop();
    this.#rpc.removeAllListeners();
  }

  /** Fetches every local tap again (what a reconnect does), now: a pending backoff is cut short. */
  resync(): void {
    this.#resyncWanted = true;
    this.#callFailures = 0;
    clearTimeout(this.#backoffTimer);
    this.#backoffTimer = undefined;
    this.#scheduleWork(0);
  }

  // ---------------------------------------------------------------- inputs

  readonly #onLink = (l: { readonly name: string; readonly present: boolean }): void => {
    if (!this.#running || !TAP_RE.test(l.name)) return;
    if (l.present) {
      this.#taps.add(l.name);
      this.#fetch(l.name);
      return;
    }
    this.#taps.delete(l.name);
    this.#pending.delete(l.name);
    this.#clearRetry(l.name);
    this.#absentLogged.delete(l.name);
    const hadIssue = this.#issues.delete(l.name);
    const port = this.#ports.get(l.name);
    if (port !== undefined) {
      this.#log.info('tap removed: port leaves the set', { port: port.spec.id, tap: l.name });
      this.#drop(l.name, port, 'down');
    }
    if (port !== undefined || hadIssue) this.#deliver();
  };

  readonly #onReachable = (id: string): void => {
    if (this.#portById(id) !== undefined) this.#status.want(id, 'up');
  };

  readonly #onUnreachable = (id: string): void => {
    if (this.#leaving.delete(id)) {
      this.#log.info('port withdrawn: reporting it down', { port: id });
      this.#status.want(id, 'down');
      return;
    }
    // still desired but no longer announced (e.g. rewiring): an up not yet sent is not sent
    if (this.#status.wanted(id) === 'up' && this.#status.told(id) !== 'up') this.#status.unwant(id);
  };

  #onNotification(n: Notification): void {
    const about = 'portId' in n ? n.portId : 'networkId' in n ? n.networkId : undefined;
    const prev = this.#notifications.get(n.kind);
    this.#notifications.set(n.kind, { count: (prev?.count ?? 0) + 1, lastAt: new Date().toISOString(), ...(about === undefined ? {} : { lastAbout: about }) });
    switch (n.kind) {
      case 'port_update': {
        const tap = tapNameForPort(n.portId);
        const local = this.#taps.has(tap);
        this.#log.info('port_update', { port: n.portId, local });
        if (local) this.#fetch(tap);
        return;
      }
      case 'port_delete': {
        const tap = tapNameForPort(n.portId);
        const port = this.#ports.get(tap);
        const local = this.#taps.has(tap) || port !== undefined;
        this.#log.info('port_delete', { port: n.portId, local });
        this.#deleted.add(n.portId);
        if (this.#deleted.size > DELETED_MEMORY) this.#deleted.delete(this.#deleted.values().next().value as string);
        this.#pending.delete(tap);
        this.#clearRetry(tap);
        const hadIssue = this.#issues.delete(tap);
        this.#status.forget(n.portId);
        this.#leaving.delete(n.portId);
        if (port !== undefined && port.spec.id === n.portId) this.#drop(tap, port, 'nothing');
        if (port !== undefined || hadIssue) this.#deliver();
        return;
      }
      case 'binding_activate':
      case 'binding_deactivate': {
        const tap = tapNameForPort(n.portId);
        const local = this.#taps.has(tap);
        this.#log.info(n.kind, { port: n.portId, host: n.host, local });
        if (local && n.host === this.#rpc.host) this.#fetch(tap);
        return;
      }
      case 'network_update': {
        const taps = [...this.#ports].filter(([, p]) => p.networkId === n.networkId).map(([tap]) => tap);
        this.#log.info('network_update', { network: n.networkId, localPorts: taps.length });
        for (const tap of taps) this.#fetch(tap);
        return;
      }
      case 'network_delete':
        this.#log.info('network_delete', { network: n.networkId });
        return;
      case 'security_groups_rule_updated':
      case 'security_groups_member_updated':
        // recorded only: security group enforcement comes with a later issue
        this.#log.info(n.kind, { securityGroups: n.securityGroups });
        return;
      case 'other':
        this.#log.info('notification not acted on', { method: n.method });
        return;
    }
  }

  // ---------------------------------------------------------------- fetching

  /** Asks for this tap's port soon (coalesced with others). */
  #fetch(tap: string): void {
    this.#pending.add(tap);
    this.#scheduleWork(this.#coalesceMs);
  }

  #scheduleWork(delayMs: number): void {
    if (!this.#running || this.#working !== undefined) return; // the running loop picks it up
    if (this.#workTimer !== undefined) {
      if (delayMs > 0) return;
      clearTimeout(this.#workTimer);
    }
    this.#workTimer = setTimeout(() => {
      this.#workTimer = undefined;
      this.#working = this.#work().finally(() => {
        this.#working = undefined;
        // what arrived between the loop's last look and now
        const left = this.#resyncWanted || this.#pending.size > 0;
        if (left && this.#backoffTimer === undefined && this.#rpc.isConnected) this.#scheduleWork(this.#coalesceMs);
      });
    }, delayMs);
  }

  /** One fetch at a time: resyncs first, then taps that appeared or changed, until nothing is left. */
  async #work(): Promise<void> {
    while (this.#running && (this.#resyncWanted || this.#pending.size > 0)) {
      if (!this.#rpc.isConnected) {
        // the reconnect brings a full resync; until then the last set stands
        this.#resyncWanted = true;
        return;
      }
      const full = this.#resyncWanted;
      const taps = full ? [...this.#taps] : [...this.#pending].filter((t) => this.#taps.has(t));
      if (full) this.#resyncWanted = false;
      for (const t of taps) this.#pending.delete(t);
      if (!full) for (const t of [...this.#pending]) if (!this.#taps.has(t)) this.#pending.delete(t);
      const t0 = Date.now();
      try {
        await this.#fetchAll(taps, full);
      } catch (err) {
        this.#callFailures++;
        if (full) this.#resyncWanted = true;
        else for (const t of taps) this.#pending.add(t);
        const e = err as NeutronError;
        this.#problem(new SourceError('ERR_SOURCE_NEUTRON_RPC', `${full ? 'full resync' : `fetching ${taps.length} device(s)`} failed (${e.code ?? e.name}: ${e.message}); keeping the last set of ports, retrying`, [], { cause: err }));
        if (this.#rpc.isConnected) {
          clearTimeout(this.#backoffTimer);
          this.#backoffTimer = setTimeout(() => {
            this.#backoffTimer = undefined;
            this.#scheduleWork(0);
          }, backoffDelay(this.#callFailures, this.#retry, this.#random));
        }
        return;
      }
      this.#callFailures = 0;
      this.#lastProblem = undefined;
      if (taps.length > 0) this.#log.info('devices fetched', { full, count: taps.length, devices: taps.slice(0, 20), durationMs: Date.now() - t0 });
      if (full) {
        this.#resyncs++;
        this.#lastResync = { at: new Date(t0).toISOString(), durationMs: Date.now() - t0, devices: taps.length };
        this.#log.info('full resync done', { devices: taps.length, ports: this.#ports.size, issues: this.#issues.size, durationMs: Date.now() - t0 });
      }
    }
  }

  /** getPorts in batches; a failed call throws (nothing is applied from a partial resync). */
  async #fetchAll(taps: readonly string[], full: boolean): Promise<void> {
    const results: DeviceResult[] = [];
    for (let i = 0; i < taps.length; i += this.#batchSize) {
      results.push(...(await this.#rpc.getPorts(taps.slice(i, i + this.#batchSize))));
    }
    if (!this.#running) return;
    let changed = false;
    if (full) {
      // ports whose tap went away while nobody was listening
      for (const [tap, port] of [...this.#ports]) {
        if (this.#taps.has(tap)) continue;
        this.#drop(tap, port, 'down');
        changed = true;
      }
    }
    for (const r of results) if (this.#apply(r)) changed = true;
    if (changed || full) this.#deliver();
    if (full && !this.#inSync) {
      this.#inSync = true;
      this.#log.info('in sync with neutron-server', { ports: this.#ports.size, issues: this.#issues.size });
      this.emit('in-sync');
    }
  }

  /** One device's answer; whether the set or its issues changed. */
  #apply(r: DeviceResult): boolean {
    const tap = r.device;
    if (!this.#taps.has(tap)) return false; // removed while the call was out
    const prev = this.#ports.get(tap);
    switch (r.kind) {
      case 'port': {
        const { spec, adminStateUp } = r.port;
        if (this.#deleted.has(spec.id)) return false;
        this.#clearRetry(tap);
        this.#absentLogged.delete(tap);
        const hadIssue = this.#issues.delete(tap);
        if (!adminStateUp) {
          this.#log.info('port is administratively down: not wired', { port: spec.id, tap });
          if (prev !== undefined) this.#drop(tap, prev, 'down');
          return prev !== undefined || hadIssue;
        }
        this.#ports.set(tap, r.port);
        this.#leaving.delete(spec.id);
        // Neutron set the port to BUILD when it described it: tell it again once reachable
        this.#status.reset(spec.id);
        if (this.#reach?.isReachable(spec.id) === true) this.#status.want(spec.id, 'up');
        else this.#status.unwant(spec.id);
        return hadIssue || prev === undefined || JSON.stringify(prev.spec) !== JSON.stringify(spec);
      }
      case 'absent': {
        this.#clearRetry(tap);
        const hadIssue = this.#issues.delete(tap);
        if (!this.#absentLogged.has(tap)) {
          this.#absentLogged.add(tap);
          this.#log.info(r.reason === 'no-active-binding' ? 'tap ignored: its port is not active on this host' : 'tap ignored: neutron-server knows no port bound here for it', { tap, reason: r.reason });
        }
        if (prev !== undefined) this.#drop(tap, prev, 'down');
        return prev !== undefined || hadIssue;
      }
      case 'error': {
        const issue = issueOf(tap, r.error);
        const prevIssue = this.#issues.get(tap);
        this.#issues.set(tap, issue);
        const attempt = (this.#retries.get(tap)?.attempt ?? 0) + 1;
        const delay = backoffDelay(attempt, this.#retry, this.#random);
        if (prevIssue?.code !== issue.code || prevIssue.message !== issue.message) {
          this.#log.warn('neutron-server described a device lagless cannot use; retrying', {
            tap,
            code: issue.code,
            error: issue.message,
            keeping: prev !== undefined ? 'the last good description' : 'nothing',
            retryMs: delay,
          });
        }
        this.#clearRetry(tap);
        const timer = setTimeout(() => {
          const r = this.#retries.get(tap);
          if (r !== undefined) r.timer = undefined;
          if (this.#taps.has(tap)) this.#fetch(tap);
        }, delay);
        timer.unref();
        this.#retries.set(tap, { attempt, timer });
        return prevIssue?.code !== issue.code || prevIssue.message !== issue.message;
      }
    }
  }

  /** The port leaves the set; `then`: tell Neutron it is down (once no longer announced), or nothing (deleted). */
  #drop(tap: string, port: NeutronPort, then: 'down' | 'nothing'): void {
    this.#ports.delete(tap);
    const id = port.spec.id;
    if (then === 'nothing') return;
    this.#status.unwant(id);
    // the agent withdraws it when it sees the new set; update_device_down after that
    if (this.#reach?.isReachable(id) === true) this.#leaving.add(id);
    else this.#status.want(id, 'down');
  }

  #clearRetry(tap: string): void {
    const r = this.#retries.get(tap);
    if (r === undefined) return;
    clearTimeout(r.timer);
    this.#retries.delete(tap);
  }

  #portById(id: string): NeutronPort | undefined {
    const port = this.#ports.get(tapNameForPort(id));
    return port?.spec.id === id ? port : undefined;
  }

  // ---------------------------------------------------------------- output

  #deliver(): void {
    if (!this.#running) return;
    const ports: PortSpec[] = [...this.#ports.values()].map((p) => p.spec).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const issues = [...this.#issues.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const key = JSON.stringify([ports, issues]);
    if (key === this.#lastDelivered) return;
    this.#lastDelivered = key;
    this.#log.info('ports', { ports: ports.length, issues: issues.length });
    this.emit('ports', ports, issues);
  }

  /** Logs and reports a problem of the source as a whole, once per distinct problem in a row. */
  #problem(err: SourceError, key = `${err.code} ${err.message}`): void {
    if (!this.#running || key === this.#lastProblem) return;
    this.#lastProblem = key;
    this.#log.warn(err.message, { code: err.code });
    if (this.listenerCount('error') > 0) this.emit('error', err);
  }
}

/** A device Neutron described badly, as a source issue: "devices.tap1234abcd-ef.fixed_ips.0.ip_address". */
export function issueOf(tap: string, err: NeutronError): SourceIssue {
  const segments: PathSegment[] = ['devices', tap, ...(err.field === undefined || err.field === '' ? [] : err.field.split('.').map((s) => (/^\d+$/.test(s) ? Number(s) : s)))];
  return { path: formatPath(segments), segments, code: err.code, message: err.message };
}
