// The receivers of the ingest benchmark: each started in its own namespace with one eBGP
// neighbour (the table sender), importing everything and installing nothing into the kernel, and
// each asked for its prefix count through its own CLI/API.
//
//   lagless  speaker-host.ts (a Speaker in its own node process); count: peers() accepted
//   bird     bird 2 with no kernel protocol; count: `show protocols all p0` "N imported"
//   frr      zebra + bgpd with `bgp no-rib` (nothing goes to zebra); count: summary json pfxRcd;
//            memory is bgpd's (zebra holds no routes; its RSS is reported on the side)
//   gobgp    gobgpd (no FIB support anyway); count: `gobgp neighbor ADDR -j` accepted
import type { LabScope, Netns } from '../../lab/netns.js';
import { birdConfig, startBird } from '../../lab/routers/bird.js';
import { frrConfig, startFrr } from '../../lab/routers/frr.js';
import { gobgpFromSpec, startGobgp } from '../../lab/routers/gobgp.js';
import type { AddressFamily, BgpSpec } from '../../lab/routers/spec.js';
import { SpeakerHost } from '../../src/bgp/interop/host-client.js';

export type ReceiverName = 'lagless' | 'bird' | 'frr' | 'gobgp';
export const RECEIVERS: readonly ReceiverName[] = ['lagless', 'bird', 'frr', 'gobgp'];

export interface ReceiverSetup {
  readonly scope: LabScope;
  readonly ns: Netns;
  readonly family: AddressFamily;
  /** the receiver's own address and AS, and the sender's */
  readonly address: string;
  readonly asn: number;
  readonly senderAddress: string;
  readonly senderAsn: number;
  /** lagless: the compiled speaker-host.js to run (else the TypeScript source through tsx), and node flags */
  readonly laglessScript?: string;
  readonly laglessNodeArgs?: readonly string[];
}

export interface Receiver {
  readonly name: ReceiverName;
  readonly version: string;
  /** the processes whose memory counts */
  pids(): number[];
  /** other processes of the receiver, reported but not counted (FRR's zebra) */
  sidePids(): number[];
  /** prefixes from the sender in the receiver's RIB, from its own CLI/API */
  count(): Promise<number>;
  stop(): Promise<void>;
}

const HOLD = 90;

function spec(s: ReceiverSetup): BgpSpec {
  return {
    routerId: '10.255.0.1',
    asn: s.asn,
    holdTime: HOLD,
    neighbors: [{ address: s.senderAddress, asn: s.senderAsn, families: [s.family], passive: true, localAddress: s.address }],
  };
}

export async function startReceiver(name: ReceiverName, s: ReceiverSetup): Promise<Receiver> {
  switch (name) {
    case 'lagless': {
      const host = await SpeakerHost.start(s.ns, {
        speaker: { asn: s.asn, routerId: '10.255.0.1' },
        peers: [{ id: 'sender', address: s.senderAddress, asn: s.senderAsn, passive: true, families: [s.family], holdTime: HOLD }],
        routeEvents: false,
        logLevel: 'warn',
      }, { ...(s.laglessScript !== undefined && { script: s.laglessScript }), nodeArgs: s.laglessNodeArgs ?? [] });
      return {
        name,
        version: `node ${process.version}`,
        pids: () => [host.pid],
        sidePids: () => [],
        count: async () => (await host.peer('sender')).accepted,
        stop: () => host.exit(),
      };
    }
    case 'bird': {
      const bird = await startBird(s.scope, s.ns, { config: birdConfig(spec(s)) });
      return {
        name,
        version: `BIRD ${bird.version}`,
        pids: () => bird.pids(),
        sidePids: () => [],
        async count() {
          const out = await bird.birdc('show protocols all p0');
          return Number(/Routes:\s+(\d+) imported/.exec(out)?.[1] ?? 0);
        },
        stop: () => bird.stop(),
      };
    }
    case 'frr': {
      const frr = await startFrr(s.scope, s.ns, { config: frrConfig(spec(s), { global: 'bgp no-rib' }) });
      return {
        name,
        version: `FRR ${frr.version}`,
        pids: () => [frr.pidOf('bgpd')].filter((p): p is number => p !== undefined),
        sidePids: () => [frr.pidOf('zebra')].filter((p): p is number => p !== undefined),
        async count() {
          type Summary = { peers?: Record<string, { pfxRcd?: number }> };
          const j = await frr.vtyshJson<Summary & Record<string, Summary>>(`show bgp ${s.family} unicast summary json`);
          const peers = j.peers ?? j[`${s.family}Unicast`]?.peers ?? {};
          return peers[s.senderAddress]?.pfxRcd ?? 0;
        },
        stop: () => frr.stop(),
      };
    }
    case 'gobgp': {
      const { config } = gobgpFromSpec(spec(s));
      const gobgp = await startGobgp(s.scope, s.ns, { config });
      return {
        name,
        version: `GoBGP ${gobgp.version}`,
        pids: () => gobgp.pids(),
        sidePids: () => [],
        async count() {
          type Nbr = { afi_safis?: { state?: { accepted?: number; received?: number } }[] };
          const j = await gobgp.cliJson<Nbr>(['neighbor', s.senderAddress]);
          return (j.afi_safis ?? []).reduce((n, a) => n + (a.state?.accepted ?? 0), 0);
        },
        stop: () => gobgp.stop(),
      };
    }
  }
}
