// Parsers and schemas for network values in config and port files: AS numbers, IP addresses,
// networks, interface names, MAC addresses, "address:port". Each returns the canonical value or a
// Failure whose message says what was wrong; the schemas wrap them for src/lib/schema.ts.
import { Failure, INVALID, parsed, type Schema } from './schema.js';
import { ipv4Mask, networkOf, parseCidr, parseIpv4, parseIpv6, ipv4ToString, ipv6ToString, isLinkLocalV6, type IpFamily } from './ip.js';

export const AS_TRANS = 23456;
export const ASN_MAX = 4294967295;
const ASN_EXPECTED = 'an AS number (1..4294967295, or asdot "1.10" in quotes)';

/** An AS number from asplain (65000, "65000") or asdot ("1.10" = 65546). */
export function parseAsn(value: unknown): number | Failure {
  let n: number | undefined;
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) {
      return new Failure(`expected ${ASN_EXPECTED}, got ${value} (asdot notation must be quoted, or YAML reads it as a decimal number)`);
    }
    n = value;
  } else if (typeof value === 'string') {
    const plain = /^(0|[1-9][0-9]*)$/.exec(value);
    const dot = /^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$/.exec(value);
    if (plain) n = Number(value);
    else if (dot) {
      const hi = Number(dot[1]);
      const lo = Number(dot[2]);
      if (hi > 65535 || lo > 65535) return new Failure(`asdot "${value}": each half must be 0..65535`);
      n = hi * 65536 + lo;
    }
  }
  if (n === undefined) return new Failure(`expected ${ASN_EXPECTED}, got ${describeValue(value)}`);
  if (n < 1 || n > ASN_MAX) return new Failure(`AS number ${n} is out of range 1..${ASN_MAX}`);
  if (n === AS_TRANS) return new Failure(`AS ${AS_TRANS} is AS_TRANS (RFC 6793), a placeholder that no router may use as its own`);
  return n;
}

export function asn(): Schema<number> {
  return {
    expected: ASN_EXPECTED,
    read(value, path, issues) {
      const r = parseAsn(value);
      if (r instanceof Failure) {
        issues.add(path, 'ASN', r.message);
        return INVALID;
      }
      return r;
    },
  };
}

const describeValue = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : v === null || v === undefined ? 'nothing' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'a map' : String(v));

export interface AddressRules {
  /** only this family */
  readonly family?: IpFamily;
  /** accept IPv6 link-local (fe80::/10); default false */
  readonly linkLocal?: boolean;
}

/** A unicast host address (not unspecified, not multicast), canonical text. */
export function parseAddress(s: string, rules: AddressRules = {}): string | Failure {
  const v4 = parseIpv4(s);
  const v6 = v4 === undefined ? parseIpv6(s) : undefined;
  if (v4 === undefined && v6 === undefined) {
    if (s.includes('/')) return new Failure(`expected an IP address without a prefix length, got "${s}"`);
    if (s.includes('%')) return new Failure(`"${s}": write a link-local address without a zone; the interface gives the scope`);
    return new Failure(`not an IP address: "${s}"`);
  }
  const family: IpFamily = v4 !== undefined ? 4 : 6;
  if (rules.family !== undefined && rules.family !== family) return new Failure(`expected an IPv${rules.family} address, got "${s}"`);
  if (v4 !== undefined) {
    if (v4 === 0) return new Failure(`"${s}" is the unspecified address`);
    if (v4 >>> 28 === 0xe) return new Failure(`"${s}" is a multicast address`);
    return ipv4ToString(v4);
  }
  const text = ipv6ToString(v6!);
  if (text === '::') return new Failure(`"${s}" is the unspecified address`);
  if (v6![0] === 0xff) return new Failure(`"${s}" is a multicast address`);
  if (!rules.linkLocal && isLinkLocalV6(text)) return new Failure(`"${s}" is a link-local address, not allowed here`);
  return text;
}

export function ipAddress(rules: AddressRules = {}): Schema<string> {
  const fam = rules.family === undefined ? 'an IP address' : `an IPv${rules.family} address`;
  return parsed(fam, 'ADDRESS', (s) => parseAddress(s, rules));
}

/** A network "addr/len" with no host bits set, canonical text. */
export function parseNetwork(s: string): string | Failure {
  if (!s.includes('/')) return new Failure(`expected a network "address/length", got "${s}"`);
  const c = parseCidr(s);
  if (!c) return new Failure(`not a network "address/length": "${s}"`);
  const net = networkOf(c.address, c.len);
  if (net !== c.address) return new Failure(`"${s}" has host bits set; did you mean "${net}/${c.len}"?`);
  return `${c.address}/${c.len}`;
}

