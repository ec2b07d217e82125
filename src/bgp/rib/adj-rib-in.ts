// The Adj-RIB-In of one peer: runs the import policy on every received route and keeps the
// accepted ones in the Loc-RIB (as BIRD does, accepted routes live only there, as that peer's
// paths), the rejected ones with their reason, and the counts the CLI shows.
//
// Order of checks per route: own AS in the path (the loop check, decision step 0; FRR reflects a
// hypervisor's routes back to it), the import prefix filter, the max-prefix limit.

import { AFI_IPV4, AFI_IPV6, SAFI_UNICAST, type FamilyKey, type PathAttributes, type Prefix, type UpdateMessage } from '../wire/types.js';
import { hasAsLoop } from './decision.js';
import type { AttrSet, Interner } from './intern.js';
import type { LocRib } from './loc-rib.js';
import type { RouteSource } from './path.js';
import { maxPrefixNotification, PERMIT_ALL, PrefixFilter, REJECT_REASONS, type ImportPolicyConfig, type NotificationData, type RejectReason } from './policy.js';
import { FAMILY_IPV4 } from './prefix.js';
import { PrefixMap } from './prefix-map.js';

export interface MaxPrefixExceeded {
  readonly afi: number;
  readonly safi: number;
  readonly limit: number;
  /** what the session sends before closing: Cease / Maximum Number of Prefixes Reached */
  readonly notification: NotificationData;
}

export interface ImportResult {
  /** routes accepted into the Loc-RIB by this UPDATE (new or replaced) */
  readonly accepted: number;
  readonly rejected: number;
  /** routes withdrawn (explicitly) that were held */
  readonly withdrawn: number;
  /** set when the peer went over its limit: send the notification and end the session */
  readonly maxPrefixExceeded?: MaxPrefixExceeded;
}

export interface AdjRibInStats {
  /** routes the peer currently announces (accepted + rejected) */
  readonly received: number;
  readonly accepted: number;
  readonly acceptedIpv4: number;
  readonly acceptedIpv6: number;
  /** routes currently rejected, by reason */
  readonly rejected: Readonly<Record<RejectReason, number>>;
  /** since the session came up: UPDATE messages, route announcements and withdrawals received */
  readonly updates: number;
  readonly announcements: number;
  readonly withdrawals: number;
}

export interface RejectedRoute {
  readonly prefix: Prefix;
  readonly pathId: number;
  readonly reason: RejectReason;
}

export class AdjRibIn {
  readonly source: RouteSource;
  readonly #loc: LocRib;
  readonly #interner: Interner;
  #filter: PrefixFilter;
  #policy: ImportPolicyConfig;
  /** rejected routes by prefix, then path id (few: reflections of our own routes, filtered ones) */
  readonly #rejected = new PrefixMap<Map<number, RejectReason>>();
  #rejectedCounts = zeroCounts();
  #accepted4 = 0;
  #accepted6 = 0;
  #updates = 0;
  #announcements = 0;
  #withdrawals = 0;
  #exceeded: MaxPrefixExceeded | undefined;

  constructor(source: RouteSource, policy: ImportPolicyConfig, loc: LocRib, interner: Interner) {
    this.source = source;
    this.#loc = loc;
    this.#interner = interner;
    this.#policy = policy;
    this.#filter = new PrefixFilter(policy.filter ?? PERMIT_ALL);
  }

  /**
   * Replaces the import policy. Routes already held are not re-evaluated: the speaker asks the peer
   * for a route refresh, whose re-announcements go through the new policy.
   */
  setPolicy(policy: ImportPolicyConfig): void {
    this.#filter = new PrefixFilter(policy.filter ?? PERMIT_ALL);
    this.#policy = policy;
  }

