// The agent's configuration after validation: every default applied, addresses canonical.
// Pure value types. What each field means and its default is documented here and in
// examples/agent.yaml; src/config/schema.ts is the one place that reads them.

import type { LogLevel } from '../lib/log.js';
export type { LogLevel };
export type AddressFamily = 'ipv4' | 'ipv6';

/** One BGP session to a ToR over one uplink interface. */
export interface UplinkConfig {
  /** shown by `lagless show peers` and used in logs and metrics; default: the interface name */
  readonly name: string;
  /** the local interface the uplink is cabled to, e.g. "eth0" */
  readonly interface: string;
  /** the ToR's address on the link (IPv4, IPv6, or IPv6 link-local scoped to `interface`) */
  readonly peer: string;
  readonly peerAsn: number;
  /** the local address to connect from; null: let the kernel choose */
  readonly localAddress: string | null;
  /** TCP port of the peer (and of our listener); default 179 */
  readonly port: number;
  /**
   * Seconds; default 9 with keepalive 3 and connectRetry 10, FRR's "datacenter" profile. An uplink
   * is a point-to-point link in one building: RFC 4271's suggested 90 s hold time leaves traffic
   * black-holed for minutes when a ToR dies silently without BFD (measured: 177 s with FRR defaults).
   */
  readonly holdTime: number;
  /** seconds; default holdTime / 3 (0 when holdTime is 0) */
  readonly keepalive: number;
  readonly connectRetry: number;
  /** wait for the peer to connect; never connect out */
  readonly passive: boolean;
  /** address families negotiated on the session; default both */
  readonly families: readonly AddressFamily[];
}

/** Accept a learned prefix whose length is in ge..le and that lies inside `prefix` (like FRR's prefix lists). */
export interface ImportPrefix {
  /** network, canonical "addr/len" */
  readonly prefix: string;
  /** shortest accepted length; written or derived (the prefix's own length) */
  readonly ge: number;
  /** longest accepted length; derived: the family maximum when only ge is given, else ge */
  readonly le: number;
}

export interface ImportConfig {
  /** default: the default routes only, 0.0.0.0/0 and ::/0 exact */
  readonly prefixes: readonly ImportPrefix[];
  /** a peer that sends more accepted prefixes than this is shut down (Cease, max prefixes); default 1000 */
  readonly maxPrefixes: number;
}

export interface ExportConfig {
  /** only VM addresses inside one of these networks are announced (the loopback always is) */
  readonly pools: readonly string[];
}

export interface MultipathConfig {
  /** most next hops in one installed ECMP route; default 16 */
  readonly maxPaths: number;
  /** paths through different neighbour ASNs may share a route (multipath-relax); default true */
  readonly relax: boolean;
}

export interface FileSourceConfig {
  readonly type: 'file';
  /** a YAML or JSON file of ports (examples/ports.yaml), watched; relative paths are from the config file's directory */
  readonly path: string;
}

export interface NeutronSourceConfig {
  readonly type: 'neutron';
  /** oslo.messaging transport URL, e.g. "rabbit://user:pass@10.0.0.1:5672/" */
  readonly transportUrl: string;
  /** the host name Neutron binds ports to; default: the top-level `host` */
  readonly host: string;
  /** seconds between report_state calls; default 30 */
  readonly reportInterval: number;
  /** seconds an RPC call to neutron-server may take before it fails and is retried; default 60 */
  readonly rpcTimeout: number;
}

export type SourceConfig = FileSourceConfig | NeutronSourceConfig;

export interface DataplaneConfig {
  /** for labs: the network namespace the agent's kernel objects live in; null: the agent's own */
  readonly netns: string | null;
  /** the metadata service address VMs reach; default 169.254.169.254, null: no metadata */
  readonly metadataAddress: string | null;
  /** the gateway given to VMs whose subnet has none, put as a /32 on lo; default 169.254.1.1 */
  readonly gatewayV4: string;
}

export interface ControlConfig {
  /** Unix socket for `lagless show`; default /run/lagless/agent.sock */
  readonly socket: string;
}

export interface LoggingConfig {
  /** default "info"; logs are JSON lines on stderr */
  readonly level: LogLevel;
}

export interface MetricsConfig {
  /** "address:port" ("[v6]:port" for IPv6) serving Prometheus /metrics; default null: off */
  readonly listen: string | null;
}

export interface AgentConfig {
  /** this hypervisor's name as Neutron knows it; default: the machine's host name */
  readonly host: string;
  readonly asn: number;
  /** BGP identifier; default: the first IPv4 loopback address */
  readonly routerId: string;
  /** the hypervisor's own addresses, announced as /32 and /128; default none */
  readonly loopback: readonly string[];
  readonly uplinks: readonly UplinkConfig[];
  readonly export: ExportConfig;
  readonly import: ImportConfig;
  readonly multipath: MultipathConfig;
  readonly source: SourceConfig;
  readonly dataplane: DataplaneConfig;
  readonly control: ControlConfig;
  readonly logging: LoggingConfig;
  readonly metrics: MetricsConfig;
}
