// The seam between the reconciler and the kernel: read the objects lagless looks at, apply a plan
// in batches, replace the nftables ruleset, and watch for changes. One Linux implementation
// (linux/linux-kernel.ts, the only code that runs ip / nft / writes /proc/sys) and one in-memory
// fake with the same semantics (fake/fake-kernel.ts).
import type { Address, Neighbour, ObservedLink, Route } from './model.js';
import type { PlanOp } from './plan.js';
import type { DataplaneError } from './errors.js';

/** What a full read returns (see ObservedState in model.ts for what is included). */
export interface KernelSnapshot {
  readonly links: readonly ObservedLink[];
  /** lagless's routes only (its protocol number), main table, IPv4 and IPv6 */
  readonly routes: readonly Route[];
  /** permanent and proxy entries, any interface */
  readonly neighbours: readonly Neighbour[];
  /** every address on lo, and fe80::1/64 wherever it is */
  readonly addresses: readonly Address[];
}

export interface ApplyOutcome {
  /** the ops that failed, by op key; every other op succeeded */
  readonly failed: ReadonlyMap<string, DataplaneError>;
  /** processes run (or, in the fake, batches) */
  readonly commands: number;
}

export interface FirewallTable {
  readonly family: string;
  readonly name: string;
}

/** A change the kernel reported. Routes are reported only when they matter (see `owned`). */
export type KernelEvent =
  /** up: administratively up; lowerUp: has carrier (LOWER_UP), when the source knows */
  | { readonly type: 'link'; readonly deleted: boolean; readonly name: string; readonly ifindex: number; readonly up: boolean; readonly mtu: number; readonly lowerUp?: boolean }
  /** owned: the route has lagless's protocol; a foreign one is reported so a takeover of a key is seen */
  | { readonly type: 'route'; readonly deleted: boolean; readonly owned: boolean; readonly route: Route }
  /** permanent: the entry is (still) PERMANENT; proxy entries report permanent = true */
  | { readonly type: 'neigh'; readonly deleted: boolean; readonly permanent: boolean; readonly neigh: Neighbour }
  | { readonly type: 'addr'; readonly deleted: boolean; readonly addr: Address }
  /** events may have been missed (monitor restarted or overflowed): re-read everything */
  | { readonly type: 'lost'; readonly reason: string };

export interface KernelWatch {
  stop(): Promise<void>;
}

export interface Kernel {
  /** Once before use: e.g. register lagless's route protocol name. Idempotent. */
  prepare(): Promise<void>;
  readState(): Promise<KernelSnapshot>;
  /** Values of these /proc/sys paths (relative: "net/ipv4/ip_forward"); missing ones are absent. */
  readSysctls(paths: readonly string[]): Promise<Map<string, string>>;
  /**
   * Runs the ops in order, batched. One failing op fails alone: the others still run. A sysctl of
   * an interface that no longer exists counts as done (the interface took it with it).
   */
  apply(ops: readonly PlanOp[]): Promise<ApplyOutcome>;
  /** Runs the nft script as one transaction. Throws ERR_DP_FIREWALL; the old ruleset then stays. */
  applyFirewall(script: string): Promise<void>;
  /** Stateless listing of these tables (counter values left out), or undefined when one is missing. */
  readFirewall(tables: readonly FirewallTable[]): Promise<string | undefined>;
  /** Delivers kernel events until stopped. */
  watch(onEvent: (e: KernelEvent) => void): KernelWatch;
}
