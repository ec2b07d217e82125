// Answers `lagless show peers | routes | ports | status` from the running agent's parts.
import type { PeerInfo, PeerState, PortInfo, PortState, RouteInfo, Status, ControlProvider } from '../control/protocol.js';
import type { PeerView, RouteView } from '../bgp/speaker.js';
import type { StateName } from '../bgp/fsm/types.js';
import type { PortStatus, RouteStatus } from '../dataplane/dataplane.js';
import type { Agent } from './agent.js';

/** What the provider reads; main.ts hands in the concrete parts. */
export interface ControlSources {
  readonly host: string;
  readonly version: string;
  readonly sourceKind: string;
  readonly agent: Agent;
  readonly peers: () => readonly PeerView[];
  readonly routes: () => readonly RouteView[];
  readonly dataplanePorts: () => readonly PortStatus[];
  readonly dataplaneRoutes: () => readonly RouteStatus[];
  readonly lastReconcile: () => Status['lastReconcile'];
  /** Clock.now() of the speaker, to turn lastError.at into a wall-clock time */
  readonly now: () => number;
}

const STATE_NAMES: Readonly<Record<StateName, PeerState>> = {
  idle: 'Idle',
  connect: 'Connect',
  active: 'Active',
  'open-sent': 'OpenSent',
  'open-confirm': 'OpenConfirm',
  established: 'Established',
};

const PORT_STATES: Readonly<Record<PortStatus['state'], PortState>> = {
  wired: 'wired',
  'pending-tap': 'waiting-for-tap',
  pending: 'pending',
  failed: 'failed',
  unwiring: 'unwiring',
};

export function peerInfo(p: PeerView, now: number): PeerInfo {
  return {
    name: p.id,
    address: p.address,
    asn: p.asn,
    state: STATE_NAMES[p.state],
    reason: p.reason,
    uptimeS: p.uptimeS,
    received: p.received,
    accepted: p.accepted,
    sent: p.sent,
    lastError: p.lastError === null ? null : { code: p.lastError.code, message: p.lastError.message, at: new Date(Date.now() - (now - p.lastError.at)).toISOString() },
    ...(p.interface === undefined ? {} : { interface: p.interface }),
  };
}

export function routeInfo(r: RouteView, installed: ReadonlySet<string>): RouteInfo {
  const local = r.paths.some((p) => p.best && p.source === 'local');
  return {
    prefix: r.prefix,
    reason: r.step,
    paths: r.paths.map((p) => ({
      peer: p.source,
      nextHop: p.nextHops.join(' '),
      asPath: p.asPath,
      best: p.best,
      ecmp: p.multipath,
    })),
    ...(local ? {} : { installed: installed.has(r.prefix) }),
  };
}

export function controlProvider(s: ControlSources): ControlProvider {
  const portsNow = (): PortInfo[] => {
    const status = new Map(s.dataplanePorts().map((p) => [p.id, p]));
    return s.agent.ports.map((spec) => {
      const st = status.get(spec.id);
      const addresses = spec.fixedIps.map((ip) => `${ip.address}/${ip.prefixLen}`);
      return {
        id: spec.id,
        tap: spec.tap,
        state: st === undefined ? 'pending' : PORT_STATES[st.state],
        addresses,
        ...(st?.error === undefined ? {} : { error: { code: st.error.code, message: st.error.message } }),
      };
    });
  };
  return {
    peers: () => s.peers().map((p) => peerInfo(p, s.now())),
    routes: () => {
      const installed = new Set(s.dataplaneRoutes().filter((r) => r.state === 'installed').map((r) => r.prefix));
      return s.routes().map((r) => routeInfo(r, installed));
    },
    ports: () => portsNow(),
    status: (): Status => {
      const peers = s.peers();
      const ports = portsNow();
      const dpRoutes = s.dataplaneRoutes();
      const last = s.lastReconcile();
      return {
        host: s.host,
        version: s.version,
        pid: process.pid,
        uptimeS: Math.round((Date.now() - s.agent.startedAt) / 1000),
        inSync: s.agent.inSync,
        source: s.sourceKind,
        peers: { up: peers.filter((p) => p.state === 'established').length, total: peers.length },
        ports: {
          wired: ports.filter((p) => p.state === 'wired').length,
          waiting: ports.filter((p) => p.state === 'waiting-for-tap' || p.state === 'pending').length,
          failed: ports.filter((p) => p.state === 'failed').length,
          total: ports.length,
        },
        routes: { announced: s.agent.announcements.prefixes.length, installed: dpRoutes.filter((r) => r.state === 'installed').length },
        ...(last === undefined ? {} : { lastReconcile: last }),
        ...(s.agent.issues.length === 0 ? {} : { sourceIssues: s.agent.issues.map((i) => ({ path: i.path, code: i.code, message: i.message, ...(i.line === undefined ? {} : { line: i.line }) })) }),
        ...(s.agent.sourceError === undefined ? {} : { sourceError: s.agent.sourceError }),
      };
    },
  };
}
