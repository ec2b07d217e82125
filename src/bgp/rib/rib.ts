// The RIB facade: one Loc-RIB, an Adj-RIB-In and (while the session is up) an Adj-RIB-Out per
// peer, the routes this speaker originates, and the inspection surface. The speaker is thin glue:
//
//   rib.addPeer(config)                     configured peers
//   session 'established' -> send(rib.peerUp(id, session))      initial table + End-of-RIB
//   session 'update'      -> rib.receive(id, update)            (maxPrefixExceeded -> Cease)
//   session 'down'        -> rib.peerDown(id)          (graceful restart: peerDown(id, { graceful: true }),
//                                                       then rib.endOfRib(id, afi, safi) on the peer's EoR)
//   enhanced route refresh (RFC 7313): BoRR -> rib.markStale(id, family), EoRR -> rib.endOfRib(id, afi, safi)
//   session 'route-refresh' -> send(rib.routeRefresh(id, afi, safi))
//   setAnnouncements(all) -> rib.setLocalRoutes(all)
//   after a batch         -> for (const { peer, updates } of rib.flush()) send(updates)
//   rib.onChange((prefix, route) => fib.setRoute(prefix, route?.ecmp.length ? route.ecmp : undefined))
//                         ECMP next hops per prefix; none when the route is gone or is our own (local)

import { ORIGIN_IGP, type FamilyKey, type Origin, type Prefix, type UpdateMessage } from '../wire/types.js';
import { parseIpv4 } from '../../lib/ip.js';
import { AdjRibIn, type AdjRibInStats, type ImportResult, type RejectedRoute } from './adj-rib-in.js';
import { AdjRibOut, type AdjRibOutStats, type AdvertisedRoute, type AdvertiseState } from './adj-rib-out.js';
import { compare, DEFAULT_DECISION, type DecisionOptions, type DecisionStep } from './decision.js';
import { RibError } from './errors.js';
import type { ExportSession } from './export.js';
import { Interner, type AttrSet, type StoredAttributes } from './intern.js';
import { LocRib, type BestRoute, type RouteListener } from './loc-rib.js';
import { DEFAULT_MULTIPATH, isMultipathPeer, type MultipathOptions } from './multipath.js';
import { addressOrder, type NextHop, type Path, type RouteSource } from './path.js';
import { PERMIT_ALL, PrefixFilter, type ExportPolicyConfig, type ImportPolicyConfig } from './policy.js';
import { formatPrefix, parsePrefix, prefixProblem } from './prefix.js';
import { PrefixMap } from './prefix-map.js';

export interface RibOptions {
  /** our AS */
  readonly asn: number;
  /** our BGP identifier (dotted quad) */
  readonly routerId: string;
  readonly alwaysCompareMed?: boolean;
  /** ECMP across paths from different neighbour ASes of equal AS-path length (FRR multipath-relax) */
  readonly multipathRelax?: boolean;
  /** largest ECMP set, default 16 */
  readonly maxPaths?: number;
}

export interface PeerConfig {
  /** unique name of the peer, e.g. its address or the interface of an unnumbered session */
  readonly id: string;
  /** the peer's AS */
  readonly asn: number;
  /** our AS on this session (default: the RIB's) */
  readonly localAsn?: number;
  /** the peer's address; a link-local one may carry its interface as "fe80::1%eth0" */
  readonly address: string;
  /** the interface of a directly connected session (needed to install link-local next hops) */
  readonly ifname?: string;
  readonly import?: ImportPolicyConfig;
  readonly export?: ExportPolicyConfig;
}

/** What the session layer knows once the session is established. */
export interface SessionInfo extends ExportSession {
  /** the peer's BGP identifier from its OPEN */
  readonly routerId: string;
}

/** A route this speaker originates (a VM address, the loopback). */
export interface LocalRoute {
  readonly prefix: Prefix;
  readonly origin?: Origin;
  readonly med?: number;
  readonly communities?: readonly number[];
  readonly largeCommunities?: readonly (readonly [number, number, number])[];
  readonly extCommunities?: readonly string[];
}

