// IP address and prefix text <-> binary, shared by the codec, the RIB, the dataplane and config.
// IPv4 addresses are unsigned 32-bit numbers; IPv6 addresses are 16-byte arrays or RFC 5952 text.

export function ipv4ToString(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** Parses dotted-quad text; returns undefined when it is not a valid IPv4 address. */
export function parseIpv4(s: string): number | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n >>> 0;
}

/** Parses IPv6 text (with :: and an optional embedded IPv4 tail); undefined when invalid. Zone ids are rejected. */
export function parseIpv6(s: string): Uint8Array | undefined {
  if (s.length < 2 || s.length > 45 || s.includes('%')) return undefined;
  const out = new Uint8Array(16);
  let text = s;
  let tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.indexOf('.', lastColon) !== -1) {
    const v4 = parseIpv4(text.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    tail = [(v4 >>> 16) & 0xffff, v4 & 0xffff];
    // keep the colons before the IPv4 tail: "::" stays (as in "::ffff:1.2.3.4"), a lone ":" goes
    text = text.slice(0, lastColon + 1);
    if (!text.endsWith('::')) text = text.slice(0, -1);
  }
  const dbl = text.indexOf('::');
  if (dbl !== -1 && text.indexOf('::', dbl + 1) !== -1) return undefined;
  const parseGroups = (t: string): number[] | undefined => {
    if (t === '') return [];
    const gs = t.split(':');
    const r: number[] = [];
    for (const g of gs) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      r.push(parseInt(g, 16));
    }
    return r;
  };
  let groups: number[];
  if (dbl !== -1) {
    const head = parseGroups(text.slice(0, dbl));
    const rest = parseGroups(text.slice(dbl + 2));
    if (!head || !rest) return undefined;
    const fill = 8 - head.length - rest.length - tail.length;
    if (fill < 1) return undefined;
    groups = [...head, ...new Array<number>(fill).fill(0), ...rest, ...tail];
  } else {
    const all = parseGroups(text);
    if (!all) return undefined;
    groups = [...all, ...tail];
    if (groups.length !== 8) return undefined;
  }
  for (let i = 0; i < 8; i++) {
    const g = groups[i] ?? 0;
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 255;
  }
  return out;
}

/** RFC 5952 canonical text of 16 bytes starting at `offset`. */
export function ipv6ToString(b: Uint8Array, offset = 0): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push(((b[offset + i * 2] ?? 0) << 8) | (b[offset + i * 2 + 1] ?? 0));
  // longest run of zero groups (length >= 2), first one wins on ties
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = (x: number) => x.toString(16);
  if (bestStart === -1) return g.map(hex).join(':');
  const head = g.slice(0, bestStart).map(hex).join(':');
  const tail = g.slice(bestStart + bestLen).map(hex).join(':');
  return `${head}::${tail}`;
}

/** Canonical text of an IPv6 address given as text; undefined when invalid. */
export function canonicalIpv6(s: string): string | undefined {
  const b = parseIpv6(s);
  return b && ipv6ToString(b);
}

export type IpFamily = 4 | 6;
export function ipFamily(s: string): IpFamily | undefined {
  if (parseIpv4(s) !== undefined) return 4;
  if (parseIpv6(s) !== undefined) return 6;
  return undefined;
}

export function isLinkLocalV6(s: string): boolean {
  const b = parseIpv6(s);
  return b !== undefined && b[0] === 0xfe && ((b[1] ?? 0) & 0xc0) === 0x80;
}

export interface ParsedCidr {
  readonly family: IpFamily;
  /** canonical address text as written (host bits kept) */
  readonly address: string;
  readonly len: number;
}

/** Parses "addr/len" (or a bare address, taken as a host prefix). */
export function parseCidr(s: string): ParsedCidr | undefined {
  const slash = s.indexOf('/');
  const addr = slash === -1 ? s : s.slice(0, slash);
  const lenText = slash === -1 ? undefined : s.slice(slash + 1);
  if (lenText !== undefined && !/^(0|[1-9][0-9]{0,2})$/.test(lenText)) return undefined;
  const v4 = parseIpv4(addr);
  if (v4 !== undefined) {
    const len = lenText === undefined ? 32 : Number(lenText);
    return len <= 32 ? { family: 4, address: ipv4ToString(v4), len } : undefined;
  }
  const v6 = parseIpv6(addr);
  if (v6 !== undefined) {
    const len = lenText === undefined ? 128 : Number(lenText);
    return len <= 128 ? { family: 6, address: ipv6ToString(v6), len } : undefined;
  }
  return undefined;
}

/** IPv4 netmask as a number: 24 -> 0xffffff00. */
export function ipv4Mask(len: number): number {
  return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}

/** The network of an address with the host bits cleared, as canonical text. */
export function networkOf(address: string, len: number): string | undefined {
  const v4 = parseIpv4(address);
  if (v4 !== undefined) return len <= 32 ? ipv4ToString((v4 & ipv4Mask(len)) >>> 0) : undefined;
  const v6 = parseIpv6(address);
  if (v6 === undefined || len > 128) return undefined;
  for (let i = 0; i < 16; i++) {
    const bits = Math.max(0, Math.min(8, len - i * 8));
    v6[i] = (v6[i] ?? 0) & ((0xff << (8 - bits)) & 0xff);
  }
  return ipv6ToString(v6);
}

/** Whether `address` lies inside `cidr` ("10.0.0.0/8"); false when either is invalid or the families differ. */
export function cidrContains(cidr: string, address: string): boolean {
  const net = parseCidr(cidr);
  const addr = parseCidr(address);
  if (net === undefined || addr === undefined || net.family !== addr.family) return false;
  return networkOf(net.address, net.len) === networkOf(addr.address, net.len);
}
