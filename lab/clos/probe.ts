// Reading a running lab: BGP sessions from each daemon's own CLI (vtysh JSON, birdc), kernel routes
// from `ip -j`, the agent's status from its control socket. Used to wait for convergence and by
// `lab status`. Parsers are pure and exported for tests.
import { callControl } from '../../src/control/client.js';
import type { Status } from '../../src/control/protocol.js';
import { run } from '../proc.js';
import { parseBirdProtocols } from '../routers/bird.js';
import { normalizePeerState, type PeerState } from '../routers/spec.js';

export interface SessionRow {
  /** the node at the other end (from the daemon's description), else the address */
  readonly peer: string;
  readonly address: string;
  readonly asn: number | null;
  readonly state: PeerState;
  /** seconds established, when the daemon says */
  readonly uptimeS: number | null;
  /** prefixes received (IPv4 + IPv6), when the daemon says */
  readonly received: number | null;
}

/** FRR `show bgp summary json` (both families) -> one row per neighbour. */
export function parseFrrSummary(json: unknown): SessionRow[] {
  const rows = new Map<string, { peer: string; address: string; asn: number | null; state: PeerState; uptimeS: number | null; received: number | null }>();
  if (typeof json !== 'object' || json === null) return [];
  for (const fam of ['ipv4Unicast', 'ipv6Unicast']) {
    const peers = (json as Record<string, { peers?: Record<string, Record<string, unknown>> } | undefined>)[fam]?.peers ?? {};
    for (const [address, p] of Object.entries(peers)) {
      const state = normalizePeerState(String(p.state ?? ''));
      const up = typeof p.peerUptimeMsec === 'number' && state === 'established' ? Math.floor(p.peerUptimeMsec / 1000) : null;
      const rcvd = typeof p.pfxRcd === 'number' ? p.pfxRcd : null;
      const prev = rows.get(address);
      if (prev) {
        if (rcvd !== null) prev.received = (prev.received ?? 0) + rcvd;
        continue;
      }
      rows.set(address, {
        peer: typeof p.desc === 'string' && p.desc !== '' ? p.desc : address,
        address,
        asn: typeof p.remoteAs === 'number' ? p.remoteAs : null,
        state,
        uptimeS: up,
        received: rcvd,
      });
    }
  }
  return [...rows.values()];
}

export async function frrSessions(vtyDir: string): Promise<SessionRow[]> {
  const r = await run(['vtysh', '--vty_socket', vtyDir, '-c', 'show bgp summary json'], { allowFail: true, timeoutMs: 10_000 });
  if (r.code !== 0) throw new Error(`vtysh (${vtyDir}): ${(r.stderr || r.stdout).trim()}`);
  return parseFrrSummary(JSON.parse(r.stdout));
}

export async function birdSessions(socket: string): Promise<SessionRow[]> {
  const r = await run(['birdc', '-s', socket, 'show protocols all'], { allowFail: true, timeoutMs: 10_000 });
  if (r.code !== 0) throw new Error(`birdc (${socket}): ${(r.stderr || r.stdout).trim()}`);
  return parseBirdProtocols(r.stdout)
    .filter((p) => p.proto === 'BGP')
    .map((p) => ({
      peer: p.name.replace(/^bgp_/, ''),
      address: p.neighborAddress ?? '',
      asn: null,
      state: p.bgpState ? normalizePeerState(p.bgpState) : 'unknown',
      uptimeS: null,
      received: null,
    }));
}

export interface KernelRoute {
  readonly dst: string;
  /** next hop gateways ("dev X" when there is none), one per path */
  readonly nextHops: readonly string[];
  readonly protocol: string;
}

/** `ip -j route show` -> routes; multipath routes list each next hop. */
export function parseIpRoutes(json: unknown): KernelRoute[] {
  if (!Array.isArray(json)) return [];
  return json.map((r: Record<string, unknown>) => {
    const hop = (h: Record<string, unknown>) => (typeof h.gateway === 'string' ? `${h.gateway} dev ${String(h.dev ?? '?')}` : `dev ${String(h.dev ?? '?')}`);
    const nexthops = Array.isArray(r.nexthops) ? (r.nexthops as Record<string, unknown>[]).map(hop) : [hop(r)];
    return { dst: String(r.dst ?? ''), nextHops: nexthops, protocol: String(r.protocol ?? '') };
  });
}

/** The kernel's routes in namespace `ns` (main table) for one family. */
export async function kernelRoutes(ns: string, family: 4 | 6, selector: readonly string[] = []): Promise<KernelRoute[]> {
  const r = await run(['ip', '-n', ns, '-j', `-${family}`, 'route', 'show', ...selector], { allowFail: true });
  if (r.code !== 0 || r.stdout.trim() === '') return [];
  return parseIpRoutes(JSON.parse(r.stdout));
}

/** The next hops of the default route (0.0.0.0/0 or ::/0) in `ns`; [] when there is none. */
export async function defaultNextHops(ns: string, family: 4 | 6): Promise<readonly string[]> {
  const routes = await kernelRoutes(ns, family, ['default']);
  return routes.find((r) => r.dst === 'default')?.nextHops ?? [];
}

/** The agent's status, or the error that says why there is none. */
export async function agentStatus(socket: string): Promise<{ ok: true; status: Status } | { ok: false; error: string }> {
  try {
    return { ok: true, status: await callControl(socket, 'status', undefined, { timeoutMs: 2000 }) };
  } catch (err) {
    const e = err as Error & { code?: string };
    return { ok: false, error: `${e.message}${e.code ? ` [${e.code}]` : ''}` };
  }
}