export function network(): Schema<string> {
  return parsed('a network "address/length"', 'PREFIX', parseNetwork);
}

/** An address or a network, canonical ("10.0.0.5" or "10.0.9.0/24"; a /32 or /128 is written as a bare address). */
export function parseAddressOrNetwork(s: string): string | Failure {
  if (!s.includes('/')) return parseAddress(s);
  const net = parseNetwork(s);
  if (net instanceof Failure) return net;
  const c = parseCidr(net)!;
  return c.len === (c.family === 4 ? 32 : 128) ? c.address : net;
}

/** Does network `outer` ("addr/len", canonical) contain address or network `inner`? */
export function networkContains(outer: string, inner: string): boolean {
  const o = parseCidr(outer);
  const i = parseCidr(inner);
  if (!o || !i || o.family !== i.family || i.len < o.len) return false;
  if (o.family === 4) {
    const mask = ipv4Mask(o.len);
    return ((parseIpv4(i.address)! & mask) >>> 0) === ((parseIpv4(o.address)! & mask) >>> 0);
  }
  return networkOf(i.address, o.len) === networkOf(o.address, o.len);
}

// Linux interface names: at most 15 bytes (IFNAMSIZ - 1), not "." or "..", no "/", ":" or whitespace.
const IFNAME = /^[A-Za-z0-9_.@+-]{1,15}$/;
export function parseIfName(s: string): string | Failure {
  if (s.length > 15) return new Failure(`interface name "${s}" is longer than 15 characters`);
  if (!IFNAME.test(s) || s === '.' || s === '..') return new Failure(`not a valid interface name: "${s}"`);
  return s;
}
export const ifName = (): Schema<string> => parsed('an interface name (1..15 characters)', 'NAME', parseIfName);

/** A unicast MAC address, canonical lower-case "aa:bb:cc:dd:ee:ff" (also accepts "-" separators). */
export function parseMac(s: string): string | Failure {
  if (!/^[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){5}$/.test(s)) return new Failure(`not a MAC address: "${s}"`);
  const mac = s.toLowerCase().replace(/-/g, ':');
  const first = parseInt(mac.slice(0, 2), 16);
  if (first & 1) return new Failure(`"${s}" is a multicast MAC address; a port needs a unicast one`);
  if (mac === '00:00:00:00:00:00') return new Failure(`"${s}" is the all-zero MAC address`);
  return mac;
}
export const macAddress = (): Schema<string> => parsed('a MAC address', 'MAC', parseMac);

export interface HostPort {
  readonly address: string;
  readonly family: IpFamily;
  readonly port: number;
}

/** "10.0.0.1:9742", "0.0.0.0:9742", "[::1]:9742", "[::]:9742"; port 1..65535 (0 with allowPortZero). */
export function parseHostPort(s: string, opts: { allowPortZero?: boolean } = {}): HostPort | Failure {
  let host: string;
  let portText: string;
  const bracket = /^\[([^\]]+)\]:([0-9]+)$/.exec(s);
  if (bracket) {
    host = bracket[1]!;
    portText = bracket[2]!;
  } else {
    const i = s.lastIndexOf(':');
    if (i <= 0) return new Failure(`expected "address:port", got "${s}"`);
    host = s.slice(0, i);
    portText = s.slice(i + 1);
    if (host.includes(':')) return new Failure(`write an IPv6 listen address in brackets, e.g. "[${host}]:${portText}"`);
  }
  const v4 = parseIpv4(host);
  const v6 = v4 === undefined ? parseIpv6(host) : undefined;
  if (v4 === undefined && v6 === undefined) return new Failure(`"${host}" in "${s}" is not an IP address`);
  if (bracket && v6 === undefined) return new Failure(`only IPv6 addresses go in brackets: "${s}"`);
  if (!/^(0|[1-9][0-9]{0,4})$/.test(portText)) return new Failure(`bad port "${portText}" in "${s}"`);
  const port = Number(portText);
  if (port > 65535 || (port === 0 && !opts.allowPortZero)) return new Failure(`port ${port} in "${s}" is out of range 1..65535`);
  return v4 !== undefined ? { address: ipv4ToString(v4), family: 4, port } : { address: ipv6ToString(v6!), family: 6, port };
}

/** Canonical text of a HostPort. */
export const formatHostPort = (hp: HostPort): string => (hp.family === 6 ? `[${hp.address}]:${hp.port}` : `${hp.address}:${hp.port}`);

export const hostPort = (): Schema<string> =>
  parsed('"address:port"', 'LISTEN', (s) => {
    const r = parseHostPort(s);
    return r instanceof Failure ? r : formatHostPort(r);
  });