export interface LocalRoutesResult {
  /** routes left out because they were invalid; the others were applied */
  readonly invalid: readonly { readonly index: number; readonly code: 'ERR_RIB_BAD_PREFIX'; readonly message: string }[];
  readonly added: number;
  readonly changed: number;
  readonly removed: number;
}

export interface PeerUpdates {
  readonly peer: string;
  readonly updates: UpdateMessage[];
}

export interface PeerStats {
  readonly id: string;
  readonly up: boolean;
  readonly asn: number;
  readonly address: string;
  readonly in: AdjRibInStats;
  /** undefined while the session is down */
  readonly out: AdjRibOutStats | undefined;
}

/** A path as the CLI shows it: plain JSON values. */
export interface PathView {
  /** 'local' or the peer id */
  readonly source: string;
  readonly pathId: number;
  readonly best: boolean;
  /** in the ECMP set */
  readonly multipath: boolean;
  readonly stale: boolean;
  /** for a path that is not the best: the step at which the best path beat it */
  readonly lostAt?: DecisionStep;
  readonly origin: 'igp' | 'egp' | 'incomplete';
  readonly asPath: string;
  readonly nextHops: readonly string[];
  readonly localPref: number;
  readonly med?: number;
  readonly communities?: readonly string[];
  readonly largeCommunities?: readonly string[];
  readonly extCommunities?: readonly string[];
}

export interface RouteView {
  readonly prefix: string;
  /** the step by which the best path beat the runner-up */
  readonly step: DecisionStep;
  readonly ecmp: readonly NextHop[];
  /** best first */
  readonly paths: readonly PathView[];
}

interface PeerEntry {
  readonly config: PeerConfig;
  readonly source: RouteSource & { routerId: number };
  readonly adjIn: AdjRibIn;
  exportPolicy: ExportPolicyConfig;
  adjOut: AdjRibOut | undefined;
}

export class Rib {
  readonly #interner = new Interner();
  readonly #loc: LocRib;
  readonly #opts: RibOptions;
  readonly #peers = new Map<string, PeerEntry>();
  readonly #local: RouteSource;
  readonly #localRoutes = new PrefixMap<AttrSet>();

