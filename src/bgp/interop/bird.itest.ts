// Interop with BIRD 2.0 (Debian's bird2): the common checks (suite.ts). Both sessions carry both
// families. BIRD does not send lagless's routes back to lagless's AS by itself, so two static
// routes carry lagless's AS in their path (REFLECT_ROUTES): they arrive as 65100 4200000010.
import { writeFileSync } from 'node:fs';
import { birdConfig, startBird } from '../../../lab/routers/bird.js';
import { LAGLESS_ASN, PEER_ROUTES, REFLECT_ROUTES, peerSpec } from './interop-lab.js';
import { interopSuite } from './suite.js';

const families = { v4: ['ipv4', 'ipv6'], v6: ['ipv4', 'ipv6'] } as const;
const reflect = REFLECT_ROUTES.map((p) => [
  `protocol static reflect_${p.includes(':') ? 'ipv6' : 'ipv4'} {`,
  `  ${p.includes(':') ? 'ipv6' : 'ipv4'};`,
  `  route ${p} blackhole { bgp_path.prepend(${LAGLESS_ASN}); };`,
  '}',
].join('\n')).join('\n');
const config = (announce: readonly string[]) => birdConfig(peerSpec(families, { announce }), reflect);

interopSuite({
  tag: 'iobird',
  families,
  version: /^2\.0\./,
  async start(lab) {
    const bird = await startBird(lab.scope, lab.peer, { config: config(PEER_ROUTES) });
    return {
      router: bird,
      async accepted() {
        const out = new Set<string>();
        // routes BIRD learned from the two lagless sessions (protocols p0 and p1)
        for (const proto of ['p0', 'p1']) {
          const text = await bird.birdc(`show route protocol ${proto}`);
          for (const m of text.matchAll(/^([0-9a-f:.]+\/\d+)\s/gm)) out.add(m[1]!);
        }
        return out;
      },
      async withdraw(prefixes) {
        // BIRD's static routes come from its config: write it without them and reconfigure
        writeFileSync(bird.configFile, config(PEER_ROUTES.filter((p) => !prefixes.includes(p))));
        await bird.birdc('configure');
      },
      reflected: { prefixes: REFLECT_ROUTES, natural: false },
    };
  },
});
