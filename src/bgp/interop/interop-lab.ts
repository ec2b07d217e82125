// The two-namespace lab every interop test uses: lagless's speaker (speaker-host.ts) in one
// namespace, the peer daemon in the other, one veth between them with IPv4 /31 and IPv6 /64
// addresses, and two sessions: one over IPv4, one over IPv6.
//
//   peer ns  eth0  10.0.0.0/31  fd00::a/64     AS 65100  (FRR, BIRD, GoBGP or ExaBGP)
//   ll ns    eth0  10.0.0.1/31  fd00::b/64     AS 4200000010 (lagless)
import { LabScope, veth, type Netns } from '../../../lab/netns.js';
import { waitFor } from '../../../lab/proc.js';
import type { AddressFamily, BgpSpec, NeighborSpec } from '../../../lab/routers/spec.js';
import type { SpeakerPeerConfig } from '../speaker.js';
import { SpeakerHost } from './host-client.js';
import type { HostConfig } from './speaker-host.js';

export const LAGLESS_ASN = 4200000010;
export const PEER_ASN = 65100;
export const LAGLESS_ID = '10.255.0.10';
export const PEER_ID = '10.255.0.1';
export const ADDR = { peer4: '10.0.0.0', lagless4: '10.0.0.1', peer6: 'fd00::a', lagless6: 'fd00::b' } as const;

/** What lagless announces, and what the peer announces, in every interop test. */
export const LAGLESS_ROUTES = ['10.9.0.1/32', '10.9.0.2/32', '2001:db8:9::1/128', '2001:db8:9::2/128'];
export const PEER_ROUTES = ['0.0.0.0/0', '10.1.0.0/24', '10.1.1.0/24', '::/0', '2001:db8:1::/48', '2001:db8:1:1::/64'];
/** routes a peer that never reflects sends with lagless's AS in the path (AS path 65100 4200000010) */
export const REFLECT_ROUTES = ['10.1.99.0/24', '2001:db8:99::/48'];
/** the peer prefixes the withdrawal tests take away */
export const PEER_WITHDRAWN = ['10.1.1.0/24', '2001:db8:1:1::/64'];

export interface InteropLab {
  readonly scope: LabScope;
  readonly ll: Netns;
  readonly peer: Netns;
}

export async function interopLab(tag: string): Promise<InteropLab> {
  const scope = await LabScope.create(tag);
  try {
    const peer = await scope.netns('peer');
    const ll = await scope.netns('ll');
    await veth(peer, 'eth0', ll, 'eth0');
    await peer.ip(['addr', 'add', `${ADDR.peer4}/31`, 'dev', 'eth0']);
    await ll.ip(['addr', 'add', `${ADDR.lagless4}/31`, 'dev', 'eth0']);
    await peer.ip(['addr', 'add', `${ADDR.peer6}/64`, 'dev', 'eth0', 'nodad']);
    await ll.ip(['addr', 'add', `${ADDR.lagless6}/64`, 'dev', 'eth0', 'nodad']);
    // the link-local addresses must be usable too (they go out as second IPv6 next hops)
    for (const ns of [peer, ll]) {
      await waitFor(async () => !(await ns.ip(['-6', 'addr', 'show', 'dev', 'eth0'])).includes('tentative'), { timeoutMs: 5000, what: `${ns.name} IPv6 DAD` });
    }
    return { scope, ll, peer };
  } catch (e) {
    await scope.cleanup();
    throw e;
  }
}

/** The daemon-neutral spec of the peer: two neighbours (lagless over IPv4 and over IPv6), PEER_ROUTES announced. */
export function peerSpec(families: { v4: readonly AddressFamily[]; v6: readonly AddressFamily[] }, more: Partial<BgpSpec> = {}): BgpSpec {
  const neighbors: NeighborSpec[] = [
    { address: ADDR.lagless4, asn: LAGLESS_ASN, localAddress: ADDR.peer4, families: families.v4 },
    { address: ADDR.lagless6, asn: LAGLESS_ASN, localAddress: ADDR.peer6, families: families.v6 },
  ];
  return { routerId: PEER_ID, asn: PEER_ASN, neighbors, announce: PEER_ROUTES, nextHop4: ADDR.peer4, nextHop6: ADDR.peer6, ...more };
}

/** lagless's two peers: 'v4' (session over IPv4) and 'v6' (over IPv6), test timers. */
export function laglessPeers(families: { v4: readonly AddressFamily[]; v6: readonly AddressFamily[] }): SpeakerPeerConfig[] {
  const common = { asn: PEER_ASN, holdTime: 9, keepaliveTime: 3, connectRetryTime: 2, interface: 'eth0' };
  return [
    { id: 'v4', address: ADDR.peer4, families: families.v4, ...common },
    { id: 'v6', address: ADDR.peer6, families: families.v6, ...common },
  ];
}

export function hostConfig(peers: readonly SpeakerPeerConfig[], more: Partial<HostConfig['speaker']> = {}): HostConfig {
  return { speaker: { asn: LAGLESS_ASN, routerId: LAGLESS_ID, hostname: 'lagless-interop', ...more }, peers };
}

export async function startHost(lab: InteropLab, config: HostConfig): Promise<SpeakerHost> {
  return SpeakerHost.start(lab.ll, config);
}

/** Prefix text of every route lagless holds from a peer (accepted paths only). */
export async function learnedFrom(host: SpeakerHost, peer: string): Promise<Set<string>> {
  const routes = await host.request('routes');
  return new Set(routes.filter((r) => r.paths.some((p) => p.source === peer)).map((r) => r.prefix));
}
