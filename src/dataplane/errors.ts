// The one error type of the dataplane. `code` is stable (tests, logs and the CLI show it); `key`
// names the kernel object or port at fault so one failure can be retried and reported alone.

export type DataplaneErrorCode =
  /** a port spec the dataplane cannot wire (bad tap name, MAC, address, MTU) */
  | 'ERR_DP_PORT_INVALID'
  /** two desired ports name the same tap */
  | 'ERR_DP_TAP_CONFLICT'
  /** two desired ports claim the same VM address */
  | 'ERR_DP_ADDRESS_CONFLICT'
  /** the firewall generator closed this port (its FirewallError code is in `cause`) */
  | 'ERR_DP_PORT_FIREWALL'
  /** a learned route that cannot be installed as given (bad prefix, bad next hop) */
  | 'ERR_DP_ROUTE_INVALID'
  /** an IP address, CIDR or MAC in a call that is not valid */
  | 'ERR_DP_ARGUMENT'
  /** the kernel refused a route (message has its reason) */
  | 'ERR_DP_ROUTE'
  /** a route's place is held by a route lagless does not own: never overwritten */
  | 'ERR_DP_ROUTE_FOREIGN'
  | 'ERR_DP_NEIGH'
  | 'ERR_DP_ADDRESS'
  | 'ERR_DP_LINK'
  | 'ERR_DP_SYSCTL'
  /** the nftables ruleset could not be applied; the previous one stays in force */
  | 'ERR_DP_FIREWALL'
  /** a command could not be run or its output not understood */
  | 'ERR_DP_COMMAND'
  /** reading kernel state failed */
  | 'ERR_DP_READ'
  /** an object keeps changing back after being applied (someone else fights over it) */
  | 'ERR_DP_NOT_CONVERGING'
  /** the kernel monitor stopped; it is restarted and a full sweep repairs what was missed */
  | 'ERR_DP_MONITOR'
  /** /etc/iproute2/rt_protos.d could not be written */
  | 'ERR_DP_PROTO_REGISTER';

export interface DataplaneErrorInit {
  readonly key?: string;
  readonly portId?: string;
  readonly command?: string;
  readonly cause?: unknown;
}

export class DataplaneError extends Error {
  override readonly name = 'DataplaneError';
  readonly code: DataplaneErrorCode;
  /** the object key (see model.ts) or port id this error is about */
  readonly key: string | undefined;
  readonly portId: string | undefined;
  /** the command line (or batch line) that failed */
  readonly command: string | undefined;

  constructor(code: DataplaneErrorCode, message: string, init: DataplaneErrorInit = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = code;
    this.key = init.key;
    this.portId = init.portId;
    this.command = init.command;
  }
}
