// The pure diff: desired state against observed state -> the operations that make the kernel
// match, in the order they must run. Only objects lagless owns (model.ts) are ever changed or
// removed; before the caller is in sync nothing is removed at all (restart safety).
import type { Address, DesiredState, LinkSpec, Neighbour, ObservedState, Route } from './model.js';
import {
  GATEWAY_V6,
  GATEWAY_V6_PREFIX_LEN,
  LO_LABEL,
  isOwnedAlias,
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
  /** keys to leave alone this time (failed recently, waiting for their retry) */
  readonly hold?: (key: string) => boolean;
  /** kernel default of each per-tap sysctl (TAP_SYSCTLS template -> value): what a released tap is reset to */
  readonly tapDefaults: ReadonlyMap<string, string>;
}

export interface Plan {
  readonly ops: readonly PlanOp[];
  readonly counts: { readonly add: number; readonly replace: number; readonly remove: number };
  /** desired objects already right */
  readonly untouched: number;
  /** keys with a difference that were held back (see PlanInput.hold) */
  readonly held: readonly string[];
}

/** Execution order: make taps ours and set them up, sysctls before routes, removals last. */
const ORDER: readonly string[] = [
  'link add', 'link replace', 'sysctl add', 'sysctl replace', 'addr add', 'addr replace',
  'neigh add', 'neigh replace', 'route add', 'route replace',
  'route remove', 'neigh remove', 'addr remove', 'sysctl remove', 'link remove',
];

export function buildPlan(input: PlanInput): Plan {
  const { desired, observed, inSync } = input;
  const hold = input.hold ?? (() => false);
  const buckets = new Map<string, PlanOp[]>(ORDER.map((o) => [o, []]));
  const held: string[] = [];
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

  // ---- links
  for (const [name, spec] of desired.links) {
    const o = observed.links.get(name);
    if (o === undefined) continue; // no tap yet: nothing to wire
    if (o.alias === spec.alias && o.up && (spec.mtu === undefined || o.mtu === spec.mtu)) untouched++;
    else emit({ kind: 'link', action: isOwnedAlias(o.alias) ? 'replace' : 'add', key: linkKey(name), link: spec });
  }
  const released: string[] = [];
  if (inSync) {
    for (const [name, o] of observed.links) {
      if (!desired.links.has(name) && isOwnedAlias(o.alias)) released.push(name);
    }
  }

  // ---- sysctls (only those of existing links and host-wide ones)
  for (const [path, value] of desired.sysctls) {
    const o = observed.sysctls.get(path);
    if (o === value) untouched++;
    else emit({ kind: 'sysctl', action: o === undefined ? 'add' : 'replace', key: sysctlKey(path), path, value });
  }
  for (const name of released) {
    for (const [template] of TAP_SYSCTLS) {
      const path = tapSysctlPath(template, name);
      const def = input.tapDefaults.get(template);
      if (def === undefined || observed.sysctls.get(path) === def) continue;
      emit({ kind: 'sysctl', action: 'remove', key: sysctlKey(path), path, value: def });
    }
  }

  // ---- addresses: present is enough (a foreign address with the same value satisfies it)
  for (const [key, a] of desired.addresses) {
    if (observed.addresses.has(key)) untouched++;
    else emit({ kind: 'addr', action: 'add', key, addr: a });
  }
  if (inSync) {
    for (const [key, a] of observed.addresses) {
      if (desired.addresses.has(key)) continue;
      const ours = (a.dev === 'lo' && a.label === LO_LABEL) || (a.address === GATEWAY_V6 && a.prefixLen === GATEWAY_V6_PREFIX_LEN && ownedTap(a.dev));
      if (ours) emit({ kind: 'addr', action: 'remove', key, addr: a });
    }
  }

  // ---- neighbours
  for (const [key, n] of desired.neighbours) {
    const o = observed.neighbours.get(key);
    if (o !== undefined && neighbourEquals(o, n)) untouched++;
    else emit({ kind: 'neigh', action: o === undefined ? 'add' : 'replace', key, neigh: n });
  }
  if (inSync) {
    for (const [key, n] of observed.neighbours) {
      if (!desired.neighbours.has(key) && ownedTap(n.dev)) emit({ kind: 'neigh', action: 'remove', key, neigh: n });
    }
  }

  // ---- routes (observed holds lagless's routes only)
  for (const [key, r] of desired.routes) {
    const o = observed.routes.get(key);
    if (o !== undefined && routeSatisfies(r, o)) untouched++;
    else emit({ kind: 'route', action: o === undefined ? 'add' : 'replace', key, route: r });
  }
  if (inSync) {
    for (const [key, r] of observed.routes) {
      if (!desired.routes.has(key)) emit({ kind: 'route', action: 'remove', key, route: r });
    }
  }

  // ---- release marks last, once everything on the tap is gone
  for (const name of released) emit({ kind: 'link', action: 'remove', key: linkKey(name), link: { name, alias: '' } });

  const ops: PlanOp[] = [];
  for (const o of ORDER) for (const op of buckets.get(o) ?? []) ops.push(op);
  const counts = { add: 0, replace: 0, remove: 0 };
  for (const op of ops) counts[op.action]++;
  return { ops, counts, untouched, held };
}
