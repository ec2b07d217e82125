// Address helpers for the firewall: MAC normalisation, the EUI-64 link-local address a guest derives
// from its MAC, source prefixes with overlaps removed (nft interval sets reject overlapping elements),
// and the integer form nft needs for matching an ICMPv6 target address.
import { canonicalIpv6, networkOf, parseCidr, parseIpv6, type IpFamily } from '../../lib/ip.js';

const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

/** Lower-case MAC text, or undefined unless `s` is a unicast, non-zero "aa:bb:cc:dd:ee:ff". */
export function normalizeMac(s: string): string | undefined {
  const mac = s.toLowerCase();
  if (!MAC_RE.test(mac)) return undefined;
  if (mac === '00:00:00:00:00:00') return undefined;
  const first = parseInt(mac.slice(0, 2), 16);
  if ((first & 1) !== 0) return undefined; // group (multicast/broadcast) address
  return mac;
}

/** The modified EUI-64 link-local address (RFC 4291 appendix A) of a normalised MAC: 52:54:00:12:34:56 -> fe80::5054:ff:fe12:3456. */
export function eui64LinkLocal(mac: string): string {
  const b = mac.split(':').map((h) => parseInt(h, 16));
  const group = (hi: number, lo: number) => ((hi << 8) | lo).toString(16);
  const [b0 = 0, b1 = 0, b2 = 0, b3 = 0, b4 = 0, b5 = 0] = b;
  const text = `fe80::${group(b0 ^ 2, b1)}:${group(b2, 0xff)}:${group(0xfe, b3)}:${group(b4, b5)}`;
  return canonicalIpv6(text) ?? text;
}

/** A source prefix with host bits cleared: `address` is the network, canonical text. */
export interface SourcePrefix {
  readonly family: IpFamily;
  readonly address: string;
  readonly len: number;
}

/** "10.0.9.5/24" -> 10.0.9.0/24; a bare address is a host prefix. Undefined when invalid. */
export function parsePrefix(s: string): SourcePrefix | undefined {
  const c = parseCidr(s);
  if (c === undefined) return undefined;
  const address = networkOf(c.address, c.len);
  return address === undefined ? undefined : { family: c.family, address, len: c.len };
}

/** A bare address (no "/len") as a host prefix; undefined when it is not an address. */
export function parseHostAddress(s: string): SourcePrefix | undefined {
  return s.includes('/') ? undefined : parsePrefix(s);
}

export function hostLen(family: IpFamily): number {
  return family === 4 ? 32 : 128;
}

/** True when `outer` contains `inner` (same family, shorter or equal prefix, same network). */
export function prefixCovers(outer: SourcePrefix, inner: SourcePrefix): boolean {
  return outer.family === inner.family && outer.len <= inner.len && networkOf(inner.address, outer.len) === outer.address;
}

/**
 * The prefixes with duplicates and prefixes inside another one removed, in first-seen order.
 * Two prefixes either nest or are disjoint, so the result has no overlaps.
 */
export function withoutCovered(prefixes: readonly SourcePrefix[]): SourcePrefix[] {
  const out: SourcePrefix[] = [];
  prefixes.forEach((p, i) => {
    const covered = prefixes.some((q, j) => j !== i && prefixCovers(q, p) && (q.len < p.len || j < i));
    if (!covered) out.push(p);
  });
  return out;
}

/** nft text of a prefix: the bare address for a host prefix, else "address/len". */
export function prefixText(p: SourcePrefix): string {
  return p.len === hostLen(p.family) ? p.address : `${p.address}/${p.len}`;
}

/**
 * An IPv6 prefix as a 128-bit integer value or range, "0x…" or "0x…-0x…". nft 1.0.6 has no
 * `icmpv6 taddr`, so the neighbour advertisement target is matched as raw payload `@th,64,128`,
 * whose set elements must be integers.
 */
export function ipv6IntegerText(p: SourcePrefix): string {
  const start = parseIpv6(p.address);
  if (start === undefined || p.family !== 6) throw new TypeError(`not an IPv6 prefix: ${p.address}/${p.len}`);
  const end = Uint8Array.from(start);
  for (let i = 0; i < 16; i++) {
    const hostBits = Math.max(0, Math.min(8, (i + 1) * 8 - p.len));
    end[i] = (end[i] ?? 0) | ((1 << hostBits) - 1);
  }
  const hex = (b: Uint8Array) => `0x${Buffer.from(b).toString('hex')}`;
  return p.len === 128 ? hex(start) : `${hex(start)}-${hex(end)}`;
}
