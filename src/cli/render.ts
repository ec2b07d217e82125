// Human views of the control results (the --json views are the results themselves).
import type { PeerInfo, PortInfo, RouteInfo, Status } from '../control/protocol.js';
import { formatDuration, formatTable } from './table.js';

const problem = (p: { code: string; message: string } | null | undefined) => (p ? `${p.message} [${p.code}]` : '');

export function renderPeers(peers: readonly PeerInfo[]): string {
  if (peers.length === 0) return 'no peers configured\n';
  return formatTable(
    [
      { header: 'NAME' }, { header: 'ADDRESS' }, { header: 'ASN', align: 'right' }, { header: 'STATE' },
      { header: 'UPTIME', align: 'right' }, { header: 'RCVD', align: 'right' }, { header: 'ACCEPTED', align: 'right' },
      { header: 'SENT', align: 'right' }, { header: 'REASON' }, { header: 'LAST ERROR' },
    ],
    peers.map((p) => [
      p.name, p.address, String(p.asn), p.state, formatDuration(p.uptimeS), String(p.received), String(p.accepted), String(p.sent),
      p.reason, p.lastError ? `${problem(p.lastError)} at ${p.lastError.at}` : '',
    ]),
  );
}

export function renderRoutes(routes: readonly RouteInfo[]): string {
  if (routes.length === 0) return 'no routes\n';
  const rows: string[][] = [];
  for (const r of routes) {
    const fib = r.installed === undefined ? '' : r.installed ? 'yes' : 'no';
    if (r.paths.length === 0) rows.push([r.prefix, fib, '', '-', '', '', r.reason]);
    r.paths.forEach((p, i) => {
      const flags = `*${p.best ? '>' : p.ecmp ? '=' : ''}`;
      rows.push(i === 0 ? [r.prefix, fib, flags, p.nextHop, p.peer, p.asPath, r.reason] : ['', '', flags, p.nextHop, p.peer, p.asPath, '']);
    });
  }
  const table = formatTable(
    [{ header: 'PREFIX' }, { header: 'FIB' }, { header: 'PATH' }, { header: 'NEXT HOP' }, { header: 'PEER' }, { header: 'AS PATH' }, { header: 'REASON' }],
    rows,
  );
  return `${table}\n* valid, > best, = in the ECMP set; FIB: installed in the kernel\n`;
}

export function renderPorts(ports: readonly PortInfo[]): string {
  if (ports.length === 0) return 'no ports bound to this host\n';
  return formatTable(
    [{ header: 'ID' }, { header: 'TAP' }, { header: 'STATE' }, { header: 'ADDRESSES' }, { header: 'ERROR' }],
    ports.map((p) => [p.id, p.tap, p.state, p.addresses.join(', '), problem(p.error)]),
  );
}

export function renderStatus(s: Status): string {
  const rows: [string, string][] = [
    ['host', s.host],
    ['version', `${s.version} (pid ${s.pid})`],
    ['uptime', formatDuration(s.uptimeS)],
    ['in sync', `${s.inSync ? 'yes' : 'no: waiting for a complete view, deleting nothing'} (source: ${s.source})`],
    ['peers', `${s.peers.up}/${s.peers.total} established`],
    ['ports', `${s.ports.wired}/${s.ports.total} wired, ${s.ports.waiting} waiting for a tap, ${s.ports.failed} failed`],
  ];
  if (s.routes) rows.push(['routes', `${s.routes.announced} announced, ${s.routes.installed} installed`]);
  if (s.lastReconcile) {
    rows.push(['reconcile', `last at ${s.lastReconcile.at}, ${s.lastReconcile.durationMs} ms, ${s.lastReconcile.errors} error${s.lastReconcile.errors === 1 ? '' : 's'}`]);
  }
  if (s.sourceError) rows.push(['source', `cannot read: ${problem(s.sourceError)}`]);
  const issues = s.sourceIssues ?? [];
  if (issues.length > 0) rows.push(['skipped', `${issues.length} port entr${issues.length === 1 ? 'y' : 'ies'} of the source:`]);
  for (const i of issues) rows.push(['', `${i.path}${i.line === undefined ? '' : ` (line ${i.line})`}: ${problem(i)}`]);
  const w = Math.max(...rows.map(([k]) => k.length)) + 1;
  return rows.map(([k, v]) => `${k === '' ? ''.padEnd(w) : `${k}:`.padEnd(w)} ${v}`).join('\n') + '\n';
}
