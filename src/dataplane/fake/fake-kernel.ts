// An in-memory kernel with the semantics lagless relies on, for unit tests of the reconciler:
//   - routes are keyed by (destination, metric); `add` fails with EEXIST when the key is taken (by
//     anyone), `replace` takes it, `remove` only removes a route of lagless's protocol
//   - a route needs its interfaces to exist and be up; a link going down or away flushes its
//     routes (IPv4 silently, IPv6 with events, as Linux does), neighbour entries and IPv6 addresses
//   - every link has per-interface sysctls, created from the `default` values
//   - events are delivered asynchronously, like netlink notifications read from a monitor
// Test controls: addLink/removeLink/setLinkUp, *ByHand mutations (drift, foreign state), failOn
// (fault injection per op or for the firewall), and counters of what was applied.
import type { Address, Neighbour, ObservedLink, Route } from '../model.js';
import { LAGLESS_PROTO, addrKey, neighKey, routeDevs, routeKey } from '../model.js';
import type { PlanOp } from '../plan.js';
import type { ApplyOutcome, FirewallTable, Kernel, KernelEvent, KernelSnapshot, KernelWatch } from '../kernel.js';
import { DataplaneError, type DataplaneErrorCode } from '../errors.js';
import { TAP_SYSCTLS, tapSysctlDefaultPath, tapSysctlPath, HOST_SYSCTLS } from '../wiring.js';
import { interfaceOfSysctl } from '../observe.js';

interface FakeLink {
  name: string;
  ifindex: number;
  mtu: number;
  up: boolean;
  alias: string | undefined;
}
interface FakeRoute {
  route: Route;
  proto: number;
}
interface FakeNeigh {
  neigh: Neighbour;
  permanent: boolean;
}

export type FaultRule = (op: PlanOp) => string | undefined;

/** Values a fresh kernel (netns) starts with, for the sysctls lagless looks at. */
const DEFAULT_SYSCTLS: Readonly<Record<string, string>> = {
  'net/ipv4/conf/default/proxy_arp': '0',
  'net/ipv4/neigh/default/proxy_delay': '80',
  'net/ipv4/conf/default/rp_filter': '0',
  'net/ipv4/conf/default/forwarding': '0',
  'net/ipv6/conf/default/accept_ra': '1',
  'net/ipv6/conf/default/forwarding': '0',
  'net/ipv6/conf/default/proxy_ndp': '0',
};

export class FakeKernel implements Kernel {
  readonly links = new Map<string, FakeLink>();
  readonly routes = new Map<string, FakeRoute>();
  readonly neighbours = new Map<string, FakeNeigh>();
  readonly addresses = new Map<string, Address>();
  readonly sysctls = new Map<string, string>();
  /** nft tables: "family name" -> the script text that made it */
  readonly nftTables = new Map<string, string>();
  /** every script given to applyFirewall, in order */
  readonly firewallScripts: string[] = [];
  /** counters */
  applyCalls = 0;
  opsApplied = 0;
  readCalls = 0;
  firewallApplies = 0;
  readonly appliedOps: PlanOp[] = [];
  #faults: FaultRule[] = [];
  #firewallFault: string | undefined;
  #watchers = new Set<(e: KernelEvent) => void>();
  #pending: KernelEvent[] = [];
  #nextIfindex = 2;

  constructor() {
    this.links.set('lo', { name: 'lo', ifindex: 1, mtu: 65536, up: true, alias: undefined });
    for (const [path] of HOST_SYSCTLS) this.sysctls.set(path, '0');
    for (const [path, value] of Object.entries(DEFAULT_SYSCTLS)) this.sysctls.set(path, value);
    this.#addLinkSysctls('lo');
  }

  // ---------------------------------------------------------------- test controls

