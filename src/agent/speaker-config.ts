// The agent config's BGP parts as the speaker's options and peers. Pure.
import { isLinkLocalV6, parseCidr } from '../lib/ip.js';
import type { AgentConfig, UplinkConfig } from '../config/types.js';
import type { ExportPolicyConfig, ImportPolicyConfig, PrefixRule } from '../bgp/rib/index.js';

export interface UplinkPeer {
  readonly id: string;
  readonly address: string;
  readonly asn: number;
  readonly localAddress?: string;
  readonly port: number;
  readonly passive: boolean;
  readonly holdTime: number;
  readonly keepaliveTime: number;
  readonly connectRetryTime: number;
  readonly families: readonly ('ipv4' | 'ipv6')[];
  readonly import: ImportPolicyConfig;
  readonly export: ExportPolicyConfig;
}

/** Import: the configured prefixes (default routes by default), max-prefix per family; never our own ASN. */
export function importPolicy(config: Pick<AgentConfig, 'import'>): ImportPolicyConfig {
  return {
    filter: {
      rules: config.import.prefixes.map((p) => ({ prefix: p.prefix, ge: p.ge, le: p.le, action: 'permit' as const })),
      default: 'deny',
    },
    maxPrefix: { ipv4: config.import.maxPrefixes, ipv6: config.import.maxPrefixes },
    allowOwnAs: 0,
  };
}

/** Export: host routes inside the pools, and the loopbacks; nothing learned (never transit). */
export function exportPolicy(config: Pick<AgentConfig, 'export' | 'loopback'>): ExportPolicyConfig {
  const rules: PrefixRule[] = [];
  for (const pool of config.export.pools) {
    const c = parseCidr(pool);
    if (c === undefined) continue;
    const host = c.family === 4 ? 32 : 128;
    rules.push({ prefix: `${c.address}/${c.len}`, ge: host, le: host, action: 'permit' });
  }
  for (const a of config.loopback) {
    const c = parseCidr(a);
    if (c !== undefined) rules.push({ prefix: `${c.address}/${c.family === 4 ? 32 : 128}`, action: 'permit' });
  }
  return { filter: { rules, default: 'deny' }, learned: false };
}

export function peerAddress(u: Pick<UplinkConfig, 'peer' | 'interface'>): string {
  return isLinkLocalV6(u.peer) ? `${u.peer}%${u.interface}` : u.peer;
}

export function uplinkPeers(config: Pick<AgentConfig, 'uplinks' | 'import' | 'export' | 'loopback'>): UplinkPeer[] {
  const imp = importPolicy(config);
  const exp = exportPolicy(config);
  return config.uplinks.map((u) => ({
    id: u.name,
    address: peerAddress(u),
    asn: u.peerAsn,
    ...(u.localAddress === null ? {} : { localAddress: u.localAddress }),
    port: u.port,
    passive: u.passive,
    holdTime: u.holdTime,
    keepaliveTime: u.keepalive,
    connectRetryTime: u.connectRetry,
    families: u.families,
    import: imp,
    export: exp,
  }));
}
