// Plan ops as iproute2 batch lines and sysctl shell scripts, and the results read back from their
// output. Pure: no processes here (linux-kernel.ts runs them).
//
// Facts about iproute2 6.1 this relies on (checked on this machine):
//   - `ip -force -batch -` runs every line even after failures; each failure prints its message(s)
//     on stderr followed by "Command failed -:LINE"
//   - a per-line "-6" is not accepted in a batch: the family comes from the addresses
//   - `route add` is exclusive (EEXIST when anything holds (dst, metric)); `route del ... proto P`
//     only deletes a route of protocol P
//   - `link set dev X alias ""` clears the alias
import type { NextHop, Route } from '../model.js';
import { LAGLESS_PROTO } from '../model.js';
import type { PlanOp } from '../plan.js';
import { DataplaneError, type DataplaneErrorCode } from '../errors.js';

const SAFE_PATH = /^[A-Za-z0-9_.\/-]+$/;
const SAFE_VALUE = /^-?[0-9]+$/;

const isV6 = (address: string): boolean => address.includes(':');

function nextHopText(dstV6: boolean, nh: NextHop): string {
  const parts: string[] = [];
  if (nh.via !== undefined) parts.push('via', !dstV6 && isV6(nh.via) ? `inet6 ${nh.via}` : nh.via);
  if (nh.dev !== undefined) parts.push('dev', nh.dev);
  return parts.join(' ');
}

export function routeArgs(r: Route, proto: number = LAGLESS_PROTO): string {
  const v6 = isV6(r.dst);
  const head = `${r.dst} proto ${proto} metric ${r.metric}`;
  const [only] = r.nextHops;
  if (r.nextHops.length === 1 && only !== undefined) return `${head} ${nextHopText(v6, only)}`;
  return `${head} ${r.nextHops.map((nh) => `nexthop ${nextHopText(v6, nh)}`).join(' ')}`;
}

/** The batch line for an op that is not a sysctl. */
export function batchLine(op: Exclude<PlanOp, { kind: 'sysctl' }>, proto: number = LAGLESS_PROTO): string {
  switch (op.kind) {
    case 'link': {
      const l = op.link;
      if (op.action === 'remove') return `link set dev ${l.name} alias ""`;
      return `link set dev ${l.name} up${l.mtu === undefined ? '' : ` mtu ${l.mtu}`} alias ${l.alias}`;
    }
    case 'addr': {
      const a = op.addr;
      if (op.action === 'remove') return `address del ${a.address}/${a.prefixLen} dev ${a.dev}`;
      const extra = isV6(a.address) ? ' nodad' : a.label !== undefined ? ` label ${a.label}` : '';
      return `address add ${a.address}/${a.prefixLen} dev ${a.dev}${extra}`;
    }
    case 'neigh': {
      const n = op.neigh;
      if (op.action === 'remove') return n.proxy ? `neigh del proxy ${n.address} dev ${n.dev}` : `neigh del ${n.address} dev ${n.dev}`;
      return n.proxy ? `neigh replace proxy ${n.address} dev ${n.dev}` : `neigh replace ${n.address} lladdr ${n.lladdr} dev ${n.dev} nud permanent`;
    }
    case 'route': {
      if (op.action === 'remove') return `route del ${op.route.dst} proto ${proto} metric ${op.route.metric}`;
      return `route ${op.action === 'add' ? 'add' : 'replace'} ${routeArgs(op.route, proto)}`;
    }
  }
}

/** Per failing batch line (1-based): the error text ip printed for it. */
export function parseBatchErrors(stderr: string): Map<number, string> {
  const out = new Map<number, string>();
  let pending: string[] = [];
  for (const line of stderr.split('\n')) {
    const m = /^Command failed (?:-|\S+):(\d+)\s*$/.exec(line);
    if (m?.[1] !== undefined) {
      out.set(Number(m[1]), pending.join('; ') || 'failed');
      pending = [];
    } else if (line.trim() !== '') {
      pending.push(line.trim());
    }
  }
  return out;
}

/** Removing something that is already gone is done, not failed. */
export function isAlreadyGone(message: string): boolean {
  return /No such process|No such file or directory|Cannot assign requested address|Cannot find device|No such device|does not exist/i.test(message);
}

export function errorFor(op: PlanOp, message: string): DataplaneError {
  let code: DataplaneErrorCode;
  switch (op.kind) {
    case 'route':
      code = op.action === 'add' && /File exists/.test(message) ? 'ERR_DP_ROUTE_FOREIGN' : 'ERR_DP_ROUTE';
      break;
    case 'neigh':
      code = 'ERR_DP_NEIGH';
      break;
    case 'addr':
      code = 'ERR_DP_ADDRESS';
      break;
    case 'link':
      code = 'ERR_DP_LINK';
      break;
    case 'sysctl':
      code = 'ERR_DP_SYSCTL';
      break;
  }
  const what = code === 'ERR_DP_ROUTE_FOREIGN' ? `a route lagless does not own holds ${op.key}` : `${op.kind} ${op.action} ${op.key}`;
  return new DataplaneError(code, `${what}: ${message}`, { key: op.key });
}

// ---------------------------------------------------------------- sysctls through sh

/**
 * A sh script writing each value; prints "F <index>" for a write that failed on a file that
 * exists. A missing file (its interface is gone) prints nothing: the sysctl went with it.
 */
export function sysctlWriteScript(writes: readonly { path: string; value: string }[]): string {
  const lines = ['w() { echo "$2" 2>/dev/null > "/proc/sys/$1" || { [ -e "/proc/sys/$1" ] && echo "F $3"; }; }'];
  writes.forEach((w, i) => {
    if (!SAFE_PATH.test(w.path) || !SAFE_VALUE.test(w.value)) throw new DataplaneError('ERR_DP_SYSCTL', `unsafe sysctl ${JSON.stringify(w.path)}=${JSON.stringify(w.value)}`);
    lines.push(`w ${w.path} ${w.value} ${i}`);
  });
  lines.push('exit 0', '');
  return lines.join('\n');
}

export function parseSysctlWriteFailures(stdout: string): Set<number> {
  const out = new Set<number>();
  for (const m of stdout.matchAll(/^F (\d+)$/gm)) out.add(Number(m[1]));
  return out;
}

/** A sh script printing "<path> <value>" for each readable path. */
export function sysctlReadScript(paths: readonly string[]): string {
  // dash reads byte by byte and /proc/sys returns EOF for any read past offset 0, so `read`
  // exits 1 without seeing the newline, having read the value: test the value, not the status
  const lines = ['r() { v=; read -r v 2>/dev/null < "/proc/sys/$1"; [ -n "$v" ] && echo "$1 $v"; }'];
  for (const p of paths) {
    if (!SAFE_PATH.test(p)) throw new DataplaneError('ERR_DP_SYSCTL', `unsafe sysctl path ${JSON.stringify(p)}`);
    lines.push(`r ${p}`);
  }
  lines.push('exit 0', '');
  return lines.join('\n');
}

export function parseSysctlRead(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const sp = line.indexOf(' ');
    if (sp <= 0) continue;
    out.set(line.slice(0, sp), line.slice(sp + 1).trim());
  }
  return out;
}
