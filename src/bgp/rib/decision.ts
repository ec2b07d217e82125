// The BGP decision process (RFC 4271 §9.1) as numbered steps, in the manner of OpenBGPD's
// prefix_cmp: each step is a small function that prefers one of two paths or ties, and the step
// that decided is reported (it is shown by the CLI and carried in best-path events).
//
// Step 0, the loop check, makes a path ineligible rather than less preferred: paths containing our
// own AS are dropped at import (counted as 'own-as-in-path') and never reach the comparison.
// Next-hop resolvability (§9.1.2) and the interior-cost step (e) do not apply: peers are directly
// connected and there is no IGP.

import type { AsPathSegment } from '../wire/types.js';
import type { Path } from './path.js';

export type DecisionStep =
  | 'only-path' // a single eligible path: nothing to compare
  | 'local-origin'
  | 'local-pref'
  | 'as-path-length'
  | 'origin'
  | 'med'
  | 'ebgp-over-ibgp'
  | 'router-id'
  | 'peer-address'
  | 'path-id'
  | 'equal'; // the same path (or indistinguishable ones)

export interface DecisionOptions {
  /** compare MED between paths from different neighbour ASes too (FRR `bgp always-compare-med`) */
  readonly alwaysCompareMed: boolean;
}

export const DEFAULT_DECISION: DecisionOptions = { alwaysCompareMed: false };

/** A step: negative when `a` is preferred, positive when `b` is, 0 when they tie. */
type Step = (a: Path, b: Path, opts: DecisionOptions) => number;

/**
 * Step 0 (§9.1.2): "If the AS_PATH attribute of a BGP route contains an AS loop, the BGP route
 * should be excluded from the Phase 2 decision function." A loop is our own AS in the path more
 * often than `allowed` times (allowed > 0 is FRR's `allowas-in`).
 */
export function hasAsLoop(asPath: readonly AsPathSegment[] | undefined, ownAs: number, allowed = 0): boolean {
  if (asPath === undefined) return false;
  let seen = 0;
  for (const s of asPath) for (const asn of s.asns) if (asn === ownAs && ++seen > allowed) return true;
  return false;
}

/**
 * Step 1: a route this speaker originates beats any learned route (what FRR's default weight
 * of 32768 for local routes achieves): a hypervisor's own VM routes are never replaced by an
 * echo from the fabric.
 */
const localOrigin: Step = (a, b) => (b.source.kind === 'local' ? 1 : 0) - (a.source.kind === 'local' ? 1 : 0);

/**
 * Step 2 (§9.1.1, §9.1.2): "the local speaker shall use the value of the LOCAL_PREF attribute as
 * the degree of preference" and selects "the route with the highest degree of preference".
 * Paths without LOCAL_PREF (all eBGP-learned ones) count as 100.
 */
const localPref: Step = (a, b) => b.attrs.localPref - a.attrs.localPref;

/**
 * Step 3 (§9.1.2.2 a): "Remove from consideration all routes that are not tied for having the
 * smallest number of AS numbers present in their AS_PATH attributes. Note that when counting this
 * number, an AS_SET counts as 1, no matter how many ASes are in the set."
 */
const asPathLength: Step = (a, b) => a.attrs.asPathLength - b.attrs.asPathLength;

/**
 * Step 4 (§9.1.2.2 b): "Remove from consideration all routes that are not tied for having the
 * lowest Origin number in their Origin attribute."
 */
const origin: Step = (a, b) => a.attrs.origin - b.attrs.origin;

/**
 * Step 5 (§9.1.2.2 c): "Remove from consideration routes with less-preferred MULTI_EXIT_DISC
 * attributes. MULTI_EXIT_DISC is only comparable between routes learned from the same
 * neighboring AS ... Routes that do not have the MULTI_EXIT_DISC attribute are considered to have
 * the lowest possible MULTI_EXIT_DISC value."
 */
const med: Step = (a, b, opts) => {
  if (!opts.alwaysCompareMed && a.attrs.neighbourAs !== b.attrs.neighbourAs) return 0;
  return a.attrs.med - b.attrs.med;
};

/**
 * Step 6 (§9.1.2.2 d): "If at least one of the candidate routes was received via EBGP, remove
 * from consideration all routes that were received via IBGP."
 */
const ebgpOverIbgp: Step = (a, b) => (b.source.ebgp ? 1 : 0) - (a.source.ebgp ? 1 : 0);

