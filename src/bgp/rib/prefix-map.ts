// A map keyed by prefix, small and fast for a million IPv4 routes.
//
// One Map per prefix length, keyed by the address: IPv4 addresses as signed 32-bit numbers (small
// integers to V8, so no boxed key per entry), IPv6 addresses as their canonical text. The path
// id of a prefix is not part of the key: the RIB keeps paths of one prefix together.

import { AFI_IPV4, type Prefix } from '../wire/types.js';

export class PrefixMap<V> {
  readonly #v4: (Map<number, V> | undefined)[] = new Array<Map<number, V> | undefined>(33).fill(undefined);
  readonly #v6: (Map<string, V> | undefined)[] = new Array<Map<string, V> | undefined>(129).fill(undefined);
  #size = 0;

  get size(): number {
    return this.#size;
  }

  get(p: Prefix): V | undefined {
    return p.afi === AFI_IPV4 ? this.#v4[p.len]?.get(p.addr | 0) : this.#v6[p.len]?.get(p.addr);
  }

  has(p: Prefix): boolean {
    return p.afi === AFI_IPV4 ? this.#v4[p.len]?.has(p.addr | 0) === true : this.#v6[p.len]?.has(p.addr) === true;
  }

  set(p: Prefix, value: V): this {
    const m = p.afi === AFI_IPV4 ? (this.#v4[p.len] ??= new Map()) : (this.#v6[p.len] ??= new Map());
    const before = m.size;
    if (p.afi === AFI_IPV4) (m as Map<number, V>).set(p.addr | 0, value);
    else (m as Map<string, V>).set(p.addr, value);
    this.#size += m.size - before;
    return this;
  }

  delete(p: Prefix): boolean {
    const removed = p.afi === AFI_IPV4 ? this.#v4[p.len]?.delete(p.addr | 0) === true : this.#v6[p.len]?.delete(p.addr) === true;
    if (removed) this.#size--;
    return removed;
  }

  clear(): void {
    this.#v4.fill(undefined);
    this.#v6.fill(undefined);
    this.#size = 0;
  }

  /**
   * Calls fn for every entry, IPv4 before IPv6, shorter prefixes first. The prefix handed to fn is
   * a fresh object. Entries may be deleted (and set) while iterating, as with Map.forEach.
   */
  forEach(fn: (value: V, prefix: Prefix) => void, family?: 'ipv4' | 'ipv6'): void {
    if (family !== 'ipv6') {
      for (let len = 0; len <= 32; len++) {
        this.#v4[len]?.forEach((v, a) => fn(v, { afi: AFI_IPV4, addr: a >>> 0, len }));
      }
    }
    if (family !== 'ipv4') {
      for (let len = 0; len <= 128; len++) {
        this.#v6[len]?.forEach((v, addr) => fn(v, { afi: 2, addr, len }));
      }
    }
  }

  /** Entries in the order of forEach; for inspection and tests (allocates an array). */
  entries(family?: 'ipv4' | 'ipv6'): [Prefix, V][] {
    const out: [Prefix, V][] = [];
    this.forEach((v, p) => out.push([p, v]), family);
    return out;
  }
}
