// The pure diff: desired state against observed state -> the operations that make the kernel
// match, in the order they must run. Only objects lagless owns (model.ts) are ever changed or
// removed; before the caller is in sync nothing is removed at all (restart safety).
import type { Address, DesiredState, LinkSpec, Neighbour, ObservedState, Route } from './model.js';
import {
  GATEWAY_V6,
  GATEWAY_V6_PREFIX_LEN,
  LO_LABEL,
  isOwnedAlias,
  keyKind,
  linkKey,
  neighbourEquals,
  routeSatisfies,
  sysctlKey,
} from './model.js';
import { TAP_SYSCTLS, tapSysctlPath } from './wiring.js';

export type PlanAction = 'add' | 'replace' | 'remove';

export type PlanOp =
  /** add/replace: mark the tap (alias), set it up, set its MTU; remove: clear the mark (release) */
  | { readonly kind: 'link'; readonly action: PlanAction; readonly key: string; readonly link: LinkSpec }
  /** remove: a released tap's sysctl set back to the kernel default (`value`) */
  | { readonly kind: 'sysctl'; readonly action: PlanAction; readonly key: string; readonly path: string; readonly value: string }
  | { readonly kind: 'addr'; readonly action: PlanAction; readonly key: string; readonly addr: Address }
  | { readonly kind: 'neigh'; readonly action: PlanAction; readonly key: string; readonly neigh: Neighbour }
  | { readonly kind: 'route'; readonly action: PlanAction; readonly key: string; readonly route: Route };

export interface PlanInput {
  readonly desired: DesiredState;
  readonly observed: ObservedState;
  /** false until every source has delivered a complete view: nothing is removed before that */
  readonly inSync: boolean;
  /**
   * false until routing has converged after a start (default: `inSync`): learned routes (those
   * with a gateway) are not removed before that, so a restarted agent keeps forwarding through
   * the routes it installed last time until its BGP sessions have told it what is still valid
   */
  readonly routesInSync?: boolean;
  /** learned routes desired earlier in this run: once withdrawn they go at once, converged or not */
  readonly learnedThisRun?: (key: string) => boolean;
  /**
   * learned routes found in the kernel at start that this run has not yet matched or written.
   * Before routes are in sync, such a route is left as it is when the desired next hops are all
   * among its own (the sessions that bring the others back are still coming up: a restart must
   * not shrink an ECMP set it is about to restore).
   */
  readonly stale?: (key: string) => boolean;
  /** keys to leave alone this time (failed recently, waiting for their retry) */
  readonly hold?: (key: string) => boolean;
  /** kernel default of each per-tap sysctl (TAP_SYSCTLS template -> value): what a released tap is reset to */
  readonly tapDefaults: ReadonlyMap<string, string>;
  /**
   * Compare only these object keys (an incremental flush: what events, port changes and retries
   * touched). Absent: compare everything desired and everything observed.
   */
  readonly only?: Iterable<string>;
}

export interface Plan {
  readonly ops: readonly PlanOp[];
  readonly counts: { readonly add: number; readonly replace: number; readonly remove: number };
  /** compared desired objects that were already right */
  readonly untouched: number;
  /** keys with a difference that were held back (see PlanInput.hold) */
  readonly held: readonly string[];
  /** stale routes (PlanInput.stale) the desired state now matches exactly: no longer stale */
  readonly confirmed: readonly string[];
}

/** Execution order: make taps ours and set them up, sysctls before routes, removals last. */
const ORDER: readonly string[] = [
  'link add', 'link replace', 'sysctl add', 'sysctl replace', 'addr add', 'addr replace',
  'neigh add', 'neigh replace', 'route add', 'route replace',
  'route remove', 'neigh remove', 'addr remove', 'sysctl remove', 'link remove',
];

