// The multipath step: which paths, besides the best, the kernel FIB installs as ECMP next hops.
//
// A path joins the best in the ECMP set when the decision process cannot tell them apart except
// by the tie-breakers (router id, peer address): equal local preference, equal AS-path *length*
// (the paths themselves may differ), equal origin and MED, both eBGP or both iBGP. This is the
// "equal up to AS-path length" rule of FRR and most routers; FRR's behaviour, noted in the lab,
// that a different ORIGIN breaks ECMP follows from it. By default the paths must also come from
// the same neighbour AS; `multipathRelax` lifts that (FRR `bgp bestpath as-path multipath-relax`)
// so that two ToRs with their own ASNs give an ECMP pair. Locally originated paths never go to
// the FIB. Next hops are distinct; at most `maxPaths` of them.

import { tiedBeforeTieBreak, type DecisionOptions } from './decision.js';
import { fibNextHop, type NextHop, type Path } from './path.js';

export interface MultipathOptions {
  /** allow paths from different neighbour ASes (of equal AS-path length) into the ECMP set */
  readonly multipathRelax: boolean;
  /** the largest ECMP set, counting the best path (1 disables multipath) */
  readonly maxPaths: number;
}

export const DEFAULT_MULTIPATH: MultipathOptions = { multipathRelax: false, maxPaths: 16 };

/** Whether `p` is tied with `best` at the multipath step. */
export function isMultipathPeer(best: Path, p: Path, opts: DecisionOptions & MultipathOptions): boolean {
  if (p.source.kind === 'local') return false;
  if (!opts.multipathRelax && p.attrs.neighbourAs !== best.attrs.neighbourAs) return false;
  return tiedBeforeTieBreak(best, p, opts);
}

/**
 * The ECMP set: the best path's next hop first, then the next hops of the paths tied with it,
 * in candidate order, without duplicates (same address and interface), at most maxPaths.
 * Empty when the best path is locally originated (the dataplane owns those routes).
 */
export function ecmpNextHops(best: Path, candidates: Iterable<Path>, opts: DecisionOptions & MultipathOptions): NextHop[] {
  if (best.source.kind === 'local') return [];
  const hops = [fibNextHop(best)];
  if (opts.maxPaths <= 1) return hops;
  for (const p of candidates) {
    if (p === best || !isMultipathPeer(best, p, opts)) continue;
    const hop = fibNextHop(p);
    if (hops.some((h) => h.via === hop.via && h.dev === hop.dev)) continue;
    hops.push(hop);
    if (hops.length >= opts.maxPaths) break;
  }
  return hops;
}