  constructor(opts: RibOptions) {
    const routerId = parseIpv4(opts.routerId);
    if (!isAsn(opts.asn)) throw new RibError('ERR_RIB_BAD_CONFIG', `bad AS number ${opts.asn}`);
    if (routerId === undefined) throw new RibError('ERR_RIB_BAD_CONFIG', `router id must be a dotted quad: ${JSON.stringify(opts.routerId)}`);
    const maxPaths = opts.maxPaths ?? DEFAULT_MULTIPATH.maxPaths;
    if (!Number.isInteger(maxPaths) || maxPaths < 1) throw new RibError('ERR_RIB_BAD_CONFIG', `maxPaths must be an integer >= 1, got ${maxPaths}`);
    this.#opts = opts;
    const decision: DecisionOptions & MultipathOptions = {
      alwaysCompareMed: opts.alwaysCompareMed ?? DEFAULT_DECISION.alwaysCompareMed,
      multipathRelax: opts.multipathRelax ?? DEFAULT_MULTIPATH.multipathRelax,
      maxPaths,
    };
    this.#loc = new LocRib(this.#interner, decision);
    this.#local = { kind: 'local', id: 'local', asn: opts.asn, localAsn: opts.asn, ebgp: false, routerId, address: '', addressOrder: '', ifname: undefined };
    // every best-path change marks the Adj-RIB-Outs; flush() turns the marks into UPDATEs
    this.#loc.onChange((prefix, route) => {
      for (const p of this.#peers.values()) p.adjOut?.mark(prefix, route?.best);
    });
  }

  /**
   * Best-path / ECMP changes, per prefix, as they happen (the FIB's feed; coalesce as you like).
   * Listeners run synchronously inside the RIB call that caused the change: they must not change
   * the RIB themselves (queue the work instead); flush() and the inspection calls are fine.
   */
  onChange(listener: RouteListener): () => void {
    return this.#loc.onChange(listener);
  }

  // ------------------------------------------------------------------ peers

  /** Adds a configured peer (down). Throws ERR_RIB_DUPLICATE_PEER, ERR_RIB_BAD_CONFIG, or a policy error. */
  addPeer(config: PeerConfig): void {
    if (this.#peers.has(config.id)) throw new RibError('ERR_RIB_DUPLICATE_PEER', `peer ${config.id} exists already`);
    if (config.id === 'local') throw new RibError('ERR_RIB_BAD_CONFIG', `peer id 'local' is taken by this speaker's own routes`);
    const localAsn = config.localAsn ?? this.#opts.asn;
    for (const asn of [config.asn, localAsn]) {
      if (!isAsn(asn)) throw new RibError('ERR_RIB_BAD_CONFIG', `peer ${config.id}: bad AS number ${asn}`);
    }
    const [address, scope] = config.address.split('%') as [string, string | undefined];
    const source = {
      kind: 'peer' as const,
      id: config.id,
      asn: config.asn,
      localAsn,
      ebgp: config.asn !== localAsn,
      routerId: 0,
      address,
      addressOrder: addressOrder(address),
      ifname: config.ifname ?? scope,
    };
    const exportPolicy = config.export ?? {};
    new PrefixFilter(exportPolicy.filter ?? PERMIT_ALL); // validate now, not at the first export
    const adjIn = new AdjRibIn(source, config.import ?? {}, this.#loc, this.#interner);
    this.#peers.set(config.id, { config, source, adjIn, exportPolicy, adjOut: undefined });
  }

  /** Removes a peer and every route learned from it. */
  removePeer(id: string): void {
    this.peerDown(id);
    this.#peers.delete(id);
  }

  /** Replaces a peer's policies. Export changes are sent at the next flush; import changes apply to routes received from now on (ask the peer for a route refresh). */
  setPeerPolicy(id: string, policy: { readonly import?: ImportPolicyConfig; readonly export?: ExportPolicyConfig }): void {
    const p = this.#peer(id);
    // validate both before changing either
    for (const f of [policy.import?.filter, policy.export?.filter]) if (f !== undefined) new PrefixFilter(f);
    if (policy.import !== undefined) p.adjIn.setPolicy(policy.import);
    if (policy.export !== undefined) {
      p.exportPolicy = policy.export;
      p.adjOut?.setPolicy(policy.export);
    }
  }

  /**
   * The session is established: returns the initial table and End-of-RIB for each family.
   * (Routes kept stale by a graceful peerDown stay until the peer's End-of-RIB.)
   */
  peerUp(id: string, session: SessionInfo): UpdateMessage[] {
    const p = this.#peer(id);
    const routerId = parseIpv4(session.routerId);
    if (routerId === undefined) throw new RibError('ERR_RIB_BAD_CONFIG', `peer ${id}: router id must be a dotted quad: ${JSON.stringify(session.routerId)}`);
    if (p.adjOut !== undefined) this.peerDown(id);
    p.source.routerId = routerId;
    p.adjOut = new AdjRibOut(p.source, p.exportPolicy, session, this.#loc, this.#interner);
    return p.adjOut.initialUpdates();
  }

  /**
   * The session went down: its routes leave the Loc-RIB (other peers get withdrawals at the next
   * flush). With `graceful` (RFC 4724, the peer is restarting) they stay, marked stale, until the
   * peer re-announces them and sends End-of-RIB (`endOfRib` sweeps the rest), or until a plain
   * peerDown when the restart time runs out.
   */
  peerDown(id: string, opts: { readonly graceful?: boolean } = {}): void {
    const p = this.#peer(id);
    if (opts.graceful === true) p.adjIn.markStale();
    else p.adjIn.clear();
    p.adjOut?.close();
    p.adjOut = undefined;
  }

  /** One received UPDATE. Throws ERR_RIB_PEER_NOT_UP when the session is not established. */
  receive(id: string, update: UpdateMessage): ImportResult {
    return this.#upPeer(id).adjIn.receive(update);
  }

  /** Withdraws prefixes of a peer (RFC 7606 treat-as-withdraw). */
  withdraw(id: string, prefixes: readonly Prefix[]): number {
    return this.#upPeer(id).adjIn.withdraw(prefixes);
  }

  /** Keeps the peer's routes but marks them stale (graceful restart, enhanced route refresh). */
  markStale(id: string, family?: FamilyKey): number {
    return this.#peer(id).adjIn.markStale(family);
  }

  /** The peer's End-of-RIB for a family: its routes still stale are removed; returns how many. */
  endOfRib(id: string, afi: number, safi: number): number {
    return this.#peer(id).adjIn.sweepStale(`${afi}/${safi}`);
  }

  /** A ROUTE-REFRESH from the peer: every route of the family again. */
  routeRefresh(id: string, afi: number, safi: number): UpdateMessage[] {
    const out = this.#upPeer(id).adjOut;
    return out === undefined ? [] : out.refresh(afi, safi);
  }

  /** UPDATEs for every up peer with changes since the last flush. */
  flush(): PeerUpdates[] {
    const out: PeerUpdates[] = [];
    for (const p of this.#peers.values()) {
      if (p.adjOut === undefined || !p.adjOut.pending) continue;
      const updates = p.adjOut.flush();
      if (updates.length > 0) out.push({ peer: p.config.id, updates });
    }
    return out;
  }

  // ------------------------------------------------------------------ local routes

  /**
   * The complete set of routes this speaker originates; the RIB diffs against the previous set.
   * An invalid route is reported and left out; the rest apply.
   */
  setLocalRoutes(routes: readonly LocalRoute[]): LocalRoutesResult {
    const invalid: { index: number; code: 'ERR_RIB_BAD_PREFIX'; message: string }[] = [];
    const next = new PrefixMap<LocalRoute>();
    routes.forEach((r, index) => {
      const problem = prefixProblem(r.prefix);
      if (problem !== undefined) invalid.push({ index, code: 'ERR_RIB_BAD_PREFIX', message: `local route ${index}: ${problem}` });
      else next.set(r.prefix, r);
    });
    let added = 0;
    let changed = 0;
    let removed = 0;
    this.#localRoutes.forEach((_, prefix) => {
      if (next.has(prefix)) return;
      this.#loc.remove(prefix, this.#local, 0);
      this.#localRoutes.delete(prefix);
      removed++;
    });
    next.forEach((r, prefix) => {
      const set = this.#interner.intern(localAttributes(r), []);
      const had = this.#localRoutes.get(prefix);
      if (had === set) return;
      this.#loc.set(prefix, this.#local, 0, set);
      this.#localRoutes.set(prefix, set);
      if (had === undefined) added++;
      else changed++;
    });
    return { invalid, added, changed, removed };
  }

  // ------------------------------------------------------------------ inspection

  peerStats(id: string): PeerStats {
    const p = this.#peer(id);
    return { id, up: p.adjOut !== undefined, asn: p.config.asn, address: p.config.address, in: p.adjIn.stats(), out: p.adjOut?.stats() };
  }

  peers(): PeerStats[] {
    return [...this.#peers.keys()].map((id) => this.peerStats(id));
  }

  /** Number of prefixes in the Loc-RIB, and of distinct attribute sets held. */
  get size(): { readonly prefixes: number; readonly attributeSets: number } {
    return { prefixes: this.#loc.size, attributeSets: this.#interner.size };
  }

  /** One prefix ("10.0.0.0/24" or a Prefix): its paths, which is best and why, the ECMP set. */
  route(prefix: Prefix | string): RouteView | undefined {
    const p = typeof prefix === 'string' ? parsePrefix(prefix) : prefix;
    const route = this.#loc.route(p);
    return route === undefined ? undefined : this.#view(p, route);
  }

  /** Every prefix's route view, optionally of one family (allocates: for the CLI and tests). */
  routes(family?: FamilyKey): RouteView[] {
    const out: RouteView[] = [];
    this.#loc.forEachBest((prefix) => {
      const route = this.#loc.route(prefix);
      if (route !== undefined) out.push(this.#view(prefix, route));
    }, family);
    return out;
  }

  /** The best route of a prefix as the FIB sees it (undefined: none). */
  bestRoute(prefix: Prefix): BestRoute | undefined {
    return this.#loc.route(prefix);
  }

  rejected(id: string): RejectedRoute[] {
    return this.#peer(id).adjIn.rejectedRoutes();
  }

  advertised(id: string): AdvertisedRoute[] {
    return this.#peer(id).adjOut?.advertised() ?? [];
  }

  /** Whether a prefix is advertised to a peer, or why not. */
  explainExport(id: string, prefix: Prefix | string): AdvertiseState | 'peer-down' {
    const out = this.#peer(id).adjOut;
    return out === undefined ? 'peer-down' : out.explain(typeof prefix === 'string' ? parsePrefix(prefix) : prefix);
  }

  // ------------------------------------------------------------------ internals

  #peer(id: string): PeerEntry {
    const p = this.#peers.get(id);
    if (p === undefined) throw new RibError('ERR_RIB_UNKNOWN_PEER', `no peer ${JSON.stringify(id)}`);
    return p;
  }

  #upPeer(id: string): PeerEntry {
    const p = this.#peer(id);
    if (p.adjOut === undefined) throw new RibError('ERR_RIB_PEER_NOT_UP', `peer ${id} is not established`);
    return p;
  }

  #view(prefix: Prefix, route: BestRoute): RouteView {
    const opts = this.#loc.options;
    const paths = this.#loc.paths(prefix);
    const ecmpPeers = new Set(route.ecmp.map((h) => h.peer));
    return {
      prefix: formatPrefix(prefix),
      step: route.step,
      ecmp: route.ecmp,
      paths: paths.map((path) => {
        const best = path === route.best;
        const multipath = best ? route.ecmp.length > 0 : ecmpPeers.has(path.source.id) && isMultipathPeer(route.best, path, opts);
        return pathView(path, best, multipath, best ? undefined : compare(route.best, path, opts).step);
      }),
    };
  }
}

