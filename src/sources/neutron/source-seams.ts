// What the neutron source needs from the rest of the agent, as interfaces (main.ts hands in the
// real ones: NeutronAgentRpc, the Dataplane, the Agent; unit tests hand in fakes.ts).
import type { DeviceResult } from './mapping.js';
import type { AgentStatus, DeviceListReply, Notification } from './messages.js';
import type { ConnectFailure } from './amqp.js';

/** Neutron's L2-agent RPC (NeutronAgentRpc). */
export interface NeutronRpcLike {
  readonly host: string;
  readonly isConnected: boolean;
  /** starts connecting; reconnects with backoff until stop() */
  start(): void;
  stop(): Promise<void>;
  /** report_state now and on a timer */
  startReporting(configurations: () => Readonly<Record<string, unknown>>): void;
  /** one DeviceResult per device asked for; throws only when the call fails */
  getPorts(devices: readonly string[]): Promise<DeviceResult[]>;
  updateDeviceList(up: readonly string[], down: readonly string[]): Promise<DeviceListReply>;
  on(event: 'connected' | 'reconnected' | 'revived', listener: () => void): this;
  on(event: 'disconnected' | 'message-error' | 'report-error', listener: (err: Error) => void): this;
  on(event: 'connect-failed', listener: (f: ConnectFailure) => void): this;
  on(event: 'notification', listener: (n: Notification) => void): this;
  on(event: 'report', listener: (s: AgentStatus) => void): this;
  removeAllListeners(): this;
}

/** Which network interfaces exist on this host, and when that changes (the Dataplane). */
export interface TapWatcher {
  links(): readonly string[];
  on(event: 'link', listener: (l: { readonly name: string; readonly present: boolean }) => void): this;
  off(event: 'link', listener: (l: { readonly name: string; readonly present: boolean }) => void): this;
}

/**
 * Whether a port is reachable: wired and its /32 and /128 written to every Established uplink
 * (the Agent). Only then does Neutron hear that the device is up.
 */
export interface Reachability {
  isReachable(id: string): boolean;
  on(event: 'port-reachable' | 'port-unreachable', listener: (id: string) => void): this;
  off(event: 'port-reachable' | 'port-unreachable', listener: (id: string) => void): this;
}
