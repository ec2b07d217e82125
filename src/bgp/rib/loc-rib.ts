// The Loc-RIB: for every prefix, the candidate paths (one per peer and path id, plus this
// speaker's own), the best path and the ECMP set, and an event whenever those change.
//
// As in BIRD's nest (net -> rte list), a prefix maps to a linked list of its paths with the best
// one first; there is no per-prefix object beyond the paths themselves, so a prefix learned from
// two peers costs two small path objects and one map entry. Paths hold interned attribute sets.

import type { FamilyKey, Prefix } from '../wire/types.js';
import { decidingStep, prefers, type DecisionOptions, type DecisionStep } from './decision.js';
import type { AttrSet, Interner } from './intern.js';
import { ecmpNextHops, type MultipathOptions } from './multipath.js';
import { fibNextHop, type NextHop, type Path, type RouteSource } from './path.js';
import { FAMILY_IPV4 } from './prefix.js';
import { PrefixMap } from './prefix-map.js';

/** What the FIB and the Adj-RIB-Outs consume for a prefix. */
export interface BestRoute {
  readonly best: Path;
  /** next hops to install, best first; empty when the best path is locally originated */
  readonly ecmp: readonly NextHop[];
  /** the decision step by which the best path beat the runner-up */
  readonly step: DecisionStep;
}

/** Fired when the best path (its source or attributes) or the ECMP next hops of a prefix change; undefined: no route left. */
export type RouteListener = (prefix: Prefix, route: BestRoute | undefined) => void;

export type SetResult = 'added' | 'replaced' | 'unchanged';

class PathNode implements Path {
  stale = false;
  next: PathNode | undefined = undefined;
  constructor(
    readonly source: RouteSource,
    public attrs: AttrSet,
    readonly pathId: number,
  ) {}
}

/** The state a listener has last been told about, to tell whether a mutation changed it. */
interface Shown {
  readonly best: PathNode;
  readonly attrs: AttrSet;
  readonly ecmp: readonly NextHop[];
}

export class LocRib {
  readonly #table = new PrefixMap<PathNode>();
  readonly #interner: Interner;
  readonly #opts: DecisionOptions & MultipathOptions;
  readonly #listeners = new Set<RouteListener>();

  constructor(interner: Interner, opts: DecisionOptions & MultipathOptions) {
    this.#interner = interner;
    this.#opts = opts;
  }

  /** Number of prefixes with at least one path. */
  get size(): number {
    return this.#table.size;
  }

  get options(): DecisionOptions & MultipathOptions {
    return this.#opts;
  }