/**
 * Step 7 (§9.1.2.2 f): "Remove from consideration all routes other than the route that was
 * advertised by the BGP speaker with the lowest BGP Identifier value." RFC 4456 §9: a route
 * carrying ORIGINATOR_ID is compared by it instead.
 */
const routerId: Step = (a, b) => (a.attrs.originatorId ?? a.source.routerId) - (b.attrs.originatorId ?? b.source.routerId);

/** Step 8 (§9.1.2.2 g): "Prefer the route received from the lowest peer address." */
const peerAddress: Step = (a, b) =>
  a.source.addressOrder < b.source.addressOrder ? -1 : a.source.addressOrder > b.source.addressOrder ? 1 : 0;

/** Step 9: two add-path paths from one peer: the lower path identifier, so the choice is stable. */
const pathId: Step = (a, b) => a.pathId - b.pathId;

const STEPS: readonly (readonly [DecisionStep, Step])[] = [
  ['local-origin', localOrigin],
  ['local-pref', localPref],
  ['as-path-length', asPathLength],
  ['origin', origin],
  ['med', med],
  ['ebgp-over-ibgp', ebgpOverIbgp],
  ['router-id', routerId],
  ['peer-address', peerAddress],
  ['path-id', pathId],
];

/** Steps by number, as decide() reports them: 1 is STEPS[0]; 0 and STEPS.length + 1 stand for 'equal'. */
const STEP_NAMES: readonly DecisionStep[] = ['equal', ...STEPS.map(([name]) => name), 'equal'];

/** The number of the first tie-breaker: paths decided there or later (or not at all) are still tied at the multipath step. */
const FIRST_TIE_BREAK = STEP_NAMES.indexOf('router-id');

/**
 * The comparison without allocation: -(n) when `a` is preferred at step n (1-based), +n when `b`
 * is, 0 when they are the same path or tie on every step.
 */
export function decide(a: Path, b: Path, opts: DecisionOptions = DEFAULT_DECISION): number {
  if (a === b) return 0;
  for (let i = 0; i < STEPS.length; i++) {
    const d = STEPS[i]![1](a, b, opts);
    if (d !== 0) return d < 0 ? -(i + 1) : i + 1;
  }
  return 0;
}

/** Whether two paths are still tied when only the tie-breakers (router id, peer address, path id) are left. */
export function tiedBeforeTieBreak(a: Path, b: Path, opts: DecisionOptions = DEFAULT_DECISION): boolean {
  const d = decide(a, b, opts);
  return d === 0 || Math.abs(d) >= FIRST_TIE_BREAK;
}

export interface Comparison {
  readonly winner: Path;
  readonly step: DecisionStep;
}

/** Compares two eligible paths: the preferred one and the step that decided. */
export function compare(a: Path, b: Path, opts: DecisionOptions = DEFAULT_DECISION): Comparison {
  const d = decide(a, b, opts);
  return { winner: d > 0 ? b : a, step: STEP_NAMES[Math.abs(d)]! };
}

/** Whether `a` is preferred over `b` (on a complete tie, the one already in place, `a`, stays). */
export function prefers(a: Path, b: Path, opts: DecisionOptions = DEFAULT_DECISION): boolean {
  return decide(a, b, opts) <= 0;
}

/**
 * The best of the candidates (scanning in order, keeping the current winner on ties) and the
 * step by which it beat the runner-up: 'only-path' when there is one candidate.
 */
export function selectBest(paths: readonly Path[], opts: DecisionOptions = DEFAULT_DECISION): { best: Path; step: DecisionStep } | undefined {
  let best = paths[0];
  if (best === undefined) return undefined;
  for (let i = 1; i < paths.length; i++) {
    const p = paths[i]!;
    if (!prefers(best, p, opts)) best = p;
  }
  return { best, step: decidingStep(best, paths, opts) };
}

/**
 * Why `best` won: the step that decided against the runner-up, i.e. the latest step at which
 * some other path was still tied with it. 'only-path' when it stood alone.
 */
export function decidingStep(best: Path, paths: Iterable<Path>, opts: DecisionOptions = DEFAULT_DECISION): DecisionStep {
  let latest = -1;
  for (const p of paths) {
    if (p === best) continue;
    const d = decide(best, p, opts);
    const i = d === 0 ? STEP_NAMES.length - 1 : Math.abs(d);
    if (i > latest) latest = i;
  }
  return latest === -1 ? 'only-path' : STEP_NAMES[latest]!;
}
