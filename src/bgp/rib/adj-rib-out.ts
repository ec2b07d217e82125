// The Adj-RIB-Out of one peer: what was sent, and the UPDATEs that bring the peer up to date.
//
// Loc-RIB changes only mark prefixes (cheap, batching friendly); `flush` evaluates each marked
// prefix once: export rules and filter, the outgoing attributes (computed once per attribute set
// per flush and interned), then compares with what was sent: an unchanged route is never re-sent.
// Announcements are grouped by attribute set and packed many per UPDATE; withdrawals go first.

import { AFI_IPV4, AFI_IPV6, SAFI_UNICAST, type FamilyKey, type Prefix, type UpdateMessage } from '../wire/types.js';
import { BgpWireError, endOfRib } from '../wire/index.js';
import { exportAttributes, exportSkip, type ExportSession, type ExportSkip } from './export.js';
import type { AttrSet, Interner, StoredAttributes } from './intern.js';
import type { LocRib } from './loc-rib.js';
import { nlriSpace, packAnnouncements, packWithdrawals } from './pack.js';
import type { Path, RouteSource } from './path.js';
import { PERMIT_ALL, PrefixFilter, type ExportPolicyConfig } from './policy.js';
import { familyOf } from './prefix.js';
import { PrefixMap } from './prefix-map.js';

/**
 * Whether a prefix is advertised to the peer, or why not. 'pending': the change is marked and
 * goes out at the next flush.
 */
export type AdvertiseState = 'advertised' | 'pending' | 'no-route' | 'family-not-negotiated' | 'too-long' | 'unencodable' | ExportSkip;

export interface AdjRibOutStats {
  /** routes currently advertised */
  readonly sent: number;
  readonly sentIpv4: number;
  readonly sentIpv6: number;
  /** since the session came up */
  readonly updates: number;
  readonly announcements: number;
  readonly withdrawals: number;
}

export interface AdvertisedRoute {
  readonly prefix: Prefix;
  readonly attrs: StoredAttributes;
  readonly nextHops: readonly string[];
}

type Wanted = AttrSet | Exclude<AdvertiseState, 'advertised' | 'pending'>;

export class AdjRibOut {
  readonly peer: RouteSource;
  readonly session: ExportSession;
  readonly #loc: LocRib;
  readonly #interner: Interner;
  readonly #families: ReadonlySet<FamilyKey>;
  #filter: PrefixFilter;
  #learned: boolean;
  #nextHopSelf: boolean;
  readonly #sent = new PrefixMap<AttrSet>();
  readonly #dirty = new PrefixMap<Prefix>();
  /** during one flush: the outgoing set (or skip reason) per incoming set; slot = 2 * (IPv6 ? 1 : 0) + (local ? 1 : 0) */
  #memo: (Map<AttrSet, Wanted> | undefined)[] = [];
  #sent4 = 0;
  #sent6 = 0;
  #updates = 0;
  #announcements = 0;
  #withdrawals = 0;

  constructor(peer: RouteSource, policy: ExportPolicyConfig, session: ExportSession, loc: LocRib, interner: Interner) {
    this.peer = peer;
    this.session = session;
    this.#loc = loc;
    this.#interner = interner;
    this.#families = new Set(session.families);
    this.#filter = new PrefixFilter(policy.filter ?? PERMIT_ALL);
    this.#learned = policy.learned ?? false;
    this.#nextHopSelf = policy.nextHopSelf ?? true;
  }

  /** The whole table for a session that just came up, then End-of-RIB for each family. */
  initialUpdates(): UpdateMessage[] {
    this.#dirty.clear();
    const out = this.#sync((visit) => {
      for (const f of this.#families) this.#loc.forEachBest((prefix, best) => visit(prefix, best, false), f);
    });
    for (const f of this.#families) out.push(endOfRib(...splitFamily(f)));
    this.#updates += this.#families.size;
    return out;
  }