  /** Subscribes to best-path / ECMP changes; returns the unsubscribe function. */
  onChange(listener: RouteListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Adds the path of (source, pathId) for the prefix, or replaces its attributes (an implicit
   * withdraw). The Loc-RIB acquires `attrs` when it keeps them.
   */
  set(prefix: Prefix, source: RouteSource, pathId: number, attrs: AttrSet): SetResult {
    const head = this.#table.get(prefix);
    if (head === undefined) {
      const node = new PathNode(source, attrs, pathId);
      this.#interner.acquire(attrs);
      this.#table.set(prefix, node);
      this.#emit(prefix, undefined, node);
      return 'added';
    }
    let node: PathNode | undefined = head;
    let tail = head;
    while (node !== undefined && !(node.source === source && node.pathId === pathId)) {
      tail = node;
      node = node.next;
    }
    if (node !== undefined && node.attrs === attrs && !node.stale) return 'unchanged';
    const before = this.#before(head);
    this.#interner.acquire(attrs);
    let result: SetResult;
    if (node === undefined) {
      tail.next = new PathNode(source, attrs, pathId);
      result = 'added';
    } else {
      this.#interner.release(node.attrs);
      node.attrs = attrs;
      node.stale = false;
      result = 'replaced';
    }
    this.#settle(prefix, head, head, before);
    return result;
  }

  /** Removes the path of (source, pathId) for the prefix; false when there was none. */
  remove(prefix: Prefix, source: RouteSource, pathId: number): boolean {
    const head = this.#table.get(prefix);
    let node = head;
    while (node !== undefined && !(node.source === source && node.pathId === pathId)) node = node.next;
    if (head === undefined || node === undefined) return false;
    const before = this.#before(head);
    this.#afterRemoval(prefix, head, this.#unlink(head, (n) => n === node), before);
    return true;
  }

  /** Removes every path from the source (a session went down), optionally of one family; returns how many. */
  removeSource(source: RouteSource, family?: FamilyKey): number {
    return this.#removeWhere(source, family, () => true);
  }

  /** Marks every path from the source stale (graceful restart, enhanced route refresh); returns how many. */
  markStale(source: RouteSource, family?: FamilyKey): number {
    let n = 0;
    this.#table.forEach((head) => {
      for (let p: PathNode | undefined = head; p !== undefined; p = p.next) {
        if (p.source === source) {
          p.stale = true;
          n++;
        }
      }
    }, familyFilter(family));
    return n;
  }

  /** Removes the source's paths still stale (not re-announced since markStale); returns how many. */
  sweepStale(source: RouteSource, family?: FamilyKey): number {
    return this.#removeWhere(source, family, (n) => n.stale);
  }

  /** Whether the source has a path (with that path id) for the prefix. */
  hasPath(prefix: Prefix, source: RouteSource, pathId: number): boolean {
    for (let p = this.#table.get(prefix); p !== undefined; p = p.next) if (p.source === source && p.pathId === pathId) return true;
    return false;
  }

  best(prefix: Prefix): Path | undefined {
    return this.#table.get(prefix);
  }

  /** The candidate paths of a prefix, best first. */
  paths(prefix: Prefix): Path[] {
    return listOf(this.#table.get(prefix));
  }

  /** The best route of a prefix with its ECMP set and deciding step (computed now). */
  route(prefix: Prefix): BestRoute | undefined {
    const head = this.#table.get(prefix);
    return head === undefined ? undefined : this.#bestRoute(head);
  }

  /** Calls fn with every prefix's best path, optionally of one family. */
  forEachBest(fn: (prefix: Prefix, best: Path) => void, family?: FamilyKey): void {
    this.#table.forEach((head, prefix) => fn(prefix, head), familyFilter(family));
  }

  // ------------------------------------------------------------------ internals

  #removeWhere(source: RouteSource, family: FamilyKey | undefined, also: (n: PathNode) => boolean): number {
    let n = 0;
    this.#table.forEach((head, prefix) => {
      let mine = false;
      for (let p: PathNode | undefined = head; p !== undefined && !mine; p = p.next) mine = p.source === source && also(p);
      if (!mine) return;
      const before = this.#before(head);
      const rest = this.#unlink(head, (p) => {
        const hit = p.source === source && also(p);
        if (hit) n++;
        return hit;
      });
      this.#afterRemoval(prefix, head, rest, before);
    }, familyFilter(family));
    return n;
  }

  /** Unlinks (and releases) the nodes matching `hit`; returns the new head of the list. */
  #unlink(head: PathNode, hit: (n: PathNode) => boolean): PathNode | undefined {
    let first: PathNode | undefined = head;
    while (first !== undefined && hit(first)) {
      this.#interner.release(first.attrs);
      first = first.next;
    }
    for (let p = first; p !== undefined; ) {
      const n: PathNode | undefined = p.next;
      if (n !== undefined && hit(n)) {
        this.#interner.release(n.attrs);
        p.next = n.next;
      } else {
        p = n;
      }
    }
    return first;
  }

  /** What listeners were last shown for the list (nothing to compute when nobody listens). */
  #before(head: PathNode): Shown | undefined {
    return this.#listeners.size === 0 ? undefined : this.#shown(head);
  }

  #afterRemoval(prefix: Prefix, stored: PathNode, rest: PathNode | undefined, before: Shown | undefined): void {
    if (rest === undefined) {
      this.#table.delete(prefix);
      this.#emit(prefix, before, undefined);
      return;
    }
    this.#settle(prefix, rest, stored, before);
  }

  /**
   * Moves the best path to the head, stores the list (the table holds `stored` until then) and
   * tells listeners if anything they see changed.
   */
  #settle(prefix: Prefix, head: PathNode, stored: PathNode, before: Shown | undefined): void {
    let best = head;
    let bestPrev: PathNode | undefined;
    for (let prev = head, p = head.next; p !== undefined; prev = p, p = p.next) {
      if (!prefers(best, p, this.#opts)) {
        best = p;
        bestPrev = prev;
      }
    }
    if (bestPrev !== undefined) {
      bestPrev.next = best.next;
      best.next = head;
    }
    if (best !== stored) this.#table.set(prefix, best);
    this.#emit(prefix, before, best);
  }

  #emit(prefix: Prefix, before: Shown | undefined, head: PathNode | undefined): void {
    if (this.#listeners.size === 0) return;
    if (head === undefined) {
      if (before !== undefined) for (const fn of this.#listeners) fn(prefix, undefined);
      return;
    }
    const now = this.#shown(head);
    if (before !== undefined && sameShown(before, now)) return;
    const route: BestRoute = { best: head, ecmp: now.ecmp, step: head.next === undefined ? 'only-path' : decidingStep(head, listOf(head), this.#opts) };
    for (const fn of this.#listeners) fn(prefix, route);
  }

  #shown(head: PathNode): Shown {
    const ecmp = head.next === undefined ? (head.source.kind === 'local' ? [] : [fibNextHop(head)]) : ecmpNextHops(head, listOf(head), this.#opts);
    return { best: head, attrs: head.attrs, ecmp };
  }

  #bestRoute(head: PathNode): BestRoute {
    const { ecmp } = this.#shown(head);
    return { best: head, ecmp, step: head.next === undefined ? 'only-path' : decidingStep(head, listOf(head), this.#opts) };
  }
}

function listOf(head: PathNode | undefined): PathNode[] {
  const out: PathNode[] = [];
  for (let p = head; p !== undefined; p = p.next) out.push(p);
  return out;
}

function sameShown(a: Shown, b: Shown): boolean {
  if (a.best !== b.best || a.attrs !== b.attrs || a.ecmp.length !== b.ecmp.length) return false;
  for (let i = 0; i < a.ecmp.length; i++) {
    const x = a.ecmp[i]!;
    const y = b.ecmp[i]!;
    if (x.via !== y.via || x.dev !== y.dev || x.peer !== y.peer) return false;
  }
  return true;
}

function familyFilter(family: FamilyKey | undefined): 'ipv4' | 'ipv6' | undefined {
  return family === undefined ? undefined : family === FAMILY_IPV4 ? 'ipv4' : 'ipv6';
}
