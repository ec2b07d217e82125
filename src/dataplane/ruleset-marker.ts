// Lets a restarted agent know whether the nftables ruleset in the kernel is the one it would apply:
// the applied script carries its own hash in a named counter's comment (counters are cheap, inert
// objects), so a stateless listing of lagless's tables shows which script made them.
import { createHash } from 'node:crypto';
import type { FirewallTable } from './kernel.js';

export const MARKER_COUNTER = 'lagless_applied';

/** The tables a script replaces: its `add table FAMILY NAME` lines. */
export function firewallTables(script: string): FirewallTable[] {
  const out: FirewallTable[] = [];
  for (const m of script.matchAll(/^\s*add table (\S+) (\S+)\s*$/gm)) {
    const family = m[1];
    const name = m[2];
    if (family !== undefined && name !== undefined && !out.some((t) => t.family === family && t.name === name)) out.push({ family, name });
  }
  return out;
}

export interface MarkedScript {
  readonly script: string;
  readonly hash: string;
  readonly tables: readonly FirewallTable[];
}

/** Appends the marker counter (to the first inet table, else the first table) to a script. */
export function markScript(script: string): MarkedScript {
  const hash = createHash('sha256').update(script).digest('hex');
  const tables = firewallTables(script);
  const target = tables.find((t) => t.family === 'inet') ?? tables[0];
  const marked =
    target === undefined ? script : `${script}\nadd counter ${target.family} ${target.name} ${MARKER_COUNTER} { comment "sha256:${hash}"; }\n`;
  return { script: marked, hash, tables };
}

/** The commands that set the marker of tables already carrying one to `hash` (after an incremental update). */
export function remarkCommands(tables: readonly FirewallTable[], hash: string): string {
  const target = tables.find((t) => t.family === 'inet') ?? tables[0];
  if (target === undefined) return '';
  const at = `${target.family} ${target.name} ${MARKER_COUNTER}`;
  return `delete counter ${at}\nadd counter ${at} { comment "sha256:${hash}"; }\n`;
}

export function listingHasMarker(listing: string, hash: string): boolean {
  return listing.includes(`"sha256:${hash}"`);
}
