// What the hypervisor announces: a host route (/32, /128) for every address of every wired port
// that lies inside an export pool, plus the hypervisor's loopback addresses. Pure.
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
    byPort.set(port.id, mine);
  }
  return { prefixes: [...seen.values()], byPort, outsidePools };
}
