// Interop with FRR 8.4 (Debian's bgpd + zebra): the common checks (suite.ts). Both sessions carry
// both families, so FRR's IPv4 and IPv6 update groups hold two peers each and FRR sends lagless's
// own routes back to it (AS path 65100 4200000010): the reflection lagless must reject.
import { startFrr, frrConfig } from '../../../lab/routers/frr.js';
import { PEER_ASN, LAGLESS_ROUTES, peerSpec } from './interop-lab.js';
import { interopSuite } from './suite.js';

const families = { v4: ['ipv4', 'ipv6'], v6: ['ipv4', 'ipv6'] } as const;

interopSuite({
  tag: 'iofrr',
  families,
  version: /^8\.4\./,
  async start(lab) {
    const frr = await startFrr(lab.scope, lab.peer, { config: frrConfig(peerSpec(families)) });
    const accepted = async (): Promise<Set<string>> => {
      const out = new Set<string>();
      for (const fam of ['ipv4', 'ipv6']) {
        const j = await frr.vtyshJson<{ routes?: Record<string, { path?: string; valid?: boolean }[]> }>(`show bgp ${fam} unicast json`);
        for (const [prefix, paths] of Object.entries(j.routes ?? {})) if (paths.some((p) => p.valid && p.path === '4200000010')) out.add(prefix);
      }
      return out;
    };
    return {
      router: frr,
      accepted,
      async withdraw(prefixes) {
        const cmds = ['configure terminal', `router bgp ${PEER_ASN}`];
        for (const p of prefixes) cmds.push(`address-family ${p.includes(':') ? 'ipv6' : 'ipv4'} unicast`, `no network ${p}`, 'exit-address-family');
        await frr.vtysh(cmds);
      },
      reflected: { prefixes: LAGLESS_ROUTES.filter((p) => p.endsWith('1/32') || p.endsWith('1/128')), natural: true },
    };
  },
});