  addLink(name: string, opts: { up?: boolean; mtu?: number } = {}): void {
    if (this.links.has(name)) throw new Error(`fake: link ${name} exists`);
    const link: FakeLink = { name, ifindex: this.#nextIfindex++, mtu: opts.mtu ?? 1500, up: opts.up ?? true, alias: undefined };
    this.links.set(name, link);
    this.#addLinkSysctls(name);
    this.#emitLink(link, false);
  }

  removeLink(name: string): void {
    const link = this.links.get(name);
    if (link === undefined) return;
    this.#flushLink(name);
    this.links.delete(name);
    for (const path of [...this.sysctls.keys()]) if (isLinkSysctl(path, name)) this.sysctls.delete(path);
    this.#emitLink(link, true);
  }

  setLinkUp(name: string, up: boolean): void {
    const link = this.#link(name);
    if (link.up === up) return;
    link.up = up;
    if (!up) this.#flushLink(name);
    this.#emitLink(link, false);
  }

  setAliasByHand(name: string, alias: string | undefined): void {
    this.#link(name).alias = alias;
  }

  /** Any route, any protocol (foreign routes for ownership tests). */
  addRouteByHand(route: Route, proto: number): void {
    this.routes.set(routeKey(route.dst, route.metric), { route, proto });
    this.#emit({ type: 'route', deleted: false, owned: proto === LAGLESS_PROTO, route });
  }

  deleteRouteByHand(dst: string, metric: number): boolean {
    const k = routeKey(dst, metric);
    const r = this.routes.get(k);
    if (r === undefined) return false;
    this.routes.delete(k);
    this.#emit({ type: 'route', deleted: true, owned: r.proto === LAGLESS_PROTO, route: r.route });
    return true;
  }

  setSysctlByHand(path: string, value: string): void {
    this.sysctls.set(path, value);
  }

  addNeighbourByHand(neigh: Neighbour): void {
    this.neighbours.set(neighKey(neigh), { neigh, permanent: true });
    this.#emit({ type: 'neigh', deleted: false, permanent: true, neigh });
  }

  deleteNeighbourByHand(key: string): void {
    const n = this.neighbours.get(key);
    if (n === undefined) return;
    this.neighbours.delete(key);
    this.#emit({ type: 'neigh', deleted: true, permanent: n.permanent, neigh: n.neigh });
  }

  addAddressByHand(addr: Address): void {
    this.addresses.set(addrKey(addr), addr);
    this.#emit({ type: 'addr', deleted: false, addr });
  }

  deleteAddressByHand(key: string): void {
    const a = this.addresses.get(key);
    if (a === undefined) return;
    this.addresses.delete(key);
    this.#emit({ type: 'addr', deleted: true, addr: a });
  }

  addNftTableByHand(family: string, name: string, text: string): void {
    this.nftTables.set(`${family} ${name}`, text);
  }

  /** Every op for which a rule returns a message fails with it (until clearFaults). */
  failOn(rule: FaultRule): void {
    this.#faults.push(rule);
  }

  failFirewall(message: string | undefined): void {
    this.#firewallFault = message;
  }

  clearFaults(): void {
    this.#faults = [];
    this.#firewallFault = undefined;
  }

  /** Emits a 'lost' event (a monitor overflow). */
  loseEvents(reason = 'fake overflow'): void {
    this.#emit({ type: 'lost', reason });
  }

  routeProto(dst: string, metric: number): number | undefined {
    return this.routes.get(routeKey(dst, metric))?.proto;
  }

  /** Waits until queued events have been delivered. */
  async settle(): Promise<void> {
    await new Promise((r) => setImmediate(r));
  }

  // ---------------------------------------------------------------- Kernel

  async prepare(): Promise<void> {}

  async readState(): Promise<KernelSnapshot> {
    this.readCalls++;
    const links: ObservedLink[] = [...this.links.values()].map((l) => ({ ...l }));
    const routes = [...this.routes.values()].filter((r) => r.proto === LAGLESS_PROTO).map((r) => r.route);
    const neighbours = [...this.neighbours.values()].filter((n) => n.permanent).map((n) => n.neigh);
    const addresses = [...this.addresses.values()].filter((a) => a.dev === 'lo' || a.address === 'fe80::1');
    return { links, routes, neighbours, addresses };
  }

  async readSysctls(paths: readonly string[]): Promise<Map<string, string>> {
    this.readCalls++;
    const out = new Map<string, string>();
    for (const p of paths) {
      const v = this.sysctls.get(p);
      if (v !== undefined) out.set(p, v);
    }
    return out;
  }

  async apply(ops: readonly PlanOp[]): Promise<ApplyOutcome> {
    this.applyCalls++;
    const failed = new Map<string, DataplaneError>();
    for (const op of ops) {
      const fault = this.#faults.map((f) => f(op)).find((m) => m !== undefined);
      const err = fault ?? this.#applyOne(op);
      if (err !== undefined) {
        failed.set(op.key, new DataplaneError(err.startsWith('foreign:') ? 'ERR_DP_ROUTE_FOREIGN' : codeFor(op), `${op.kind} ${op.action} ${op.key}: ${err}`, { key: op.key }));
        continue;
      }
      this.opsApplied++;
      this.appliedOps.push(op);
    }
    return { failed, commands: ops.length === 0 ? 0 : 1 };
  }

  async applyFirewall(script: string): Promise<void> {
    if (this.#firewallFault !== undefined) throw new DataplaneError('ERR_DP_FIREWALL', `nft: ${this.#firewallFault}`);
    this.firewallApplies++;
    this.firewallScripts.push(script);
    let whole = false;
    for (const m of script.matchAll(/^\s*add table (\S+) (\S+)\s*$/gm)) {
      whole = true;
      this.nftTables.set(`${m[1]} ${m[2]}`, script);
    }
    if (whole) return;
    // an incremental update (element and counter commands): a table it names must exist; its
    // text grows by the commands, and a new marker hash replaces the old one
    for (const m of script.matchAll(/^(?:add|delete) (?:element|counter) (\S+) (\S+) /gm)) {
      const key = `${m[1]} ${m[2]}`;
      const text = this.nftTables.get(key);
      if (text === undefined) throw new DataplaneError('ERR_DP_FIREWALL', `nft: no table ${key}`);
      const hash = /comment "(sha256:[0-9a-f]+)"/.exec(script)?.[1];
      this.nftTables.set(key, `${hash === undefined ? text : text.replace(/sha256:[0-9a-f]+/, hash)}\n${script}`);
    }
  }

  async readFirewall(tables: readonly FirewallTable[]): Promise<string | undefined> {
    this.readCalls++;
    const parts: string[] = [];
    for (const t of tables) {
      const text = this.nftTables.get(`${t.family} ${t.name}`);
      if (text === undefined) return undefined;
      parts.push(`table ${t.family} ${t.name} ${text.length}\n${text}`);
    }
    return parts.join('\n');
  }

  watch(onEvent: (e: KernelEvent) => void): KernelWatch {
    this.#watchers.add(onEvent);
    return {
      stop: async () => {
        this.#watchers.delete(onEvent);
      },
    };
  }

  // ---------------------------------------------------------------- semantics

  #applyOne(op: PlanOp): string | undefined {
    switch (op.kind) {
      case 'link': {
        const link = this.links.get(op.link.name);
        if (link === undefined) return 'Cannot find device';
        if (op.action === 'remove') {
          link.alias = undefined;
          return undefined;
        }
        link.alias = op.link.alias;
        if (op.link.mtu !== undefined) link.mtu = op.link.mtu;
        if (!link.up) {
          link.up = true;
        }
        this.#emitLink(link, false);
        return undefined;
      }
      case 'sysctl': {
        if (!this.sysctls.has(op.path)) {
          const dev = interfaceOfSysctl(op.path);
          return dev !== undefined && !this.links.has(dev) ? undefined : 'No such file or directory';
        }
        this.sysctls.set(op.path, op.value);
        return undefined;
      }
      case 'addr': {
        const k = addrKey(op.addr);
        if (op.action === 'remove') {
          this.deleteAddressByHand(k);
          return undefined;
        }
        if (!this.links.has(op.addr.dev)) return 'Cannot find device';
        if (this.addresses.has(k)) return 'File exists';
        this.addresses.set(k, op.addr);
        this.#emit({ type: 'addr', deleted: false, addr: op.addr });
        return undefined;
      }
      case 'neigh': {
        const k = neighKey(op.neigh);
        if (op.action === 'remove') {
          this.deleteNeighbourByHand(k);
          return undefined;
        }
        if (!this.links.has(op.neigh.dev)) return 'Cannot find device';
        this.neighbours.set(k, { neigh: op.neigh, permanent: true });
        this.#emit({ type: 'neigh', deleted: false, permanent: true, neigh: op.neigh });
        return undefined;
      }
      case 'route': {
        const r = op.route;
        const k = routeKey(r.dst, r.metric);
        const existing = this.routes.get(k);
        if (op.action === 'remove') {
          if (existing !== undefined && existing.proto === LAGLESS_PROTO) this.deleteRouteByHand(r.dst, r.metric);
          return undefined;
        }
        for (const dev of routeDevs(r)) {
          const link = this.links.get(dev);
          if (link === undefined) return 'Cannot find device';
          if (!link.up) return 'Network is down';
        }
        if (op.action === 'add' && existing !== undefined) return existing.proto === LAGLESS_PROTO ? 'File exists' : 'foreign: File exists';
        this.routes.set(k, { route: r, proto: LAGLESS_PROTO });
        this.#emit({ type: 'route', deleted: false, owned: true, route: r });
        return undefined;
      }
    }
  }

  #link(name: string): FakeLink {
    const link = this.links.get(name);
    if (link === undefined) throw new Error(`fake: no link ${name}`);
    return link;
  }

