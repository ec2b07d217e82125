// BIRD 2 configs for spines and ToRs whose daemon is bird: the same policy as frr-config.ts in
// BIRD's terms. Pure.
//
//   kernel protocols export only BGP routes (merge paths: ECMP), one BGP protocol per cable named
//   after the node at the other end ("bgp_hv1"), hold 9 / keepalive 3 / connect retry 5.
//   ToR -> hypervisor: a static default (unreachable, never in the kernel) is the only export;
//   hypervisor -> ToR: /32 and /128 inside the pools plus that hypervisor's loopbacks;
//   ToR <-> spine: every BGP route, own AS allowed once from spines (the rack's ToRs share it).
import { linksOf, type RouterNode, type Topology } from './topology.js';

export function birdFabricConfig(t: Topology, r: RouterNode): string {
  const links = linksOf(t, r.name);
  const hvOf = (node: string) => t.hypervisors.find((h) => h.name === node);
  const asnOf = (node: string) => [...t.spines, ...t.tors, ...t.hypervisors].find((n) => n.name === node)?.asn ?? 0;
  const hasHvs = links.some((l) => hvOf(l.remote.node) !== undefined);
  const lines = [
    `router id ${r.routerId};`,
    'log stderr all;',
    'protocol device { scan time 10; }',
    'protocol kernel kernel4 { ipv4 { import none; export where source = RTS_BGP; }; merge paths on; }',
    'protocol kernel kernel6 { ipv6 { import none; export where source = RTS_BGP; }; merge paths on; }',
  ];
  if (hasHvs) {
    lines.push(
      'protocol static default4 { ipv4; route 0.0.0.0/0 unreachable; }',
      'protocol static default6 { ipv6; route ::/0 unreachable; }',
      'filter lab_default4 { if net = 0.0.0.0/0 then accept; reject; }',
      'filter lab_default6 { if net = ::/0 then accept; reject; }',
    );
  }
  for (const l of links) {
    const hv = hvOf(l.remote.node);
    const common = [
      `protocol bgp bgp_${l.remote.node} {`,
      `  description "${l.remote.node}";`,
      `  local ${l.local.ipv4} as ${r.asn};`,
      `  neighbor ${l.remote.ipv4} as ${asnOf(l.remote.node)};`,
      '  hold time 9; keepalive time 3; connect retry time 5; connect delay time 1; error wait time 1, 10;',
    ];
    if (hv !== undefined) {
      lines.push(
        ...common,
        `  ipv4 { import where net ~ [ ${t.pools.ipv4}{32,32}, ${hv.loopback4}/32 ]; export filter lab_default4; };`,
        `  ipv6 { import where net ~ [ ${t.pools.ipv6}{128,128}, ${hv.loopback6}/128 ]; export filter lab_default6; next hop address ${l.local.ipv6}; };`,
        '}',
      );
    } else {
      lines.push(
        ...common,
        ...(r.role === 'tor' ? ['  allow local as 1;'] : []),
        '  ipv4 { import all; export where source = RTS_BGP; };',
        `  ipv6 { import all; export where source = RTS_BGP; next hop address ${l.local.ipv6}; };`,
        '}',
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
