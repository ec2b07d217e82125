// The interfaces the agent sees (style.md: `agent` never imports linux/ or neutron/). main.ts
// hands in the concrete Speaker, Dataplane and Source; unit tests hand in fakes.
import type { Prefix } from '../bgp/wire/types.js';
import type { LocalRoute } from '../bgp/rib/index.js';
import type { PortSpec } from '../dataplane/port.js';
import type { ApplyResult, PortStatus, RouteStatus } from '../dataplane/dataplane.js';
import type { NextHop as DpNextHop } from '../dataplane/model.js';

/** A learned route's ECMP set as the speaker reports it for the kernel. */
export interface FibRoute {
  readonly ecmp: readonly { readonly via: string; readonly dev?: string; readonly peer?: string }[];
}

/** The BGP speaker, as the agent uses it. */
export interface RouteSpeaker {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** the complete set of routes this host originates; the speaker diffs */
  setAnnouncements(routes: readonly LocalRoute[]): unknown;
  /** the prefix's current announcement has been written to every Established peer */
  isAnnounced(prefix: Prefix): boolean;
  on(event: 'route', listener: (prefix: Prefix, route: FibRoute | undefined) => void): this;
  on(event: 'sent', listener: () => void): this;
  on(event: 'peer-state', listener: (peer: string, change: { readonly to: string }) => void): this;
}

/** The kernel side, as the agent uses it (the Dataplane class satisfies it). */
export interface PortDataplane {
  start(): Promise<void>;
  stop(): Promise<void>;
  setPorts(ports: readonly PortSpec[]): void;
  setRoute(prefix: string, nextHops: readonly DpNextHop[] | undefined): void;
  /** the port source is in sync: port objects nobody wants may be removed */
  markInSync(): void;
  readonly inSync: boolean;
  /** routing converged: learned routes nobody announces any more may be removed */
  markRoutesInSync(): void;
  readonly routesInSync: boolean;
  flush(): Promise<ApplyResult>;
  portStatus(id: string): PortStatus | undefined;
  ports(): PortStatus[];
  routes(): RouteStatus[];
  on(event: 'port-wired' | 'port-failed', listener: (status: PortStatus) => void): this;
  on(event: 'port-unwired', listener: (port: { readonly id: string; readonly tap: string }) => void): this;
}
