// The agent's metrics, named in one place so the speaker, the reconciler and the sources all
// publish under the same names (and the lab and dashboards can rely on them).
import type { Counter, Gauge, Histogram, Registry } from './metrics.js';

/** lagless_bgp_peer_state values: RFC 4271 FSM states in order. */
export const PEER_STATE_VALUES = { Idle: 1, Connect: 2, Active: 3, OpenSent: 4, OpenConfirm: 5, Established: 6 } as const;

export interface AgentMetrics {
  /** {version, host} = 1 */
  readonly info: Gauge;
  /** {peer} 1 when Established, else 0 */
  readonly peerUp: Gauge;
  /** {peer} FSM state as PEER_STATE_VALUES */
  readonly peerState: Gauge;
  /** {peer} Established -> down transitions */
  readonly peerFlaps: Counter;
  /** {peer, family} prefixes received / accepted by the import filter / advertised */
  readonly prefixesReceived: Gauge;
  readonly prefixesAccepted: Gauge;
  readonly prefixesAdvertised: Gauge;
  /** routes installed in the kernel FIB, {family} */
  readonly routesInstalled: Gauge;
  /** {state}: wired, waiting-for-tap, failed */
  readonly ports: Gauge;
  /** 1 once every source delivered a complete view */
  readonly sourceInSync: Gauge;
  readonly reconcileDuration: Histogram;
  readonly reconcileRuns: Counter;
  /** {code} failed reconcile steps by error code */
  readonly reconcileErrors: Counter;
}

export function defineAgentMetrics(r: Registry): AgentMetrics {
  return {
    info: r.gauge('lagless_info', 'Agent build and host (always 1)', ['version', 'host']),
    peerUp: r.gauge('lagless_bgp_peer_up', '1 when the BGP session is Established', ['peer']),
    peerState: r.gauge('lagless_bgp_peer_state', 'BGP FSM state: 1 Idle, 2 Connect, 3 Active, 4 OpenSent, 5 OpenConfirm, 6 Established', ['peer']),
    peerFlaps: r.counter('lagless_bgp_peer_flaps_total', 'Times the session left Established', ['peer']),
    prefixesReceived: r.gauge('lagless_bgp_prefixes_received', 'Prefixes received from the peer', ['peer', 'family']),
    prefixesAccepted: r.gauge('lagless_bgp_prefixes_accepted', 'Prefixes from the peer that passed the import filter', ['peer', 'family']),
    prefixesAdvertised: r.gauge('lagless_bgp_prefixes_advertised', 'Prefixes advertised to the peer', ['peer', 'family']),
    routesInstalled: r.gauge('lagless_fib_routes', 'Learned routes installed in the kernel', ['family']),
    ports: r.gauge('lagless_ports', 'Ports bound to this host by state', ['state']),
    sourceInSync: r.gauge('lagless_source_in_sync', '1 once the port source delivered a complete view'),
    reconcileDuration: r.histogram('lagless_reconcile_duration_seconds', 'Time of one reconcile pass', [], [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]),
    reconcileRuns: r.counter('lagless_reconcile_runs_total', 'Reconcile passes'),
    reconcileErrors: r.counter('lagless_reconcile_errors_total', 'Failed reconcile steps by error code', ['code']),
  };
}