  /** Processes one UPDATE: withdrawals first, then announcements (RFC 4271 §9). */
  receive(update: UpdateMessage): ImportResult {
    this.#updates++;
    const counts = { accepted: 0, rejected: 0, withdrawn: 0 };
    const before = this.#exceeded;
    for (const p of update.withdrawn) if (this.#withdrawOne(p)) counts.withdrawn++;
    const a = update.attributes;
    if (a.mpUnreach !== undefined) for (const p of a.mpUnreach.withdrawn) if (this.#withdrawOne(p)) counts.withdrawn++;
    if (update.nlri.length > 0 && a.nextHop !== undefined) this.#announce(update.nlri, a, [a.nextHop], counts);
    if (a.mpReach !== undefined && a.mpReach.nlri.length > 0) this.#announce(a.mpReach.nlri, a, a.mpReach.nextHops, counts);
    const exceeded = before === undefined ? this.#exceeded : undefined;
    return exceeded === undefined ? counts : { ...counts, maxPrefixExceeded: exceeded };
  }

  /** Withdraws routes (RFC 7606 treat-as-withdraw hands over the prefixes of a bad UPDATE). */
  withdraw(prefixes: readonly Prefix[]): number {
    let n = 0;
    for (const p of prefixes) if (this.#withdrawOne(p)) n++;
    return n;
  }

  /** Forgets everything from the peer (session down): its paths leave the Loc-RIB. */
  clear(): void {
    this.#loc.removeSource(this.source);
    this.#rejected.clear();
    this.#rejectedCounts = zeroCounts();
    this.#accepted4 = this.#accepted6 = 0;
    this.#updates = this.#announcements = this.#withdrawals = 0;
    this.#exceeded = undefined;
  }

  /** Graceful restart / enhanced route refresh: the peer's routes become stale until re-announced. */
  markStale(family?: FamilyKey): number {
    return this.#loc.markStale(this.source, family);
  }

  /** End-of-RIB after markStale: routes not re-announced are removed; returns how many. */
  sweepStale(family?: FamilyKey): number {
    const families = family === undefined ? [FAMILY_IPV4, `${AFI_IPV6}/${SAFI_UNICAST}` as const] : [family];
    let n = 0;
    for (const f of families) {
      const removed = this.#loc.sweepStale(this.source, f);
      if (f === FAMILY_IPV4) this.#accepted4 -= removed;
      else this.#accepted6 -= removed;
      n += removed;
    }
    return n;
  }

  stats(): AdjRibInStats {
    let rejected = 0;
    for (const r of REJECT_REASONS) rejected += this.#rejectedCounts[r];
    return {
      received: this.#accepted4 + this.#accepted6 + rejected,
      accepted: this.#accepted4 + this.#accepted6,
      acceptedIpv4: this.#accepted4,
      acceptedIpv6: this.#accepted6,
      rejected: { ...this.#rejectedCounts },
      updates: this.#updates,
      announcements: this.#announcements,
      withdrawals: this.#withdrawals,
    };
  }

  rejectedRoutes(): RejectedRoute[] {
    const out: RejectedRoute[] = [];
    this.#rejected.forEach((byId, prefix) => byId.forEach((reason, pathId) => out.push({ prefix, pathId, reason })));
    return out;
  }

  // ------------------------------------------------------------------ internals

  #announce(nlri: readonly Prefix[], a: PathAttributes, nextHops: readonly string[], counts: { accepted: number; rejected: number }): void {
    // RFC 4271 §5.1.5: a LOCAL_PREF received from an external peer MUST be ignored
    const attrs = this.source.ebgp && a.localPref !== undefined ? { ...a, localPref: undefined } : a;
    const set = this.#interner.intern(attrs, nextHops);
    const loop = hasAsLoop(a.asPath, this.source.localAsn, this.#policy.allowOwnAs ?? 0);
    for (const p of nlri) {
      this.#announcements++;
      const reason = loop ? 'own-as-in-path' : this.#filter.permits(p) ? this.#overLimit(p) : 'import-filter';
      if (reason === undefined) {
        this.#accept(p, set);
        counts.accepted++;
      } else {
        this.#reject(p, reason);
        counts.rejected++;
      }
    }
    this.#interner.dropIfUnused(set);
  }

  /** 'max-prefix' when accepting p would take the family over its limit (a replacement never does). */
  #overLimit(p: Prefix): RejectReason | undefined {
    const v4 = p.afi === AFI_IPV4;
    const limit = v4 ? this.#policy.maxPrefix?.ipv4 : this.#policy.maxPrefix?.ipv6;
    if (limit === undefined || (v4 ? this.#accepted4 : this.#accepted6) < limit) return undefined;
    if (this.#loc.hasPath(p, this.source, p.pathId ?? 0)) return undefined;
    this.#exceeded ??= { afi: p.afi, safi: SAFI_UNICAST, limit, notification: maxPrefixNotification(p.afi, SAFI_UNICAST, limit) };
    return 'max-prefix';
  }

  #accept(p: Prefix, set: AttrSet): void {
    if (this.#loc.set(p, this.source, p.pathId ?? 0, set) === 'added') {
      if (p.afi === AFI_IPV4) this.#accepted4++;
      else this.#accepted6++;
    }
    if (this.#rejected.size > 0) this.#unreject(p);
  }

  #reject(p: Prefix, reason: RejectReason): void {
    this.#removeAccepted(p);
    let byId = this.#rejected.get(p);
    if (byId === undefined) this.#rejected.set(p, (byId = new Map()));
    const pathId = p.pathId ?? 0;
    const old = byId.get(pathId);
    if (old !== undefined) this.#rejectedCounts[old]--;
    byId.set(pathId, reason);
    this.#rejectedCounts[reason]++;
  }

  #withdrawOne(p: Prefix): boolean {
    this.#withdrawals++;
    const held = this.#removeAccepted(p);
    return (this.#rejected.size > 0 && this.#unreject(p)) || held;
  }

  #removeAccepted(p: Prefix): boolean {
    if (!this.#loc.remove(p, this.source, p.pathId ?? 0)) return false;
    if (p.afi === AFI_IPV4) this.#accepted4--;
    else this.#accepted6--;
    return true;
  }

  #unreject(p: Prefix): boolean {
    const byId = this.#rejected.get(p);
    const pathId = p.pathId ?? 0;
    const old = byId?.get(pathId);
    if (byId === undefined || old === undefined) return false;
    this.#rejectedCounts[old]--;
    byId.delete(pathId);
    if (byId.size === 0) this.#rejected.delete(p);
    return true;
  }
}

function zeroCounts(): Record<RejectReason, number> {
  return { 'own-as-in-path': 0, 'import-filter': 0, 'max-prefix': 0 };
}
