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

export function computeAnnouncements(
  ports: readonly PortSpec[],
  pools: readonly string[],
  loopback: readonly string[],
): Announcements {
  const seen = new Map<string, Prefix>();
  const byPort = new Map<string, Prefix[]>();
  const outsidePools = new Map<string, string[]>();
  const add = (text: string): Prefix => {
    let p = seen.get(text);
    if (p === undefined) {
      p = parsePrefix(text);
      seen.set(text, p);
    }
    return p;
  };
  for (const a of loopback) {
    const text = hostPrefixText(a);
    if (text !== undefined) add(text);
  }
  for (const port of ports) {
    const mine: Prefix[] = [];
    for (const ip of port.fixedIps) {
      const text = hostPrefixText(ip.address);
      if (text === undefined) continue;
      if (!pools.some((pool) => cidrContains(pool, ip.address))) {
        const list = outsidePools.get(port.id) ?? [];
        list.push(ip.address);
        outsidePools.set(port.id, list);
        continue;
      }
      mine.push(add(text));
    }
    for (const pair of port.allowedAddressPairs) {
      const c = parseCidr(pair.ipAddress);
      if (c === undefined || c.len !== (c.family === 4 ? 32 : 128)) continue;
      if (!pools.some((pool) => cidrContains(pool, c.address))) continue;
      const p = add(`${c.address}/${c.len}`);
      if (!mine.includes(p)) mine.push(p);
    }
    byPort.set(port.id, mine);
  }
  return { prefixes: [...seen.values()], byPort, outsidePools };
}
