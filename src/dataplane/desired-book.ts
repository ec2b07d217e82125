// The desired state, kept between flushes and patched per port: a tap that appears among 5,000
// wired ports adds its ~15 objects instead of rebuilding ~75,000. Rebuilt in full when learned
// routes change or when many ports changed at once. Reports which keys a patch touched, so the
// plan can compare just those (an incremental flush).
import type { Address, DesiredState, LinkSpec, Neighbour, Route } from './model.js';
import { addrKey, linkKey, neighKey, routeKey, sysctlKey } from './model.js';
import { buildDesired, type PortObjects } from './wiring.js';
import type { ValidRoute } from './validate.js';

/** Above this many changed ports a full rebuild is cheaper than patching. */
const PATCH_LIMIT = 256;

interface Mutable {
  readonly links: Map<string, LinkSpec>;
  readonly sysctls: Map<string, string>;
  readonly addresses: Map<string, Address>;
  readonly neighbours: Map<string, Neighbour>;
  readonly routes: Map<string, Route>;
}

export interface DesiredUpdate {
  readonly state: DesiredState;
  /** learned routes not installed because a local port's route has the same destination */
  readonly shadowed: ReadonlySet<string>;
  /** true: rebuilt (compare everything); false: `changed` lists the keys that differ from last time */
  readonly full: boolean;
  readonly changed: readonly string[];
}

export class DesiredBook {
  readonly #metric: number;
  readonly #hostSysctls: boolean;
  #routesVersion = -1;
  #state: Mutable | undefined;
  #ports = new Map<string, PortObjects>();
  #addrRefs = new Map<string, number>();
  #learned = new Map<string, ValidRoute>();
  #shadowed = new Set<string>();

  constructor(metric: number, hostSysctls: boolean) {
    this.#metric = metric;
    this.#hostSysctls = hostSysctls;
  }

  /**
   * The desired state for these ready ports (their objects memoized: an unchanged port passes the
   * same PortObjects) and the learned routes of `routesVersion`.
   */
  update(ready: readonly { readonly id: string; readonly objects: PortObjects }[], routes: () => readonly ValidRoute[], routesVersion: number): DesiredUpdate {
    const st = this.#state;
    if (st === undefined || routesVersion !== this.#routesVersion) return this.#rebuild(ready, routes(), routesVersion);
    const readyIds = new Set<string>();
    const add: { id: string; objects: PortObjects }[] = [];
    const drop: PortObjects[] = [];
    for (const r of ready) {
      readyIds.add(r.id);
      const prev = this.#ports.get(r.id);
      if (prev === r.objects) continue;
      if (prev !== undefined) drop.push(prev);
      add.push(r);
    }
    for (const [id, objects] of this.#ports) if (!readyIds.has(id)) drop.push(objects);
    if (add.length + drop.length > PATCH_LIMIT) return this.#rebuild(ready, routes(), routesVersion);
    const changed: string[] = [];
    for (const objects of drop) this.#remove(st, objects, changed);
    for (const { objects } of add) this.#add(st, objects, changed);
    for (const [id] of this.#ports) if (!readyIds.has(id)) this.#ports.delete(id);
    for (const { id, objects } of add) this.#ports.set(id, objects);
    return { state: st, shadowed: this.#shadowed, full: false, changed };
  }

  #rebuild(ready: readonly { readonly id: string; readonly objects: PortObjects }[], routes: readonly ValidRoute[], routesVersion: number): DesiredUpdate {
    const d = buildDesired({ ports: ready, routes, metric: this.#metric, hostSysctls: this.#hostSysctls });
    this.#state = d.state as Mutable;
    this.#routesVersion = routesVersion;
    this.#ports = new Map(ready.map((r) => [r.id, r.objects]));
    this.#addrRefs = new Map();
    for (const r of ready) for (const a of r.objects.addresses) this.#addrRefs.set(addrKey(a), (this.#addrRefs.get(addrKey(a)) ?? 0) + 1);
    this.#learned = new Map(routes.map((r) => [r.dst, r]));
    this.#shadowed = new Set(d.shadowed);
    return { state: d.state, shadowed: this.#shadowed, full: true, changed: [] };
  }

  #add(st: Mutable, o: PortObjects, changed: string[]): void {
    st.links.set(o.link.name, o.link);
    changed.push(linkKey(o.link.name));
    for (const [path, value] of o.sysctls) {
      st.sysctls.set(path, value);
      changed.push(sysctlKey(path));
    }
    for (const a of o.addresses) {
      const k = addrKey(a);
      this.#addrRefs.set(k, (this.#addrRefs.get(k) ?? 0) + 1);
      st.addresses.set(k, a);
      changed.push(k);
    }
    for (const n of o.neighbours) {
      const k = neighKey(n);
      st.neighbours.set(k, n);
      changed.push(k);
    }
    for (const r of o.routes) {
      const k = routeKey(r.dst, r.metric);
      if (this.#learned.has(r.dst)) this.#shadowed.add(r.dst);
      st.routes.set(k, r);
      changed.push(k);
    }
  }

  #remove(st: Mutable, o: PortObjects, changed: string[]): void {
    st.links.delete(o.link.name);
    changed.push(linkKey(o.link.name));
    for (const [path] of o.sysctls) {
      st.sysctls.delete(path);
      changed.push(sysctlKey(path));
    }
    for (const a of o.addresses) {
      const k = addrKey(a);
      const n = (this.#addrRefs.get(k) ?? 1) - 1;
      if (n <= 0) {
        this.#addrRefs.delete(k);
        st.addresses.delete(k);
      } else {
        this.#addrRefs.set(k, n);
      }
      changed.push(k);
    }
    for (const n of o.neighbours) {
      const k = neighKey(n);
      st.neighbours.delete(k);
      changed.push(k);
    }
    for (const r of o.routes) {
      const k = routeKey(r.dst, r.metric);
      const learned = this.#learned.get(r.dst);
      if (learned !== undefined) {
        // the port shadowed a learned route: it comes back
        this.#shadowed.delete(r.dst);
        st.routes.set(k, { dst: learned.dst, metric: this.#metric, nextHops: learned.nextHops });
      } else {
        st.routes.delete(k);
      }
      changed.push(k);
    }
  }
}