function isAsn(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= 0xffffffff;
}

function localAttributes(r: LocalRoute): StoredAttributes {
  return {
    origin: r.origin ?? ORIGIN_IGP,
    asPath: [],
    ...(r.med !== undefined && { med: r.med }),
    ...(r.communities !== undefined && { communities: r.communities }),
    ...(r.largeCommunities !== undefined && { largeCommunities: r.largeCommunities }),
    ...(r.extCommunities !== undefined && { extCommunities: r.extCommunities }),
  };
}

const ORIGIN_NAMES = ['igp', 'egp', 'incomplete'] as const;

function pathView(path: Path, best: boolean, multipath: boolean, lostAt: DecisionStep | undefined): PathView {
  const a = path.attrs.attrs;
  return {
    source: path.source.id,
    pathId: path.pathId,
    best,
    multipath,
    stale: path.stale,
    ...(lostAt !== undefined && { lostAt }),
    origin: ORIGIN_NAMES[path.attrs.origin] ?? 'incomplete',
    asPath: (a.asPath ?? []).map((s) => (s.type === 'set' || s.type === 'confed-set' ? `{${s.asns.join(',')}}` : s.asns.join(' '))).join(' '),
    nextHops: path.attrs.nextHops,
    localPref: path.attrs.localPref,
    ...(a.med !== undefined && { med: a.med }),
    ...(a.communities !== undefined && { communities: a.communities.map((c) => `${c >>> 16}:${c & 0xffff}`) }),
    ...(a.largeCommunities !== undefined && { largeCommunities: a.largeCommunities.map((l) => l.join(':')) }),
    ...(a.extCommunities !== undefined && { extCommunities: [...a.extCommunities] }),
  };
}
