// iproute2 output -> model values: `ip -json ...` for reads, `ip -o monitor label ...` lines for
// events. Pure. Formats are iproute2 6.1's (examples in parse.test.ts were captured on this machine).
import type { Address, Neighbour, NextHop, ObservedLink, Route } from '../model.js';
import { LAGLESS_PROTO, LAGLESS_PROTO_NAME, nextHopOrder } from '../model.js';
import type { KernelEvent } from '../kernel.js';
import { DataplaneError } from '../errors.js';

type Json = Record<string, unknown>;

function parseArray(text: string, what: string): Json[] {
  const t = text.trim();
  if (t === '') return [];
  try {
    const v: unknown = JSON.parse(t);
    if (!Array.isArray(v)) throw new Error('not an array');
    return v.filter((x): x is Json => typeof x === 'object' && x !== null);
  } catch (e) {
    throw new DataplaneError('ERR_DP_READ', `cannot parse ${what}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

/** `ip -json link show` */
export function parseLinks(text: string): ObservedLink[] {
  const out: ObservedLink[] = [];
  for (const j of parseArray(text, 'ip link')) {
    const name = str(j['ifname']);
    const ifindex = num(j['ifindex']);
    if (name === undefined || ifindex === undefined) continue;
    const flags = Array.isArray(j['flags']) ? (j['flags'] as unknown[]) : [];
    out.push({ name, ifindex, mtu: num(j['mtu']) ?? 0, up: flags.includes('UP'), alias: str(j['ifalias']) });
  }
  return out;
}

function dstOf(dst: string, family: 4 | 6): string {
  if (dst === 'default') return family === 4 ? '0.0.0.0/0' : '::/0';
  return dst.includes('/') ? dst : `${dst}/${family === 4 ? 32 : 128}`;
}

function jsonNextHop(j: Json): NextHop {
  const via = j['via'];
  const gw = str(j['gateway']) ?? (typeof via === 'object' && via !== null ? str((via as Json)['host']) : undefined);
  const dev = str(j['dev']);
  return { ...(gw === undefined ? {} : { via: gw }), ...(dev === undefined ? {} : { dev }) };
}

/** `ip -json [-6] route show table main proto N` (the filter leaves the protocol out of the output) */
export function parseRoutes(text: string, family: 4 | 6): Route[] {
  const out: Route[] = [];
  for (const j of parseArray(text, 'ip route')) {
    const dst = str(j['dst']);
    if (dst === undefined) continue;
    const type = str(j['type']);
    if (type !== undefined && type !== 'unicast') continue;
    const hops = Array.isArray(j['nexthops'])
      ? (j['nexthops'] as unknown[]).filter((x): x is Json => typeof x === 'object' && x !== null).map(jsonNextHop)
      : [jsonNextHop(j)];
    out.push({ dst: dstOf(dst, family), metric: num(j['metric']) ?? 0, nextHops: hops.sort(nextHopOrder) });
  }
  return out;
}

/** `ip -json neigh show nud permanent` and `ip -json neigh show proxy` */
export function parseNeighbours(text: string, proxy: boolean): Neighbour[] {
  const out: Neighbour[] = [];
  for (const j of parseArray(text, 'ip neigh')) {
    const address = str(j['dst']);
    const dev = str(j['dev']);
    if (address === undefined || dev === undefined) continue;
    if (proxy) out.push({ dev, address, lladdr: undefined, proxy: true });
    else {
      const state = Array.isArray(j['state']) ? (j['state'] as unknown[]) : [];
      if (!state.includes('PERMANENT')) continue;
      out.push({ dev, address, lladdr: str(j['lladdr']), proxy: false });
    }
  }
  return out;
}

/** `ip -json address show ...` */
export function parseAddresses(text: string): Address[] {
  const out: Address[] = [];
  for (const j of parseArray(text, 'ip address')) {
    const dev = str(j['ifname']);
    if (dev === undefined || !Array.isArray(j['addr_info'])) continue;
    for (const a of j['addr_info'] as unknown[]) {
      if (typeof a !== 'object' || a === null) continue;
      const info = a as Json;
      const address = str(info['local']);
      const prefixLen = num(info['prefixlen']);
      if (address === undefined || prefixLen === undefined) continue;
      const label = str(info['label']);
      out.push(label === undefined ? { dev, address, prefixLen } : { dev, address, prefixLen, label });
    }
  }
  return out;
}

// ---------------------------------------------------------------- monitor lines

const ROUTE_TYPES = new Set(['unicast', 'local', 'broadcast', 'multicast', 'unreachable', 'prohibit', 'blackhole', 'throw', 'anycast', 'nat']);
const isOurProto = (p: string | undefined, proto: number): boolean => p === String(proto) || (proto === LAGLESS_PROTO && p === LAGLESS_PROTO_NAME);

/**
 * One line of `ip -o monitor label link address route neigh` -> an event, or undefined for lines
 * lagless does not need (other tables, local/broadcast routes, NSID ...).
 */
export function parseMonitorLine(line: string, proto: number = LAGLESS_PROTO): KernelEvent | undefined {
  const m = /^\[(LINK|ADDR|ROUTE|NEIGH)\](.*)$/.exec(line);
  if (m?.[1] === undefined || m[2] === undefined) return undefined;
  let rest = m[2];
  const deleted = rest.startsWith('Deleted ');
  if (deleted) rest = rest.slice('Deleted '.length);
  switch (m[1]) {
    case 'LINK':
      return parseLinkLine(rest, deleted);
    case 'ADDR':
      return parseAddrLine(rest, deleted);
    case 'ROUTE':
      return parseRouteLine(rest, deleted, proto);
    case 'NEIGH':
      return parseNeighLine(rest, deleted);
  }
  return undefined;
}

function parseLinkLine(rest: string, deleted: boolean): KernelEvent | undefined {
  const m = /^(\d+): ([^\s:@]+)(?:@[^:\s]*)?: <([^>]*)>(?:.*? mtu (\d+))?/.exec(rest);
  if (m?.[1] === undefined || m[2] === undefined) return undefined;
  const flags = (m[3] ?? '').split(',');
  return { type: 'link', deleted, ifindex: Number(m[1]), name: m[2], up: flags.includes('UP'), mtu: Number(m[4] ?? 0), lowerUp: flags.includes('LOWER_UP') };
}

function parseAddrLine(rest: string, deleted: boolean): KernelEvent | undefined {
  const first = rest.split('\\')[0] ?? '';
  const m = /^\d+: (\S+)\s+(inet6?) ([0-9a-fA-F:.]+)\/(\d+)(.*)$/.exec(first.trim());
  if (m?.[1] === undefined || m[3] === undefined || m[4] === undefined) return undefined;
  const dev = m[1];
  const tail = (m[5] ?? '').trim().split(/\s+/).filter((t) => t !== '');
  if (m[2] === 'inet' && tail.includes('peer')) return undefined;
  const label = m[2] === 'inet' ? tail.at(-1) : undefined;
  const addr: Address = label === undefined || label === 'global' || label === 'host' || label === 'link' ? { dev, address: m[3], prefixLen: Number(m[4]) } : { dev, address: m[3], prefixLen: Number(m[4]), label };
  return { type: 'addr', deleted, addr };
}

/** Keys that take a value in `ip route` output (so their value is skipped). */
const ROUTE_VALUE_KEYS = new Set(['scope', 'src', 'weight', 'pref', 'expires', 'realm', 'realms', 'mtu', 'advmss', 'rtt', 'rttvar', 'hoplimit', 'initcwnd', 'initrwnd', 'quickack', 'features', 'congctl', 'from', 'tos', 'dsfield', 'nhid', 'encap', 'ttl-propagate', 'error', 'cache', 'window', 'ssthresh', 'cwnd', 'reordering', 'rto_min', 'fastopen_no_cookie', 'as', 'to']);

function parseRouteLine(rest: string, deleted: boolean, proto: number): KernelEvent | undefined {
  // most route events are the kernel's own (local, broadcast, multicast routes in table local)
  // for every interface that comes up: skip them before tokenizing
  if (rest.includes(' table ') && !rest.includes(' table main ')) return undefined;
  const tokens = rest.replace(/\\/g, ' ').split(/\s+/).filter((t) => t !== '');
  let i = 0;
  if (tokens[0] !== undefined && ROUTE_TYPES.has(tokens[0])) {
    if (tokens[0] !== 'unicast') return undefined;
    i = 1;
  }
  const rawDst = tokens[i++];
  if (rawDst === undefined) return undefined;
  const family: 4 | 6 = rawDst.includes(':') || tokens.includes('pref') ? 6 : 4;
  let table = 'main';
  let routeProto: string | undefined;
  let metric = 0;
  const top: { via?: string; dev?: string } = {};
  const hops: { via?: string; dev?: string }[] = [];
  let cur = top;
  for (; i < tokens.length; i++) {
    const t = tokens[i] as string;
    const next = tokens[i + 1];
    if (t === 'nexthop') {
      cur = {};
      hops.push(cur);
    } else if (t === 'via') {
      if (next === 'inet6' || next === 'inet') i++;
      cur.via = tokens[++i];
    } else if (t === 'dev') {
      cur.dev = next;
      i++;
    } else if (t === 'proto') {
      routeProto = next;
      i++;
    } else if (t === 'metric') {
      metric = Number(next);
      i++;
    } else if (t === 'table') {
      table = next ?? '';
      i++;
    } else if (ROUTE_VALUE_KEYS.has(t)) {
      i++;
    }
  }
  if (table !== 'main' && table !== '254') return undefined;
  const list = (hops.length > 0 ? hops : [top]).map((h): NextHop => ({ ...(h.via === undefined ? {} : { via: h.via }), ...(h.dev === undefined ? {} : { dev: h.dev }) }));
  const route: Route = { dst: dstOf(rawDst, family), metric: Number.isFinite(metric) ? metric : 0, nextHops: list.sort(nextHopOrder) };
  return { type: 'route', deleted, owned: isOurProto(routeProto, proto), route };
}

function parseNeighLine(rest: string, deleted: boolean): KernelEvent | undefined {
  if (rest.endsWith('NOARP ') || rest.endsWith('NOARP')) return undefined; // multicast entries
  const tokens = rest.replace(/\\/g, ' ').split(/\s+/).filter((t) => t !== '');
  let proxy = false;
  if (tokens[0] === 'proxy') {
    proxy = true;
    tokens.shift();
  }
  if (tokens[0] === 'miss') return undefined;
  const address = tokens[0];
  const devAt = tokens.indexOf('dev');
  const dev = devAt === -1 ? undefined : tokens[devAt + 1];
  if (address === undefined || dev === undefined) return undefined;
  if (proxy) return { type: 'neigh', deleted, permanent: true, neigh: { dev, address, lladdr: undefined, proxy: true } };
  const llAt = tokens.indexOf('lladdr');
  const lladdr = llAt === -1 ? undefined : tokens[llAt + 1];
  return { type: 'neigh', deleted, permanent: tokens.includes('PERMANENT'), neigh: { dev, address, lladdr, proxy: false } };
}