  /**
   * Notes that the best route of a prefix changed. Nothing is computed until flush; a prefix
   * that would not be exported and was never sent is not even remembered.
   */
  mark(prefix: Prefix, best: Path | undefined): void {
    if (!this.#sent.has(prefix)) {
      if (best === undefined || (best.source.kind !== 'local' && !this.#learned)) return;
      if (!this.#families.has(familyOf(prefix))) return;
    }
    this.#dirty.set(prefix, prefix);
  }

  /** Whether marked prefixes wait for a flush. */
  get pending(): boolean {
    return this.#dirty.size > 0;
  }

  /** The UPDATEs that bring the peer up to date with every marked prefix (empty if nothing changed). */
  flush(): UpdateMessage[] {
    if (this.#dirty.size === 0) return [];
    const out = this.#sync((visit) => this.#dirty.forEach((prefix) => visit(prefix, this.#loc.best(prefix), false)));
    this.#dirty.clear();
    return out;
  }

  /** A route refresh request (RFC 2918): pending changes, then every route of the family again. */
  refresh(afi: number, safi: number): UpdateMessage[] {
    const family: FamilyKey = `${afi}/${safi}`;
    const out = this.flush();
    if (!this.#families.has(family)) return out;
    out.push(...this.#sync((visit) => this.#loc.forEachBest((prefix, best) => visit(prefix, best, true), family)));
    return out;
  }

  /** New export policy: everything is re-evaluated at the next flush and only differences are sent. */
  setPolicy(policy: ExportPolicyConfig): void {
    this.#filter = new PrefixFilter(policy.filter ?? PERMIT_ALL);
    this.#learned = policy.learned ?? false;
    this.#nextHopSelf = policy.nextHopSelf ?? true;
    this.#sent.forEach((_, prefix) => this.#dirty.set(prefix, prefix));
    for (const f of this.#families) this.#loc.forEachBest((prefix) => this.#dirty.set(prefix, prefix), f);
  }

  /** Whether the prefix is advertised to this peer, or why not. */
  explain(prefix: Prefix): AdvertiseState {
    const want = this.#wanted(prefix, this.#loc.best(prefix));
    this.#memo = [];
    const sent = this.#sent.get(prefix);
    if (typeof want === 'string') return sent === undefined ? want : 'pending';
    this.#interner.dropIfUnused(want);
    return sent === want ? 'advertised' : 'pending';
  }

  /** Lets go of every sent route's attributes (the session went down). */
  close(): void {
    this.#sent.forEach((set) => this.#interner.release(set));
    this.#sent.clear();
    this.#dirty.clear();
    this.#sent4 = this.#sent6 = 0;
  }

  stats(): AdjRibOutStats {
    return {
      sent: this.#sent4 + this.#sent6,
      sentIpv4: this.#sent4,
      sentIpv6: this.#sent6,
      updates: this.#updates,
      announcements: this.#announcements,
      withdrawals: this.#withdrawals,
    };
  }

  advertised(): AdvertisedRoute[] {
    return this.#sent.entries().map(([prefix, set]) => ({ prefix, attrs: set.attrs, nextHops: set.nextHops }));
  }

  // ------------------------------------------------------------------ internals

  /**
   * Brings `sent` in line with the Loc-RIB for the prefixes `walk` visits (`resend`: announce even
   * when unchanged) and returns the packed UPDATEs: withdrawals first, then announcements.
   */
  #sync(walk: (visit: (prefix: Prefix, best: Path | undefined, resend: boolean) => void) => void): UpdateMessage[] {
    const withdraw4: Prefix[] = [];
    const withdraw6: Prefix[] = [];
    const announce4 = new Map<AttrSet, Prefix[]>();
    const announce6 = new Map<AttrSet, Prefix[]>();
    walk((prefix, best, resend) => {
      const want = this.#wanted(prefix, best);
      if (typeof want === 'string' && this.#sent.size === 0) return;
      const had = this.#sent.get(prefix);
      const v4 = prefix.afi === AFI_IPV4;
      if (typeof want === 'string') {
        if (had === undefined) return;
        this.#sent.delete(prefix);
        this.#interner.release(had);
        if (v4) this.#sent4--;
        else this.#sent6--;
        (v4 ? withdraw4 : withdraw6).push(prefix);
        return;
      }
      if (want === had && !resend) return;
      if (want !== had) {
        this.#interner.acquire(want);
        this.#sent.set(prefix, want);
        if (had !== undefined) this.#interner.release(had);
        else if (v4) this.#sent4++;
        else this.#sent6++;
      }
      const groups = v4 ? announce4 : announce6;
      const list = groups.get(want);
      if (list === undefined) groups.set(want, [prefix]);
      else list.push(prefix);
    });
    // outgoing sets computed but not kept (every prefix using them was unchanged or is gone)
    for (const memo of this.#memo) {
      for (const w of memo?.values() ?? []) if (typeof w !== 'string') this.#interner.dropIfUnused(w);
    }
    this.#memo = [];
    const ctx = this.session.ctx;
    const out = [...packWithdrawals(AFI_IPV4, withdraw4, ctx), ...packWithdrawals(AFI_IPV6, withdraw6, ctx)];
    for (const [afi, groups] of [[AFI_IPV4, announce4], [AFI_IPV6, announce6]] as const) {
      for (const [set, prefixes] of groups) out.push(...packAnnouncements(afi, set.attrs, set.nextHops, prefixes, ctx));
    }
    this.#updates += out.length;
    this.#withdrawals += withdraw4.length + withdraw6.length;
    for (const list of announce4.values()) this.#announcements += list.length;
    for (const list of announce6.values()) this.#announcements += list.length;
    return out;
  }

  /** The outgoing attribute set for the prefix's best route, or why nothing is sent. */
  #wanted(prefix: Prefix, best: Path | undefined): Wanted {
    if (best === undefined) return 'no-route';
    if (!this.#families.has(familyOf(prefix))) return 'family-not-negotiated';
    const opts = { learned: this.#learned, nextHopSelf: this.#nextHopSelf };
    const skip = exportSkip(best, this.peer, opts);
    if (skip !== undefined) return skip;
    if (!this.#filter.permits(prefix)) return 'export-filter';
    const local = best.source.kind === 'local';
    const memo = (this.#memo[(prefix.afi === AFI_IPV4 ? 0 : 2) + (local ? 1 : 0)] ??= new Map()); // see #memo
    let want = memo.get(best.attrs);
    if (want === undefined) {
      const r = exportAttributes(best.attrs, local, prefix.afi, this.peer, this.session, opts);
      want = typeof r === 'string' ? r : this.#checked(prefix.afi, this.#interner.intern(r.attrs, r.nextHops));
      memo.set(best.attrs, want);
    }
    return want;
  }

  /** The set, or why UPDATEs with it cannot be sent (too long for even one prefix, or not encodable). */
  #checked(afi: number, set: AttrSet): Wanted {
    let space: number;
    try {
      space = nlriSpace(afi, set.attrs, set.nextHops, this.session.ctx);
    } catch (e) {
      if (!(e instanceof BgpWireError)) throw e;
      this.#interner.dropIfUnused(set);
      return 'unencodable'; // the codec refused a value (e.g. a malformed local address on the session)
    }
    if (space >= maxNlriLength(afi)) return set;
    this.#interner.dropIfUnused(set);
    return 'too-long';
  }
}

/** The longest NLRI entry of a family: path id, length octet, full address. */
function maxNlriLength(afi: number): number {
  return 5 + (afi === AFI_IPV4 ? 4 : 16);
}

function splitFamily(f: FamilyKey): [number, number] {
  const [afi = '1', safi = `${SAFI_UNICAST}`] = f.split('/');
  return [Number(afi), Number(safi)];
}