export function buildPlan(input: PlanInput): Plan {
  const { desired, observed, inSync } = input;
  const routesInSync = inSync && (input.routesInSync ?? true);
  const hold = input.hold ?? (() => false);
  const buckets = new Map<string, PlanOp[]>(ORDER.map((o) => [o, []]));
  const held: string[] = [];
  const confirmed: string[] = [];
  let untouched = 0;
  const emit = (op: PlanOp) => {
    if (hold(op.key)) {
      held.push(op.key);
      return;
    }
    buckets.get(`${op.kind} ${op.action}`)?.push(op);
  };

  // A tap is lagless's when it carries the alias mark, or when lagless is about to mark it.
  const ownedTap = (name: string): boolean => desired.links.has(name) || isOwnedAlias(observed.links.get(name)?.alias);

  const link = (name: string) => {
    const spec = desired.links.get(name);
    const o = observed.links.get(name);
    if (o === undefined) return; // no tap (yet): nothing to wire, nothing to release
    if (spec !== undefined) {
      if (o.alias === spec.alias && o.up && (spec.mtu === undefined || o.mtu === spec.mtu)) untouched++;
      else emit({ kind: 'link', action: isOwnedAlias(o.alias) ? 'replace' : 'add', key: linkKey(name), link: spec });
      return;
    }
    if (!inSync || !isOwnedAlias(o.alias)) return;
    // release: the tap's sysctls back to the kernel defaults, then its mark (removals run last)
    for (const [template] of TAP_SYSCTLS) {
      const path = tapSysctlPath(template, name);
      const def = input.tapDefaults.get(template);
      if (def === undefined || observed.sysctls.get(path) === def) continue;
      emit({ kind: 'sysctl', action: 'remove', key: sysctlKey(path), path, value: def });
    }
    emit({ kind: 'link', action: 'remove', key: linkKey(name), link: { name, alias: '' } });
  };

  const sysctl = (path: string) => {
    const value = desired.sysctls.get(path);
    if (value === undefined) return;
    const o = observed.sysctls.get(path);
    if (o === value) untouched++;
    else emit({ kind: 'sysctl', action: o === undefined ? 'add' : 'replace', key: sysctlKey(path), path, value });
  };

  // addresses: present is enough (a foreign address with the same value satisfies it)
  const addr = (key: string) => {
    const d = desired.addresses.get(key);
    const o = observed.addresses.get(key);
    if (d !== undefined) {
      if (o !== undefined) untouched++;
      else emit({ kind: 'addr', action: 'add', key, addr: d });
      return;
    }
    if (o === undefined || !inSync) return;
    const ours = (o.dev === 'lo' && o.label === LO_LABEL) || (o.address === GATEWAY_V6 && o.prefixLen === GATEWAY_V6_PREFIX_LEN && ownedTap(o.dev));
    if (ours) emit({ kind: 'addr', action: 'remove', key, addr: o });
  };

  const neigh = (key: string) => {
    const d = desired.neighbours.get(key);
    const o = observed.neighbours.get(key);
    if (d !== undefined) {
      if (o !== undefined && neighbourEquals(o, d)) untouched++;
      else emit({ kind: 'neigh', action: o === undefined ? 'add' : 'replace', key, neigh: d });
      return;
    }
    if (o !== undefined && inSync && ownedTap(o.dev)) emit({ kind: 'neigh', action: 'remove', key, neigh: o });
  };

  // observed holds lagless's routes only
  const route = (key: string) => {
    const d = desired.routes.get(key);
    const o = observed.routes.get(key);
    if (d !== undefined) {
      const stale = input.stale?.(key) === true;
      if (o !== undefined && routeSatisfies(d, o)) {
        untouched++;
        if (stale) confirmed.push(key);
      } else if (o !== undefined && stale && !routesInSync && nextHopsWithin(d, o)) untouched++;
      else emit({ kind: 'route', action: o === undefined ? 'add' : 'replace', key, route: d });
      return;
    }
    if (o === undefined || !inSync) return;
    const learned = o.nextHops.some((nh) => nh.via !== undefined);
    if (!learned || routesInSync || input.learnedThisRun?.(key) === true) emit({ kind: 'route', action: 'remove', key, route: o });
  };

  if (input.only === undefined) {
    for (const name of desired.links.keys()) link(name);
    for (const name of observed.links.keys()) if (!desired.links.has(name)) link(name);
    for (const path of desired.sysctls.keys()) sysctl(path);
    for (const key of desired.addresses.keys()) addr(key);
    for (const key of observed.addresses.keys()) if (!desired.addresses.has(key)) addr(key);
    for (const key of desired.neighbours.keys()) neigh(key);
    for (const key of observed.neighbours.keys()) if (!desired.neighbours.has(key)) neigh(key);
    for (const key of desired.routes.keys()) route(key);
    for (const key of observed.routes.keys()) if (!desired.routes.has(key)) route(key);
  } else {
    const seen = new Set<string>();
    for (const key of input.only) {
      if (seen.has(key)) continue;
      seen.add(key);
      const rest = key.slice(key.indexOf(' ') + 1);
      switch (keyKind(key)) {
        case 'link':
          link(rest);
          break;
        case 'sysctl':
          sysctl(rest);
          break;
        case 'addr':
          addr(key);
          break;
        case 'neigh':
        case 'proxy':
          neigh(key);
          break;
        case 'route':
          route(key);
          break;
      }
    }
  }

  const ops: PlanOp[] = [];
  for (const o of ORDER) for (const op of buckets.get(o) ?? []) ops.push(op);
  const counts = { add: 0, replace: 0, remove: 0 };
  for (const op of ops) counts[op.action]++;
  return { ops, counts, untouched, held, confirmed };
}

/** Every next hop of `d` (a learned route: each with a gateway) is one of `o`'s. */
function nextHopsWithin(d: Route, o: Route): boolean {
  return d.nextHops.length > 0 && d.nextHops.every((h) => h.via !== undefined && o.nextHops.some((x) => x.via === h.via && (h.dev === undefined || x.dev === h.dev)));
}
