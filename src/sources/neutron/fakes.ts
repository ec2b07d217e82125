// In-repo fakes of the neutron source's seams, for unit tests: a Neutron that answers from a table
// of ports, a host whose taps the test adds and removes, and an agent whose reachability the test
// sets. No I/O.
import { EventEmitter } from 'node:events';
import { tapNameForPort, type PortSpec } from '../../dataplane/port.js';
import { NeutronError } from './errors.js';
import type { DeviceResult } from './mapping.js';
import type { AgentStatus, DeviceListReply, Notification } from './messages.js';
import type { NeutronRpcLike, Reachability, TapWatcher } from './source-seams.js';

export interface FakePort {
  readonly spec: PortSpec;
  readonly networkId?: string;
  readonly adminStateUp?: boolean;
}

/**
 * Neutron for one host: `ports` is what is bound here (by port id); `errors` makes a device's
 * description fail (by tap); `failCalls` makes whole calls fail. Every call is recorded.
 */
export class FakeNeutronRpc extends EventEmitter implements NeutronRpcLike {
  readonly host: string;
  isConnected = false;
  started = false;
  stopped = false;
  readonly ports = new Map<string, FakePort>();
  /** tap -> the error its description gives */
  readonly errors = new Map<string, NeutronError>();
  /** taps whose port is bound to another host */
  readonly elsewhere = new Set<string>();
  /** every getPorts call's devices */
  readonly fetches: string[][] = [];
  /** every update_device_list call */
  readonly updates: { up: string[]; down: string[] }[] = [];
  /** calls fail with this while set */
  failCalls: NeutronError | undefined;
  /** devices update_device_list reports as failed while listed */
  readonly failDevices = new Set<string>();
  reports = 0;
  #everConnected = false;
  #configurations: (() => Readonly<Record<string, unknown>>) | undefined;
  /** resolves the next getPorts only when the test calls release() (when set) */
  #gate: { promise: Promise<void>; release: () => void } | undefined;

  constructor(host = 'hv1') {
    super();
    this.host = host;
  }

  start(): void {
    this.started = true;
  }
  async stop(): Promise<void> {
    this.stopped = true;
    this.isConnected = false;
  }
  startReporting(configurations: () => Readonly<Record<string, unknown>>): void {
    this.#configurations = configurations;
    this.report();
  }
  /** One report_state: what the configurations say now. */
  report(status: AgentStatus = this.reports === 0 ? 'new' : 'alive'): Readonly<Record<string, unknown>> | undefined {
    this.reports++;
    const c = this.#configurations?.();
    this.emit('report', status);
    if (status === 'revived') this.emit('revived');
    return c;
  }

  // ---- test controls
  /** The connection comes up: 'connected' the first time, 'reconnected' after. */
  connect(): void {
    const again = this.#everConnected;
    this.#everConnected = true;
    this.isConnected = true;
    this.emit(again ? 'reconnected' : 'connected');
  }
  disconnect(): void {
    this.isConnected = false;
    this.emit('disconnected', new Error('fake: connection lost'));
  }
  bind(spec: PortSpec, extra: Omit<FakePort, 'spec'> = {}): void {
    this.ports.set(spec.id, { spec, ...extra });
  }
  notify(n: Notification): void {
    this.emit('notification', n);
  }
  /** Holds every getPorts until release(). */
  hold(): void {
    let release = () => {};
    const promise = new Promise<void>((r) => (release = r));
    this.#gate = { promise, release };
  }
  release(): void {
    const g = this.#gate;
    this.#gate = undefined;
    g?.release();
  }

  // ---- the RPC
  async getPorts(devices: readonly string[]): Promise<DeviceResult[]> {
    this.fetches.push([...devices]);
    if (this.#gate) await this.#gate.promise;
    if (!this.isConnected) throw new NeutronError('ERR_AMQP_NOT_CONNECTED', 'fake: not connected');
    if (this.failCalls) throw this.failCalls;
    return devices.map((device): DeviceResult => {
      const err = this.errors.get(device);
      if (err) return { kind: 'error', device, error: err };
      if (this.elsewhere.has(device)) return { kind: 'absent', device, reason: 'not-found' };
      const p = [...this.ports.values()].find((x) => tapNameForPort(x.spec.id) === device);
      if (p === undefined) return { kind: 'absent', device, reason: 'not-found' };
      return {
        kind: 'port',
        device,
        port: { device, spec: p.spec, networkId: p.networkId ?? 'net-1', adminStateUp: p.adminStateUp ?? true, deviceOwner: 'compute:nova' },
      };
    });
  }

  async updateDeviceList(up: readonly string[], down: readonly string[]): Promise<DeviceListReply> {
    if (!this.isConnected) throw new NeutronError('ERR_AMQP_NOT_CONNECTED', 'fake: not connected');
    if (this.failCalls) throw this.failCalls;
    this.updates.push({ up: [...up], down: [...down] });
    const failedUp = up.filter((d) => this.failDevices.has(d));
    const failedDown = down.filter((d) => this.failDevices.has(d));
    return {
      devicesUp: up.filter((d) => !failedUp.includes(d)),
      failedDevicesUp: failedUp,
      devicesDown: down.filter((d) => !failedDown.includes(d)).map((device) => ({ device, exists: true })),
      failedDevicesDown: failedDown,
    };
  }

  /** The devices reported up / down so far, in order. */
  get ups(): string[] {
    return this.updates.flatMap((u) => u.up);
  }
  get downs(): string[] {
    return this.updates.flatMap((u) => u.down);
  }
}

/** A host's interfaces, added and removed by the test. */
export class FakeTapWatcher extends EventEmitter implements TapWatcher {
  readonly #links = new Set<string>(['lo', 'eth0']);
  links(): string[] {
    return [...this.#links];
  }
  add(name: string): void {
    if (this.#links.has(name)) return;
    this.#links.add(name);
    this.emit('link', { name, present: true });
  }
  remove(name: string): void {
    if (!this.#links.delete(name)) return;
    this.emit('link', { name, present: false });
  }
}

/** The agent's reachability, set by the test (events as the Agent emits them). */
export class FakeReachability extends EventEmitter implements Reachability {
  readonly #reachable = new Set<string>();
  isReachable(id: string): boolean {
    return this.#reachable.has(id);
  }
  set(id: string, reachable: boolean): void {
    if (reachable === this.#reachable.has(id)) return;
    if (reachable) this.#reachable.add(id);
    else this.#reachable.delete(id);
    this.emit(reachable ? 'port-reachable' : 'port-unreachable', id);
  }
}
