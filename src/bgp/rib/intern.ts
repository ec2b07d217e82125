// Interned path-attribute sets: every route that shares path attributes shares one frozen object.
//
// A set is the attributes of an UPDATE without MP_REACH/MP_UNREACH and without the classic
// NEXT_HOP, plus the next hop(s) the routes use (the classic NEXT_HOP for classic NLRI, the
// MP_REACH next hops for MP NLRI). Interning happens once per UPDATE and family, never per
// prefix. The values the decision process reads (local preference, AS-path length, neighbour AS,
// ...) are computed once per set. Sets are reference counted by the routes that hold them and
// leave the table when the last one lets go.

import type { AsPathSegment, PathAttributes, RawAttribute } from '../wire/types.js';
import { isLinkLocalV6, parseIpv4 } from '../../lib/ip.js';

/** RFC 4271 §5.1.5: the degree of preference of a route that carries no LOCAL_PREF. */
export const DEFAULT_LOCAL_PREF = 100;

/** Path attributes as the RIB stores them: no next hop, no MP_REACH/MP_UNREACH. */
export type StoredAttributes = Readonly<Omit<PathAttributes, 'nextHop' | 'mpReach' | 'mpUnreach'>>;

export class AttrSet {
  /** the canonical key this set is interned under */
  readonly key: string;
  /** frozen; shared by every route that holds this set */
  readonly attrs: StoredAttributes;
  /**
   * Next hops as received: one address (IPv4, or IPv6 global), or IPv6 global then link-local.
   * Empty for locally originated routes (the next hop is this speaker).
   */
  readonly nextHops: readonly string[];
  // Values for the decision process, computed once.
  readonly localPref: number;
  readonly asPathLength: number;
  /** the leftmost AS of the path (RFC 4271 §9.1.2.2 c); 0 when the path is empty */
  readonly neighbourAs: number;
  readonly origin: number;
  /** a missing MED counts as the lowest value, 0 (RFC 4271 §9.1.2.2 c) */
  readonly med: number;
  /** ORIGINATOR_ID as a number (RFC 4456 §9 uses it in place of the router id), or undefined */
  readonly originatorId: number | undefined;
  /** the first next hop when it is a usable global address (not missing, `::` or link-local) */
  readonly globalNextHop: string | undefined;
  /** an IPv6 link-local next hop among nextHops (RFC 2545 second address, or the only one) */
  readonly linkLocalNextHop: string | undefined;
  /** how many routes hold this set; maintained by the Interner's acquire/release */
  refs = 0;

  constructor(key: string, attrs: StoredAttributes, nextHops: readonly string[]) {
    this.key = key;
    this.attrs = attrs;
    this.nextHops = nextHops;
    this.localPref = attrs.localPref ?? DEFAULT_LOCAL_PREF;
    this.asPathLength = asPathLength(attrs.asPath ?? []);
    this.neighbourAs = neighbourAs(attrs.asPath ?? []);
    this.origin = attrs.origin ?? 0;
    this.med = attrs.med ?? 0;
    this.originatorId = attrs.originatorId === undefined ? undefined : parseIpv4(attrs.originatorId);
    const [first, second] = nextHops;
    this.globalNextHop = first !== undefined && first !== '::' && !isLinkLocal(first) ? first : undefined;
    this.linkLocalNextHop = second !== undefined && isLinkLocal(second) ? second : first !== undefined && isLinkLocal(first) ? first : undefined;
  }
}

/** fe80::/10; IPv4 text (no colon) is ruled out without parsing it. */
function isLinkLocal(address: string): boolean {
  return address.includes(':') && isLinkLocalV6(address);
}

/** RFC 4271 §9.1.2.2 a: an AS_SET counts as 1 however many ASNs it holds; confederation segments count 0 (RFC 5065 §5.3). */
export function asPathLength(path: readonly AsPathSegment[]): number {
  let n = 0;
  for (const s of path) {
    if (s.type === 'sequence') n += s.asns.length;
    else if (s.type === 'set') n += 1;
  }
  return n;
}

/** The leftmost AS of the first AS_SEQUENCE segment (confederation segments skipped), or 0. */
export function neighbourAs(path: readonly AsPathSegment[]): number {
  for (const s of path) {
    if (s.type === 'confed-sequence' || s.type === 'confed-set') continue;
    return s.type === 'sequence' ? (s.asns[0] ?? 0) : 0;
  }
  return 0;
}

export class Interner {
  readonly #sets = new Map<string, AttrSet>();

