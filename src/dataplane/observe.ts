// Keeping ObservedState current without re-reading the kernel: apply a monitor event, record an
// op that succeeded, forget what a link took with it. Pure functions over the maps (they mutate
// the ObservedState they are given and return which keys changed).
import type { Address, Neighbour, ObservedState, Route } from './model.js';
import { addrKey, linkKey, neighKey, neighbourEquals, routeDevs, routeKey, routeSatisfies, sysctlKey } from './model.js';
import type { KernelEvent, KernelSnapshot } from './kernel.js';
import type { PlanOp } from './plan.js';

/** The interface a per-interface sysctl path belongs to ("net/ipv4/conf/tapX/proxy_arp" -> "tapX"). */
export function interfaceOfSysctl(path: string): string | undefined {
  const m = /^net\/ipv[46]\/(?:conf|neigh)\/([^/]+)\/[^/]+$/.exec(path);
  const name = m?.[1];
  return name === undefined || name === 'all' || name === 'default' ? undefined : name;
}

/** Forgets every object that lives on a link (it went down or away: the kernel flushed them). */
export function dropLinkObjects(o: ObservedState, name: string, withSysctls: boolean): string[] {
  const keys: string[] = [];
  for (const [k, r] of o.routes) if (routeDevs(r).includes(name)) (o.routes.delete(k), keys.push(k));
  for (const [k, n] of o.neighbours) if (n.dev === name) (o.neighbours.delete(k), keys.push(k));
  for (const [k, a] of o.addresses) if (a.dev === name && a.address.includes(':')) (o.addresses.delete(k), keys.push(k));
  if (withSysctls) for (const p of o.sysctls.keys()) if (interfaceOfSysctl(p) === name) (o.sysctls.delete(p), keys.push(sysctlKey(p)));
  return keys;
}

/**
 * Applies one kernel event. Returns the keys whose observed value changed (empty when the event
 * only confirmed what was known, e.g. the echo of lagless's own change).
 */
export function applyEvent(o: ObservedState, e: KernelEvent): string[] {
  switch (e.type) {
    case 'link': {
      const prev = o.links.get(e.name);
      const key = linkKey(e.name);
      if (e.deleted) {
        if (prev === undefined || prev.ifindex !== e.ifindex) return [];
        o.links.delete(e.name);
        return [key, ...dropLinkObjects(o, e.name, true)];
      }
      const same = prev !== undefined && prev.ifindex === e.ifindex;
      const changed: string[] = [];
      if (!same && prev !== undefined) changed.push(...dropLinkObjects(o, e.name, true)); // a new link under an old name
      if (!e.up && (prev === undefined || prev.up)) changed.push(...dropLinkObjects(o, e.name, false));
      const next = { name: e.name, ifindex: e.ifindex, mtu: e.mtu, up: e.up, alias: same ? prev.alias : undefined };
      if (!same || prev.mtu !== next.mtu || prev.up !== next.up) changed.push(key);
      o.links.set(e.name, next);
      return changed;
    }
    case 'route': {
      const key = routeKey(e.route.dst, e.route.metric);
      const prev = o.routes.get(key);
      if (e.owned && !e.deleted) {
        if (prev !== undefined && routeSatisfies(e.route, prev) && routeSatisfies(prev, e.route)) return [];
        o.routes.set(key, e.route);
        return [key];
      }
      // deleted, or a foreign route took the key: lagless's route is gone either way
      if (!e.owned && e.deleted) return [];
      if (prev === undefined) return [];
      o.routes.delete(key);
      return [key];
    }
    case 'neigh': {
      const key = neighKey(e.neigh);
      const prev = o.neighbours.get(key);
      if (!e.deleted && e.permanent) {
        if (prev !== undefined && neighbourEquals(prev, e.neigh)) return [];
        o.neighbours.set(key, e.neigh);
        return [key];
      }
      if (prev === undefined) return [];
      o.neighbours.delete(key);
      return [key];
    }
    case 'addr': {
      const key = addrKey(e.addr);
      const prev = o.addresses.get(key);
      if (e.deleted) {
        if (prev === undefined) return [];
        o.addresses.delete(key);
        return [key];
      }
      if (prev !== undefined && prev.label === e.addr.label) return [];
      o.addresses.set(key, e.addr);
      return [key];
    }
    case 'lost':
      return [];
  }
}

/** Records an op the kernel accepted. */
export function recordOp(o: ObservedState, op: PlanOp): void {
  switch (op.kind) {
    case 'link': {
      const prev = o.links.get(op.link.name);
      if (prev === undefined) return;
      if (op.action === 'remove') o.links.set(prev.name, { ...prev, alias: undefined });
      else o.links.set(prev.name, { ...prev, alias: op.link.alias, up: true, mtu: op.link.mtu ?? prev.mtu });
      return;
    }
    case 'sysctl': {
      const dev = interfaceOfSysctl(op.path);
      if (dev !== undefined && !o.links.has(dev)) return; // the interface went away with its sysctls
      o.sysctls.set(op.path, op.value);
      return;
    }
    case 'addr':
      if (op.action === 'remove') o.addresses.delete(op.key);
      else o.addresses.set(op.key, op.addr);
      return;
    case 'neigh':
      if (op.action === 'remove') o.neighbours.delete(op.key);
      else o.neighbours.set(op.key, op.neigh);
      return;
    case 'route':
      if (op.action === 'remove') o.routes.delete(op.key);
      else o.routes.set(op.key, op.route);
      return;
  }
}

/** Indexes a full read. */
export function indexSnapshot(s: KernelSnapshot): Pick<ObservedState, 'links' | 'routes' | 'neighbours' | 'addresses'> {
  const links = new Map(s.links.map((l) => [l.name, l] as const));
  const routes = new Map<string, Route>(s.routes.map((r) => [routeKey(r.dst, r.metric), r]));
  const neighbours = new Map<string, Neighbour>(s.neighbours.map((n) => [neighKey(n), n]));
  const addresses = new Map<string, Address>(s.addresses.map((a) => [addrKey(a), a]));
  return { links, routes, neighbours, addresses };
}
