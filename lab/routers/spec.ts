// What every router starter shares: the handle a started daemon is controlled through, and a small
// daemon-neutral description of a simple eBGP speaker that each daemon's config builder turns into
// its own syntax (frrConfig, birdConfig, gobgpConfig, exabgpConfig).
//
//   const spec: BgpSpec = {
//     routerId: '10.0.0.1', asn: 4200000001,
//     neighbors: [{ address: '10.0.0.2', asn: 65002 }, { address: 'fe80::2', interface: 'eth0', asn: 65002 }],
//     announce: ['0.0.0.0/0', '10.1.0.0/24', '2001:db8:1::/48'],
//     communities: ['65001:100'], largeCommunities: ['4200000001:1:2'], med: 50,
//   };
import { LabError } from '../proc.js';
import { parseCidr } from '../../src/lib/ip.js';

export type DaemonKind = 'frr' | 'bird' | 'gobgp' | 'exabgp';
export type AddressFamily = 'ipv4' | 'ipv6';

/** The neighbour's session state as the daemon reports it, in RFC 4271 names. */
export type PeerState = 'idle' | 'connect' | 'active' | 'opensent' | 'openconfirm' | 'established' | 'unknown';

/** A started daemon (or FRR's set of daemons) in one namespace. */
export interface Router {
  readonly daemon: DaemonKind;
  /** the daemon's version as it reports it, e.g. "8.4.4" */
  readonly version: string;
  readonly ns: import('../netns.js').Netns;
  /** the daemon's live pids (empty when stopped) */
  pids(): number[];
  /** (re)starts with the same config; a no-op when running */
  start(): Promise<void>;
  /** orderly stop (SIGTERM; the daemon may send NOTIFICATIONs), waits until gone */
  stop(): Promise<void>;
  /** SIGKILL, waits until gone (no NOTIFICATION: for restart / failure tests) */
  kill(): Promise<void>;
  /** the session state of the neighbour with this address, from the daemon's own CLI/API */
  peerState(address: string): Promise<PeerState>;
  /** polls peerState until 'established'; ERR_LAB_TIMEOUT otherwise */
  waitEstablished(address: string, timeoutMs?: number): Promise<void>;
}

export interface NeighborSpec {
  /** the peer's address: IPv4, IPv6 global, or IPv6 link-local (then `interface` is required) */
  readonly address: string;
  readonly asn: number;
  readonly interface?: string;
  /** our source address for the session */
  readonly localAddress?: string;
  /** address families to negotiate; default both */
  readonly families?: readonly AddressFamily[];
  readonly passive?: boolean;
}

export interface BgpSpec {
  readonly routerId: string;
  readonly asn: number;
  readonly neighbors: readonly NeighborSpec[];
  /** prefixes to originate (IPv4 and IPv6, default routes included), sent to every neighbour of the family */
  readonly announce?: readonly string[];
  /** IPv6 next hop to send with IPv6 routes (needed by some daemons when the session is over IPv4) */
  readonly nextHop6?: string;
  /** IPv4 next hop to send with IPv4 routes over an IPv6 session */
  readonly nextHop4?: string;
  /** standard communities "asn:value" on every announced prefix */
  readonly communities?: readonly string[];
  /** large communities "global:local1:local2" on every announced prefix */
  readonly largeCommunities?: readonly string[];
  readonly med?: number;
  /** advertise the graceful restart capability */
  readonly gracefulRestart?: boolean;
  /** hold time to offer; default 9 (keepalive 3), test-friendly */
  readonly holdTime?: number;
}

export const DEFAULT_HOLD_TIME = 9;

export function familyOf(prefix: string): AddressFamily {
  const p = parseCidr(prefix);
  if (p === undefined || !prefix.includes('/')) throw new LabError('ERR_LAB_ARGUMENT', `not a prefix: ${JSON.stringify(prefix)}`);
  return p.family === 4 ? 'ipv4' : 'ipv6';
}

export function addressFamilyOf(address: string): AddressFamily {
  const p = parseCidr(address);
  if (p === undefined || address.includes('/')) throw new LabError('ERR_LAB_ARGUMENT', `not an address: ${JSON.stringify(address)}`);
  return p.family === 4 ? 'ipv4' : 'ipv6';
}

export function neighborFamilies(n: NeighborSpec): readonly AddressFamily[] {
  return n.families ?? ['ipv4', 'ipv6'];
}

export function isLinkLocal(address: string): boolean {
  return /^fe[89ab][0-9a-f]:/i.test(address);
}

/** Throws ERR_LAB_ARGUMENT for a spec no daemon could use; returns it unchanged. */
export function checkSpec(spec: BgpSpec): BgpSpec {
  if (addressFamilyOf(spec.routerId) !== 'ipv4') throw new LabError('ERR_LAB_ARGUMENT', `router id must be IPv4: ${spec.routerId}`);
  checkAsn(spec.asn);
  for (const n of spec.neighbors) {
    addressFamilyOf(n.address);
    checkAsn(n.asn);
    if (isLinkLocal(n.address) && n.interface === undefined) {
      throw new LabError('ERR_LAB_ARGUMENT', `link-local neighbour ${n.address} needs an interface`);
    }
  }
  for (const p of spec.announce ?? []) familyOf(p);
  for (const c of spec.communities ?? []) if (!/^\d{1,5}:\d{1,5}$/.test(c)) throw new LabError('ERR_LAB_ARGUMENT', `bad community ${c}`);
  for (const c of spec.largeCommunities ?? []) if (!/^\d{1,10}:\d{1,10}:\d{1,10}$/.test(c)) throw new LabError('ERR_LAB_ARGUMENT', `bad large community ${c}`);
  return spec;
}

function checkAsn(asn: number): void {
  if (!Number.isInteger(asn) || asn < 1 || asn > 0xffffffff) throw new LabError('ERR_LAB_ARGUMENT', `bad ASN ${asn}`);
}

/** Normalizes a daemon's state word ("Established", "OpenSent", "ESTABLISHED", "BGP_FSM_ACTIVE", ...). */
export function normalizePeerState(word: string): PeerState {
  const w = word.toLowerCase().replace(/^bgp_fsm_/, '').replace(/[^a-z]/g, '');
  switch (w) {
    case 'idle':
    case 'connect':
    case 'active':
    case 'opensent':
    case 'openconfirm':
    case 'established':
      return w;
    default:
      return 'unknown';
  }
}
