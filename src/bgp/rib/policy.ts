// Per-peer policy: prefix filters (prefix-list style, with ge/le), the import checks (own AS in
// the path, the filter, max-prefix) and the NOTIFICATION a max-prefix overflow turns into.

import { AFI_IPV4, type Prefix } from '../wire/types.js';
import { CEASE_MAX_PREFIX, NOTIF_CEASE } from '../wire/errors.js';
import { ipv4Mask, parseIpv6 } from '../../lib/ip.js';
import { RibError } from './errors.js';
import { formatPrefix, parsePrefix } from './prefix.js';

export type FilterAction = 'permit' | 'deny';

/**
 * One rule: matches prefixes inside `prefix` whose length is in [ge, le]. Without ge and le only
 * the exact length matches; with only ge the range runs to the family's maximum; with only le it
 * starts at the rule's own length (as FRR/Cisco prefix lists).
 */
export interface PrefixRule {
  readonly prefix: string;
  readonly ge?: number;
  readonly le?: number;
  readonly action: FilterAction;
}

export interface PrefixFilterConfig {
  readonly rules: readonly PrefixRule[];
  /** what happens to a prefix no rule matches */
  readonly default: FilterAction;
}

export const PERMIT_ALL: PrefixFilterConfig = { rules: [], default: 'permit' };

interface CompiledRule {
  readonly net: Prefix;
  /** IPv6 rules: the network as bytes */
  readonly bytes: Uint8Array | undefined;
  readonly min: number;
  readonly max: number;
  readonly permit: boolean;
  readonly text: string;
}

/** A compiled prefix filter: first matching rule wins, else the default. */
export class PrefixFilter {
  readonly #rules: readonly CompiledRule[];
  readonly #defaultPermit: boolean;

  /** Throws ERR_RIB_BAD_PREFIX or ERR_RIB_BAD_FILTER_RULE (with the rule's index) on a bad rule. */
  constructor(config: PrefixFilterConfig) {
    this.#rules = config.rules.map(compileRule);
    this.#defaultPermit = config.default === 'permit';
  }

  permits(p: Prefix): boolean {
    for (const r of this.#rules) if (ruleMatches(r, p)) return r.permit;
    return this.#defaultPermit;
  }

  /** The index of the first rule matching p, or -1 when the default applied (for inspection). */
  matchingRule(p: Prefix): number {
    return this.#rules.findIndex((r) => ruleMatches(r, p));
  }
}

function compileRule(rule: PrefixRule, index: number): CompiledRule {
  let net: Prefix;
  try {
    net = parsePrefix(rule.prefix);
  } catch (e) {
    throw new RibError('ERR_RIB_BAD_PREFIX', `filter rule ${index}: ${(e as Error).message}`, { cause: e });
  }
  const maxLen = net.afi === AFI_IPV4 ? 32 : 128;
  const min = rule.ge ?? net.len;
  const max = rule.le ?? (rule.ge !== undefined ? maxLen : net.len);
  const bad = (why: string) => new RibError('ERR_RIB_BAD_FILTER_RULE', `filter rule ${index} (${formatPrefix(net)} ge ${rule.ge ?? '-'} le ${rule.le ?? '-'}): ${why}`);
  for (const [name, v] of [['ge', rule.ge], ['le', rule.le]] as const) {
    if (v !== undefined && (!Number.isInteger(v) || v < 0 || v > maxLen)) throw bad(`${name} must be an integer 0..${maxLen}`);
  }
  if (min < net.len) throw bad('ge is shorter than the prefix itself');
  if (max < min) throw bad('le is shorter than ge (or than the prefix)');
  if (rule.action !== 'permit' && rule.action !== 'deny') throw bad(`action must be permit or deny`);
  const bytes = net.afi === AFI_IPV4 ? undefined : parseIpv6(net.addr);
  return { net, bytes, min, max, permit: rule.action === 'permit', text: formatPrefix(net) };
}

function ruleMatches(r: CompiledRule, p: Prefix): boolean {
  if (p.afi !== r.net.afi || p.len < r.min || p.len > r.max) return false;
  if (p.afi === AFI_IPV4) {
    const mask = ipv4Mask(r.net.len);
    return ((p.addr & mask) >>> 0) === (r.net.addr as number);
  }
  const b = parseIpv6(p.addr);
  const want = r.bytes;
  if (b === undefined || want === undefined) return false;
  const full = r.net.len >> 3;
  for (let i = 0; i < full; i++) if (b[i] !== want[i]) return false;
  const rest = r.net.len & 7;
  if (rest === 0) return true;
  const m = (0xff << (8 - rest)) & 0xff;
  return ((b[full] ?? 0) & m) === ((want[full] ?? 0) & m);
}

// ---------------------------------------------------------------------------- import

/** Why a received route was not accepted into the Loc-RIB. */
export type RejectReason = 'own-as-in-path' | 'import-filter' | 'max-prefix';

export const REJECT_REASONS: readonly RejectReason[] = ['own-as-in-path', 'import-filter', 'max-prefix'];

export interface ImportPolicyConfig {
  /** which received prefixes are accepted (default: all) */
  readonly filter?: PrefixFilterConfig;
  /** most prefixes accepted per family; one more ends the session with Cease/Maximum Number of Prefixes Reached */
  readonly maxPrefix?: { readonly ipv4?: number; readonly ipv6?: number };
  /** how often our own AS may appear in a received path (FRR `allowas-in`), default 0 */
  readonly allowOwnAs?: number;
}

export interface ExportPolicyConfig {
  /** which prefixes are announced to the peer (default: all that the other rules allow) */
  readonly filter?: PrefixFilterConfig;
  /**
   * re-announce routes learned from other peers (transit). Default false: a lagless hypervisor
   * announces only its own routes, so it can never become a path between two ToRs.
   */
  readonly learned?: boolean;
  /**
   * set the next hop to this speaker's address on the session for learned routes sent to iBGP
   * peers too (default true; eBGP peers always get next-hop-self, as do locally originated routes)
   */
  readonly nextHopSelf?: boolean;
}

export interface NotificationData {
  readonly code: number;
  readonly subcode: number;
  readonly data: Uint8Array;
}

/**
 * RFC 4486 §4: Cease, subcode 1 (Maximum Number of Prefixes Reached), "the Data field ... MAY
 * contain: AFI (2 octets), SAFI (1 octet), and the prefix upper bound (4 octets)".
 */
export function maxPrefixNotification(afi: number, safi: number, limit: number): NotificationData {
  const data = new Uint8Array(7);
  const v = new DataView(data.buffer);
  v.setUint16(0, afi);
  v.setUint8(2, safi);
  v.setUint32(3, limit >>> 0);
  return { code: NOTIF_CEASE, subcode: CEASE_MAX_PREFIX, data };
}
