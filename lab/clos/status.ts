// `lab status`: what each node of a running lab says about itself right now: routers' BGP
// sessions (from their own CLI), hypervisors (agent alive and its status, or FRR's sessions; the
// kernel's default route and its next hops), VMs. collectStatus reads; renderStatus is pure.
import { existsSync } from 'node:fs';
import type { Status } from '../../src/control/protocol.js';
import { formatDuration, formatTable } from '../../src/cli/table.js';
import { isRunning } from '../proc.js';
import { agentStatus, birdSessions, defaultNextHops, frrSessions, type SessionRow } from './probe.js';
import type { LabState } from './state.js';
import { allVms, linksOf, routers } from './topology.js';

export interface RouterStatus {
  readonly name: string;
  readonly role: string;
  readonly rack: string | null;
  readonly daemon: string;
  readonly asn: number;
  readonly namespace: string;
  readonly sessions: readonly SessionRow[];
  /** why sessions could not be read (daemon down, ...) */
  readonly error: string | null;
}

export interface HypervisorStatus {
  readonly name: string;
  readonly rack: string;
  readonly kind: string;
  readonly asn: number;
  readonly loopback: readonly string[];
  readonly namespace: string;
  readonly uplinks: number;
  /** kind lagless: the agent's pid and whether it runs */
  readonly agentPid: number | null;
  readonly agentRunning: boolean | null;
  /** kind lagless: the agent's own status, when it answers */
  readonly agent: Status | null;
  /** kind frr: FRR's sessions */
  readonly sessions: readonly SessionRow[] | null;
  readonly error: string | null;
  readonly defaultRoute: { readonly ipv4: readonly string[]; readonly ipv6: readonly string[] };
  readonly socket: string | null;
  readonly logFile: string | null;
}

export interface VmStatus {
  readonly name: string;
  readonly hypervisor: string;
  readonly ipv4: string;
  readonly ipv6: string;
  readonly mac: string;
  readonly tap: string;
  readonly namespace: string;
}

export interface LabStatus {
  readonly name: string;
  readonly phase: string;
  readonly createdAt: string;
  readonly buildMs: number | null;
  readonly dir: string;
  readonly routers: readonly RouterStatus[];
  readonly hypervisors: readonly HypervisorStatus[];
  readonly vms: readonly VmStatus[];
}

export async function collectStatus(s: LabState): Promise<LabStatus> {
  const t = s.topology;
  const ns = (node: string) => s.namespaces[node] ?? '';
  const asnOf = new Map<string, number>([...routers(t), ...t.hypervisors].map((n) => [n.name, n.asn]));
  const routerRows = await Promise.all(
    routers(t).map(async (r): Promise<RouterStatus> => {
      const a = s.routers[r.name];
      let sessions: SessionRow[] = [];
      let error: string | null = null;
      try {
        if (a === undefined) throw new Error('never started');
        sessions = a.daemon === 'frr' ? await frrSessions(a.vtyDir) : await birdSessions(a.socket);
        // birdc does not print the neighbour's AS in a form worth parsing: the topology knows it
        sessions = sessions.map((x) => (x.asn === null ? { ...x, asn: asnOf.get(x.peer) ?? null } : x));
      } catch (err) {
        error = (err as Error).message.split('\n')[0] ?? 'unreadable';
      }
      return { name: r.name, role: r.role, rack: r.rack, daemon: r.daemon, asn: r.asn, namespace: ns(r.name), sessions, error };
    }),
  );
  const hvRows = await Promise.all(
    t.hypervisors.map(async (h): Promise<HypervisorStatus> => {
      const a = s.hypervisors[h.name];
      const [v4, v6] = await Promise.all([defaultNextHops(ns(h.name), 4), defaultNextHops(ns(h.name), 6)]);
      let agentPid: number | null = null;
      let agentRunning: boolean | null = null;
      let agent: Status | null = null;
      let sessions: SessionRow[] | null = null;
      let error: string | null = null;
      if (a === undefined) error = 'never started';
      else if (a.kind === 'lagless') {
        agentPid = s.processes.find((p) => p.label === `lagless agent ${h.name}`)?.pid ?? null;
        agentRunning = agentPid !== null && isRunning(agentPid);
        if (a.socket !== undefined && existsSync(a.socket)) {
          const r = await agentStatus(a.socket);
          if (r.ok) agent = r.status;
          else error = r.error;
        } else error = 'no control socket';
      } else if (a.vtyDir !== undefined) {
        try {
          sessions = await frrSessions(a.vtyDir);
        } catch (err) {
          error = (err as Error).message.split('\n')[0] ?? 'unreadable';
        }
      }
      return {
        name: h.name,
        rack: h.rack,
        kind: h.kind,
        asn: h.asn,
        loopback: [h.loopback4, h.loopback6],
        namespace: ns(h.name),
        uplinks: linksOf(t, h.name).length,
        agentPid,
        agentRunning,
        agent,
        sessions,
        error,
        defaultRoute: { ipv4: v4, ipv6: v6 },
        socket: a?.socket ?? null,
        logFile: a?.logFile ?? null,
      };
    }),
  );
  const vms = allVms(t).map((v): VmStatus => ({ name: v.name, hypervisor: v.hypervisor, ipv4: v.ipv4, ipv6: v.ipv6, mac: v.mac, tap: v.tap, namespace: ns(v.name) }));
  return { name: s.name, phase: s.phase, createdAt: s.createdAt, buildMs: s.buildMs ?? null, dir: s.dir, routers: routerRows, hypervisors: hvRows, vms };
}

