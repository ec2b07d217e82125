// Interop with GoBGP 3.10 (Debian's gobgpd): the common checks (suite.ts), one family per session
// (IPv4 routes over the IPv4 session, IPv6 over the IPv6 one). GoBGP never sends a route to a peer
// whose AS is in its path, so REFLECT_ROUTES are originated with lagless's AS as their path and
// arrive as 65100 4200000010.
import { gobgpFromSpec, startGobgp } from '../../../lab/routers/gobgp.js';
import { ADDR, LAGLESS_ASN, REFLECT_ROUTES, peerSpec } from './interop-lab.js';
import { interopSuite } from './suite.js';

const families = { v4: ['ipv4'], v6: ['ipv6'] } as const;
const fam = (p: string) => (p.includes(':') ? 'ipv6' : 'ipv4');

interopSuite({
  tag: 'iogobgp',
  families,
  version: /^3\.10\./,
  async start(lab) {
    const { config, routes } = gobgpFromSpec(peerSpec(families));
    const reflect = REFLECT_ROUTES.map((p) => ['global', 'rib', 'add', '-a', fam(p), p, 'origin', 'igp', 'aspath', String(LAGLESS_ASN), 'nexthop', fam(p) === 'ipv4' ? ADDR.peer4 : ADDR.peer6]);
    const gobgp = await startGobgp(lab.scope, lab.peer, { config, routes: [...routes, ...reflect] });
    return {
      router: gobgp,
      async accepted() {
        const out = new Set<string>();
        for (const f of ['ipv4', 'ipv6']) {
          const rib = await gobgp.cliJson<Record<string, { 'neighbor-ip'?: string }[]>>(['global', 'rib', '-a', f]);
          for (const [prefix, paths] of Object.entries(rib)) if (paths.some((p) => p['neighbor-ip'] === ADDR.lagless4 || p['neighbor-ip'] === ADDR.lagless6)) out.add(prefix);
        }
        return out;
      },
      async withdraw(prefixes) {
        for (const p of prefixes) await gobgp.cli(['global', 'rib', 'del', '-a', fam(p), p]);
      },
      reflected: { prefixes: REFLECT_ROUTES, natural: false },
    };
  },
});
