// One PortSpec -> what the ruleset needs for its tap: validated, normalised, overlaps removed.
// A spec with any error compiles to mode 'closed' (its tap drops everything): security state fails
// closed, and one bad port never affects another.
import type { PortSpec } from '../port.js';
import { FirewallError } from './errors.js';
import {
  eui64LinkLocal,
  normalizeMac,
  parseHostAddress,
  parsePrefix,
  withoutCovered,
  type SourcePrefix,
} from './addresses.js';

/** filtered: anti-spoofing applies; open: port security off; closed: invalid spec, drop everything. */
export type PortMode = 'filtered' | 'open' | 'closed';

/** A source the VM may send from: the frame's source MAC and the packet's source prefix. */
export interface MacSource {
  readonly mac: string;
  readonly prefix: SourcePrefix;
}

export interface CompiledPort {
  readonly portId: string;
  readonly tap: string;
  readonly mode: PortMode;
  /** filtered only: the port MAC and every allowed-pair MAC, deduplicated, port MAC first */
  readonly macs: readonly string[];
  /**
   * filtered only: per MAC, its IPv4 and IPv6 source prefixes without overlaps: the fixed IPs and
   * pairs without a MAC under the port MAC, each pair under its own MAC, and for every MAC the
   * EUI-64 link-local address a guest derives from it.
   */
  readonly sources: readonly MacSource[];
  /** filtered only: the IPv4 sender addresses an ARP may carry per MAC: its sources plus 0.0.0.0 (RFC 5227 probe) */
  readonly arpSenders: readonly MacSource[];
  /** filtered only: the IPv6 prefixes a neighbour advertisement from the VM may name as its target */
  readonly ndTargets: readonly SourcePrefix[];
}

const TAP_RE = /^[A-Za-z0-9_.-]{1,15}$/;

export function isValidTapName(tap: string): boolean {
  return TAP_RE.test(tap) && tap !== '.' && tap !== '..';
}

/**
 * Validates one port. `port` is undefined only when the tap name itself is unusable (nothing can be
 * written for it; a tap-prefix catch-all rule still drops such a tap when its name matches).
 */
export function compilePort(spec: PortSpec): { port: CompiledPort | undefined; errors: FirewallError[] } {
  const errors: FirewallError[] = [];
  const at = { portId: spec.id, tap: spec.tap };
  if (!isValidTapName(spec.tap)) {
    errors.push(new FirewallError('ERR_FW_BAD_TAP', `port ${spec.id}: bad tap name ${JSON.stringify(spec.tap)}`, { ...at, value: spec.tap }));
    return { port: undefined, errors };
  }

  const portMac = normalizeMac(spec.mac);
  if (portMac === undefined) {
    errors.push(new FirewallError('ERR_FW_BAD_MAC', `port ${spec.id}: bad MAC ${JSON.stringify(spec.mac)}`, { ...at, value: spec.mac }));
  }
  const raw: MacSource[] = [];
  for (const ip of spec.fixedIps) {
    const prefix = parseHostAddress(ip.address);
    if (prefix === undefined) {
      errors.push(new FirewallError('ERR_FW_BAD_ADDRESS', `port ${spec.id}: bad fixed IP ${JSON.stringify(ip.address)}`, { ...at, value: ip.address }));
    } else if (portMac !== undefined) {
      raw.push({ mac: portMac, prefix });
    }
  }
  for (const pair of spec.allowedAddressPairs) {
    const prefix = parsePrefix(pair.ipAddress);
    if (prefix === undefined) {
      errors.push(new FirewallError('ERR_FW_BAD_CIDR', `port ${spec.id}: bad allowed address pair ${JSON.stringify(pair.ipAddress)}`, { ...at, value: pair.ipAddress }));
    }
    const mac = pair.macAddress === undefined ? portMac : normalizeMac(pair.macAddress);
    if (pair.macAddress !== undefined && mac === undefined) {
      errors.push(new FirewallError('ERR_FW_BAD_MAC', `port ${spec.id}: bad allowed address pair MAC ${JSON.stringify(pair.macAddress)}`, { ...at, value: pair.macAddress }));
    }
    if (prefix !== undefined && mac !== undefined) raw.push({ mac, prefix });
  }

  const empty = { macs: [], sources: [], arpSenders: [], ndTargets: [] };
  if (errors.length > 0 || portMac === undefined) return { port: { portId: spec.id, tap: spec.tap, mode: 'closed', ...empty }, errors };
  if (!spec.portSecurity) return { port: { portId: spec.id, tap: spec.tap, mode: 'open', ...empty }, errors };

  const macs = [...new Set([portMac, ...raw.map((s) => s.mac)])];
  const sources: MacSource[] = [];
  const arpSenders: MacSource[] = [];
  for (const mac of macs) {
    const mine = raw.filter((s) => s.mac === mac).map((s) => s.prefix);
    const linkLocal: SourcePrefix = { family: 6, address: eui64LinkLocal(mac), len: 128 };
    for (const prefix of withoutCovered([...mine, linkLocal])) sources.push({ mac, prefix });
    const probe: SourcePrefix = { family: 4, address: '0.0.0.0', len: 32 };
    for (const prefix of withoutCovered([...mine.filter((p) => p.family === 4), probe])) arpSenders.push({ mac, prefix });
  }
  const ndTargets = withoutCovered(sources.filter((s) => s.prefix.family === 6).map((s) => s.prefix));
  return { port: { portId: spec.id, tap: spec.tap, mode: 'filtered', macs, sources, arpSenders, ndTargets }, errors };
}