const established = (rows: readonly SessionRow[]) => rows.filter((r) => r.state === 'established').length;

export function renderStatus(st: LabStatus): string {
  const out: string[] = [];
  const built = st.buildMs === null ? '' : `, built in ${(st.buildMs / 1000).toFixed(1)} s`;
  out.push(`lab ${st.name}: ${st.phase} since ${st.createdAt}${built} (${st.dir})`, '');

  out.push(
    formatTable(
      [{ header: 'ROUTER' }, { header: 'ROLE' }, { header: 'RACK' }, { header: 'DAEMON' }, { header: 'ASN', align: 'right' }, { header: 'SESSIONS' }],
      st.routers.map((r) => [r.name, r.role, r.rack ?? '-', r.daemon, String(r.asn), r.error ?? `${established(r.sessions)}/${r.sessions.length} established`]),
    ),
  );
  const sessionRows = st.routers.flatMap((r) =>
    r.sessions.map((x) => [r.name, x.peer, x.address, x.asn === null ? '' : String(x.asn), x.state, formatDuration(x.uptimeS), x.received === null ? '' : String(x.received)]),
  );
  if (sessionRows.length > 0) {
    out.push(
      formatTable(
        [{ header: 'ROUTER' }, { header: 'PEER' }, { header: 'ADDRESS' }, { header: 'ASN', align: 'right' }, { header: 'STATE' }, { header: 'UP', align: 'right' }, { header: 'RCVD', align: 'right' }],
        sessionRows,
      ),
    );
  }

  out.push(
    formatTable(
      [{ header: 'HYPERVISOR' }, { header: 'RACK' }, { header: 'KIND' }, { header: 'ASN', align: 'right' }, { header: 'LOOPBACK' }, { header: 'RUNS' }, { header: 'SESSIONS' }, { header: 'PORTS' }, { header: 'DEFAULT ROUTE (ECMP)' }],
      st.hypervisors.map((h) => {
        const runs = h.kind === 'lagless' ? (h.agentPid === null ? 'agent ?' : `agent ${h.agentPid}${h.agentRunning ? '' : ' (gone)'}`) : 'frr';
        const sessions = h.agent ? `${h.agent.peers.up}/${h.agent.peers.total}` : h.sessions ? `${established(h.sessions)}/${h.sessions.length}` : '-';
        const ports = h.agent ? `${h.agent.ports.wired}/${h.agent.ports.total} wired` : h.kind === 'frr' ? 'by script' : '-';
        const ecmp = `v4 ${h.defaultRoute.ipv4.length}/${h.uplinks}, v6 ${h.defaultRoute.ipv6.length}/${h.uplinks} next hops`;
        return [h.name, h.rack, h.kind, String(h.asn), h.loopback[0] ?? '', runs, h.error ? `${sessions} (${h.error})` : sessions, ports, ecmp];
      }),
    ),
  );
  out.push(
    formatTable(
      [{ header: 'VM' }, { header: 'HYPERVISOR' }, { header: 'IPV4' }, { header: 'IPV6' }, { header: 'MAC' }, { header: 'TAP' }],
      st.vms.map((v) => [v.name, v.hypervisor, v.ipv4, v.ipv6, v.mac, v.tap]),
    ),
  );
  return out.join('\n');
}
