// Prefix values for the RIB: parse and format text, check a value is a network, family keys.
// IPv4 prefixes carry the address as an unsigned 32-bit number (as the codec decodes them).

import { AFI_IPV4, AFI_IPV6, SAFI_UNICAST, type FamilyKey, type Prefix } from '../wire/types.js';
import { ipv4Mask, ipv4ToString, ipv6ToString, parseIpv4, parseIpv6 } from '../../lib/ip.js';
import { RibError } from './errors.js';

export const FAMILY_IPV4: FamilyKey = `${AFI_IPV4}/${SAFI_UNICAST}`;
export const FAMILY_IPV6: FamilyKey = `${AFI_IPV6}/${SAFI_UNICAST}`;

/** "10.0.0.0/24", "2001:db8::/32" (the path id, when there is one, is not part of the text). */
export function formatPrefix(p: Prefix): string {
  return p.afi === AFI_IPV4 ? `${ipv4ToString(p.addr)}/${p.len}` : `${p.addr}/${p.len}`;
}

/** Parses "addr/len" into a prefix; throws ERR_RIB_BAD_PREFIX unless it is a network (host bits zero). */
export function parsePrefix(text: string): Prefix {
  const slash = text.indexOf('/');
  const lenText = slash === -1 ? '' : text.slice(slash + 1);
  if (slash === -1 || !/^(0|[1-9][0-9]{0,2})$/.test(lenText)) {
    throw new RibError('ERR_RIB_BAD_PREFIX', `not a prefix (want addr/len): ${JSON.stringify(text)}`);
  }
  const addrText = text.slice(0, slash);
  const len = Number(lenText);
  const v4 = parseIpv4(addrText);
  if (v4 !== undefined) return checkedPrefix({ afi: AFI_IPV4, addr: v4, len }, text);
  const v6 = parseIpv6(addrText);
  if (v6 !== undefined) return checkedPrefix({ afi: AFI_IPV6, addr: ipv6ToString(v6), len }, text);
  throw new RibError('ERR_RIB_BAD_PREFIX', `not an IP address in prefix ${JSON.stringify(text)}`);
}

function checkedPrefix(p: Prefix, text: string): Prefix {
  const problem = prefixProblem(p);
  if (problem !== undefined) throw new RibError('ERR_RIB_BAD_PREFIX', `${problem}: ${JSON.stringify(text)}`);
  return p;
}

/** Why a prefix value is not a valid network, or undefined when it is one. */
export function prefixProblem(p: Prefix): string | undefined {
  if (p.afi === AFI_IPV4) {
    if (!Number.isInteger(p.len) || p.len < 0 || p.len > 32) return 'IPv4 prefix length out of range 0..32';
    if (!Number.isInteger(p.addr) || p.addr < 0 || p.addr > 0xffffffff) return 'IPv4 address out of range';
    if (((p.addr & ~ipv4Mask(p.len)) >>> 0) !== 0) return 'host bits set';
    return undefined;
  }
  if (!Number.isInteger(p.len) || p.len < 0 || p.len > 128) return 'IPv6 prefix length out of range 0..128';
  const bytes = parseIpv6(p.addr);
  if (bytes === undefined) return 'not an IPv6 address';
  if (ipv6ToString(bytes) !== p.addr) return 'IPv6 address not in canonical (RFC 5952) form';
  for (let bit = p.len; bit < 128; bit++) {
    if (((bytes[bit >> 3] ?? 0) & (0x80 >> (bit & 7))) !== 0) return 'host bits set';
  }
  return undefined;
}

export function familyOf(p: Prefix): FamilyKey {
  return p.afi === AFI_IPV4 ? FAMILY_IPV4 : FAMILY_IPV6;
}
