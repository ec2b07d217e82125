// What the hypervisor announces: a host route (/32, /128) for every address of every wired port
// that lies inside an export pool, plus the hypervisor's loopback addresses. Pure.
//
// Allowed address pairs: a pair that is a host address (bare, /32 or /128) inside an export pool
// is announced like a fixed IP (the dataplane routes it to the tap, so return traffic from the
// fabric reaches the VM); it counts for the port's reachability too. Pairs that are prefixes are
// only routed locally (export is host routes only), and pairs outside the pools are left out
// without a warning (a pair may be meant only as a source the VM may use).
import { cidrContains, parseCidr } from '../lib/ip.js';
import { parsePrefix, type Prefix } from '../bgp/wire/index.js';
import type { PortSpec } from '../dataplane/port.js';

export interface Announcements {
  /** every host prefix to announce, deduplicated, in a stable order */
  readonly prefixes: readonly Prefix[];
  /** per port id: the prefixes it contributes (what must be announced before the port counts as reachable) */
  readonly byPort: ReadonlyMap<string, readonly Prefix[]>;
  /** addresses left out because no export pool contains them: port id -> addresses */
  readonly outsidePools: ReadonlyMap<string, readonly string[]>;
}

export function hostPrefixText(address: string): string | undefined {
  const c = parseCidr(address);
  if (c === undefined) return undefined;
  return `${c.address}/${c.family === 4 ? 32 : 128}`;
}

/** What one port contributes, for a given list of pools: host prefixes (text and parsed) and the addresses outside every pool. */
interface PortHostRoutes {
  readonly pools: readonly string[];
  readonly prefixes: readonly (readonly [text: string, prefix: Prefix])[];
  readonly outside: readonly string[];
}

/** Per (immutable) port spec object: the agent recomputes every announcement on each change of any port. */
const PER_PORT = new WeakMap<PortSpec, PortHostRoutes>();

function portHostRoutes(port: PortSpec, pools: readonly string[]): PortHostRoutes {
  const cached = PER_PORT.get(port);
  if (cached !== undefined && cached.pools === pools) return cached;
  const prefixes: [string, Prefix][] = [];
  const outside: string[] = [];
  const push = (text: string) => {
    if (!prefixes.some(([t]) => t === text)) prefixes.push([text, parsePrefix(text)]);
  };
  for (const ip of port.fixedIps) {
    const text = hostPrefixText(ip.address);
    if (text === undefined) continue;
    if (!pools.some((pool) => cidrContains(pool, ip.address))) {
      outside.push(ip.address);
      continue;
    }
    push(text);
  }
  for (const pair of port.allowedAddressPairs) {
    const c = parseCidr(pair.ipAddress);
    if (c === undefined || c.len !== (c.family === 4 ? 32 : 128)) continue;
    if (!pools.some((pool) => cidrContains(pool, c.address))) continue;
    push(`${c.address}/${c.len}`);
  }
  const r = { pools, prefixes, outside };
  PER_PORT.set(port, r);
  return r;
}

export function computeAnnouncements(
  ports: readonly PortSpec[],
  pools: readonly string[],
  loopback: readonly string[],
): Announcements {
  const seen = new Map<string, Prefix>();
  const byPort = new Map<string, Prefix[]>();
  const outsidePools = new Map<string, string[]>();
  const add = (text: string, parsed?: Prefix): Prefix => {
    let p = seen.get(text);
    if (p === undefined) {
      p = parsed ?? parsePrefix(text);
      seen.set(text, p);
    }
    return p;
  };
  for (const a of loopback) {
    const text = hostPrefixText(a);
    if (text !== undefined) add(text);
  }
  for (const port of ports) {
    const r = portHostRoutes(port, pools);
    if (r.outside.length > 0) outsidePools.set(port.id, [...(outsidePools.get(port.id) ?? []), ...r.outside]);
    const mine: Prefix[] = [];
    for (const [text, prefix] of r.prefixes) {
      const p = add(text, prefix);
      if (!mine.includes(p)) mine.push(p);
    }
    byPort.set(port.id, mine);
  }
  return { prefixes: [...seen.values()], byPort, outsidePools };
}