  /** Number of distinct sets held. */
  get size(): number {
    return this.#sets.size;
  }

  /**
   * The shared set for these attributes and next hops. The caller must `acquire` it for every
   * route that keeps it, and call `dropIfUnused` when it kept none.
   */
  intern(attrs: PathAttributes | StoredAttributes, nextHops: readonly string[]): AttrSet {
    const key = attributeKey(attrs, nextHops);
    const found = this.#sets.get(key);
    if (found !== undefined) return found;
    const set = new AttrSet(key, freezeAttributes(attrs), Object.freeze([...nextHops]));
    this.#sets.set(key, set);
    return set;
  }

  acquire(set: AttrSet): void {
    set.refs++;
  }

  release(set: AttrSet): void {
    if (--set.refs <= 0) this.dropIfUnused(set);
  }

  /** Forgets the set when no route holds it (after an intern whose routes were all rejected). */
  dropIfUnused(set: AttrSet): void {
    if (set.refs <= 0 && this.#sets.get(set.key) === set) this.#sets.delete(set.key);
  }

  /** Whether this exact object is the one interned under its key (for tests and checks). */
  holds(set: AttrSet): boolean {
    return this.#sets.get(set.key) === set;
  }
}

const SEGMENT_CODE: Record<AsPathSegment['type'], string> = { set: 's', sequence: 'q', 'confed-sequence': 'c', 'confed-set': 'C' };

/**
 * A canonical text key: equal for equal attribute sets (NEXT_HOP and MP attributes excluded,
 * the given next hops included). Built by hand so that it costs a few string appends, not a
 * JSON.stringify of the whole object.
 */
export function attributeKey(a: PathAttributes | StoredAttributes, nextHops: readonly string[]): string {
  let k = `${a.origin ?? '-'}|${nextHops.join(',')}|`;
  if (a.asPath !== undefined) for (const s of a.asPath) k += `${SEGMENT_CODE[s.type]}${s.asns.join(' ')};`;
  k += `|${a.med ?? '-'}|${a.localPref ?? '-'}|${a.atomicAggregate === true ? 'A' : ''}|`;
  if (a.aggregator !== undefined) k += `${a.aggregator.asn}@${a.aggregator.address}`;
  k += '|';
  if (a.communities !== undefined) k += a.communities.join(',');
  k += `|${a.originatorId ?? ''}|`;
  if (a.clusterList !== undefined) k += a.clusterList.join(',');
  k += '|';
  if (a.extCommunities !== undefined) k += a.extCommunities.join(',');
  k += '|';
  if (a.largeCommunities !== undefined) for (const l of a.largeCommunities) k += `${l[0]}:${l[1]}:${l[2]},`;
  if (a.unknown !== undefined) for (const u of a.unknown) k += `|${u.flags}.${u.type}.${hex(u.value)}`;
  return k;
}

function hex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += (x < 16 ? '0' : '') + x.toString(16);
  return s;
}

/** A frozen deep copy without NEXT_HOP and the MP attributes (so callers' objects stay theirs). */
function freezeAttributes(a: PathAttributes | StoredAttributes): StoredAttributes {
  const out: { -readonly [K in keyof StoredAttributes]: StoredAttributes[K] } = {};
  if (a.origin !== undefined) out.origin = a.origin;
  if (a.asPath !== undefined) out.asPath = Object.freeze(a.asPath.map((s) => Object.freeze({ type: s.type, asns: Object.freeze([...s.asns]) })));
  if (a.med !== undefined) out.med = a.med;
  if (a.localPref !== undefined) out.localPref = a.localPref;
  if (a.atomicAggregate !== undefined) out.atomicAggregate = a.atomicAggregate;
  if (a.aggregator !== undefined) out.aggregator = Object.freeze({ ...a.aggregator });
  if (a.communities !== undefined) out.communities = Object.freeze([...a.communities]);
  if (a.originatorId !== undefined) out.originatorId = a.originatorId;
  if (a.clusterList !== undefined) out.clusterList = Object.freeze([...a.clusterList]);
  if (a.extCommunities !== undefined) out.extCommunities = Object.freeze([...a.extCommunities]);
  if (a.largeCommunities !== undefined) out.largeCommunities = Object.freeze(a.largeCommunities.map((l) => Object.freeze([l[0], l[1], l[2]] as const)));
  if (a.unknown !== undefined) out.unknown = Object.freeze(a.unknown.map((u): RawAttribute => Object.freeze({ flags: u.flags, type: u.type, value: u.value.slice() })));
  return Object.freeze(out);
}
