// Sample control results and a provider that serves them: for tests of the server, client and CLI.
import type { ControlProvider, PeerInfo, PortInfo, RouteInfo, Status } from './protocol.js';

export const PEERS: PeerInfo[] = [
  { name: 'tor1', address: '10.3.0.0', asn: 4200003000, state: 'Established', reason: 'open-confirmed', uptimeS: 3725, received: 3, accepted: 1, sent: 12, lastError: null },
  { name: 'tor2', address: '10.3.0.2', asn: 4200003000, state: 'Active', reason: 'hold-timer-expired', uptimeS: null, received: 0, accepted: 0, sent: 0, lastError: { code: 'ERR_BGP_HOLD_TIMER', message: 'hold timer expired', at: '2024-05-01T10:00:00.000Z' } },
];
export const ROUTES: RouteInfo[] = [
  { prefix: '0.0.0.0/0', reason: 'multipath: 2 equal paths', installed: true, paths: [
    { peer: 'tor1', nextHop: '10.3.0.0', asPath: '4200003000 65000', best: true, ecmp: true },
    { peer: 'tor2', nextHop: '10.3.0.2', asPath: '4200003000 65000', best: false, ecmp: true },
  ] },
];
export const PORTS: PortInfo[] = [
  { id: 'p1', tap: 'tapp1', state: 'wired', addresses: ['10.64.1.15', '2001:db8::15'] },
  { id: 'p2', tap: 'tapp2', state: 'failed', addresses: ['10.64.1.16'], error: { code: 'ERR_DP_ROUTE', message: 'route add failed' } },
];
export const STATUS: Status = {
  host: 'hv1', version: '0.1.0', pid: 1234, uptimeS: 90061, inSync: true, source: 'file',
  peers: { up: 1, total: 2 }, ports: { wired: 1, waiting: 0, failed: 1, total: 2 },
};
export const provider = (over: Partial<ControlProvider> = {}): ControlProvider => ({
  peers: () => PEERS,
  routes: async () => ROUTES,
  ports: () => PORTS,
  status: () => STATUS,
  ...over,
});