  #addLinkSysctls(name: string): void {
    for (const [template] of TAP_SYSCTLS) {
      this.sysctls.set(tapSysctlPath(template, name), this.sysctls.get(tapSysctlDefaultPath(template)) ?? '0');
    }
  }

  /** What Linux does when a link goes down or away. */
  #flushLink(name: string): void {
    for (const [k, r] of [...this.routes]) {
      if (!routeDevs(r.route).includes(name)) continue;
      this.routes.delete(k);
      // IPv4 routes vanish without a notification; IPv6 ones are reported
      if (r.route.dst.includes(':')) this.#emit({ type: 'route', deleted: true, owned: r.proto === LAGLESS_PROTO, route: r.route });
    }
    for (const [k, n] of [...this.neighbours]) {
      if (n.neigh.dev !== name) continue;
      this.neighbours.delete(k);
      this.#emit({ type: 'neigh', deleted: true, permanent: n.permanent, neigh: n.neigh });
    }
    for (const [k, a] of [...this.addresses]) {
      if (a.dev !== name || !a.address.includes(':')) continue;
      this.addresses.delete(k);
      this.#emit({ type: 'addr', deleted: true, addr: a });
    }
  }

  #emitLink(link: FakeLink, deleted: boolean): void {
    this.#emit({ type: 'link', deleted, name: link.name, ifindex: link.ifindex, up: link.up, mtu: link.mtu });
  }

  #emit(e: KernelEvent): void {
    if (this.#watchers.size === 0) return;
    this.#pending.push(e);
    if (this.#pending.length > 1) return;
    setImmediate(() => {
      const batch = this.#pending;
      this.#pending = [];
      for (const ev of batch) for (const w of this.#watchers) w(ev);
    });
  }
}

function codeFor(op: PlanOp): DataplaneErrorCode {
  switch (op.kind) {
    case 'route':
      return 'ERR_DP_ROUTE';
    case 'neigh':
      return 'ERR_DP_NEIGH';
    case 'addr':
      return 'ERR_DP_ADDRESS';
    case 'link':
      return 'ERR_DP_LINK';
    case 'sysctl':
      return 'ERR_DP_SYSCTL';
  }
}

function isLinkSysctl(path: string, name: string): boolean {
  return interfaceOfSysctl(path) === name;
}
