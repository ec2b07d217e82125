// FRR configs for the lab: spines and ToRs (the fabric), and hypervisors of kind 'frr' (the
// baseline users pick today: FRR redistributing the kernel's VM /32 and /128 routes, as
// ovn-bgp-agent does). Pure: topology in, config text out (integrated style, given at start).
//
// Every router: eBGP over the numbered /31 of each cable (one IPv4 session carries IPv4 and IPv6
// unicast; IPv6 next hops come from the link's /127), test timers (keepalive 3, hold 9, connect 5,
// coalesce 50 ms, no advertisement interval), no eBGP policy requirement, ECMP over up to 8 paths
// even across neighbour ASNs (multipath-relax).
//   spine: everything from and to every ToR.
//   ToR:   to hypervisors only the default route (default-originate, 0.0.0.0/0 and ::/0); from
//          hypervisors only /32 and /128 inside the VM pools plus their loopbacks; with spines
//          everything, and its own AS allowed once in paths from spines (the rack's other ToR shares
//          the AS: when a hypervisor loses its cable to this ToR, the way to it is through a spine).
//   hypervisor (frr): announces its loopbacks and the kernel's VM routes inside the pools, nothing
//          else (no transit: what it learns from one ToR is not sent to the other).
import { linksOf, type HypervisorNode, type RouterNode, type Topology } from './topology.js';

export const MAX_PATHS = 8;
const FAMILIES = ['ipv4', 'ipv6'] as const;

interface Neighbor {
  readonly address: string;
  readonly asn: number;
  readonly description: string;
}

function header(hostname: string): string[] {
  return ['frr defaults traditional', `hostname ${hostname}`, 'log timestamp precision 3', '!'];
}

function routerBgp(asn: number, routerId: string, neighbors: readonly Neighbor[]): string[] {
  return [
    `router bgp ${asn}`,
    ` bgp router-id ${routerId}`,
    ' no bgp ebgp-requires-policy',
    ' no bgp default ipv4-unicast',
    ' bgp bestpath as-path multipath-relax',
    ' timers bgp 3 9',
    ' coalesce-time 50',
    ...neighbors.flatMap((n) => [
      ` neighbor ${n.address} remote-as ${n.asn}`,
      ` neighbor ${n.address} description ${n.description}`,
      ` neighbor ${n.address} timers connect 5`,
      ` neighbor ${n.address} advertisement-interval 0`,
    ]),
  ];
}

/** The FRR config of a spine or ToR of `t` whose daemon is frr. */
export function frrFabricConfig(t: Topology, r: RouterNode): string {
  const links = linksOf(t, r.name);
  const asnOf = (node: string) => [...t.spines, ...t.tors, ...t.hypervisors].find((n) => n.name === node)?.asn ?? 0;
  const isHv = (node: string) => t.hypervisors.some((h) => h.name === node);
  const neighbors = links.map((l): Neighbor => ({ address: l.remote.ipv4, asn: asnOf(l.remote.node), description: l.remote.node }));
  const hvs = links.filter((l) => isHv(l.remote.node));
  const lines = [...header(r.name)];
  if (hvs.length > 0) {
    const loopbacks = t.hypervisors.filter((h) => hvs.some((l) => l.remote.node === h.name));
    lines.push(
      `ip prefix-list LAB-HV-IN seq 10 permit ${t.pools.ipv4} ge 32`,
      ...loopbacks.map((h, i) => `ip prefix-list LAB-HV-IN seq ${20 + i} permit ${h.loopback4}/32`),
      `ipv6 prefix-list LAB-HV-IN6 seq 10 permit ${t.pools.ipv6} ge 128`,
      ...loopbacks.map((h, i) => `ipv6 prefix-list LAB-HV-IN6 seq ${20 + i} permit ${h.loopback6}/128`),
      'ip prefix-list LAB-DEFAULT seq 10 permit 0.0.0.0/0',
      'ipv6 prefix-list LAB-DEFAULT6 seq 10 permit ::/0',
      '!',
    );
  }
  lines.push(...routerBgp(r.asn, r.routerId, neighbors));
  for (const fam of FAMILIES) {
    const six = fam === 'ipv6' ? '6' : '';
    lines.push(' !', ` address-family ${fam} unicast`, `  maximum-paths ${MAX_PATHS}`);
    for (const l of links) {
      const a = l.remote.ipv4;
      lines.push(`  neighbor ${a} activate`);
      if (isHv(l.remote.node)) {
        lines.push(`  neighbor ${a} default-originate`, `  neighbor ${a} prefix-list LAB-HV-IN${six} in`, `  neighbor ${a} prefix-list LAB-DEFAULT${six} out`);
      } else if (r.role === 'tor') {
        lines.push(`  neighbor ${a} allowas-in 1`);
      }
    }
    lines.push(' exit-address-family');
  }
  lines.push('exit', '!');
  return `${lines.join('\n')}\n`;
}

/** The FRR config of a hypervisor of kind 'frr': redistribute the kernel's VM routes, ECMP default from the ToRs. */
export function frrHypervisorConfig(t: Topology, h: HypervisorNode): string {
  const links = linksOf(t, h.name);
  const asnOf = (node: string) => t.tors.find((r) => r.name === node)?.asn ?? 0;
  const lines = [
    ...header(h.name),
    `ip prefix-list LAB-VM-POOL seq 10 permit ${t.pools.ipv4} ge 32`,
    `ipv6 prefix-list LAB-VM-POOL6 seq 10 permit ${t.pools.ipv6} ge 128`,
    // what leaves the hypervisor: its VMs and its loopbacks, never a route learned from a ToR
    `ip prefix-list LAB-HV-OUT seq 10 permit ${t.pools.ipv4} ge 32`,
    `ip prefix-list LAB-HV-OUT seq 20 permit ${h.loopback4}/32`,
    `ipv6 prefix-list LAB-HV-OUT6 seq 10 permit ${t.pools.ipv6} ge 128`,
    `ipv6 prefix-list LAB-HV-OUT6 seq 20 permit ${h.loopback6}/128`,
    '!',
    'route-map LAB-REDIST-KERNEL permit 10',
    ' match ip address prefix-list LAB-VM-POOL',
    'exit',
    '!',
    'route-map LAB-REDIST-KERNEL6 permit 10',
    ' match ipv6 address prefix-list LAB-VM-POOL6',
    'exit',
    '!',
    ...routerBgp(h.asn, h.loopback4, links.map((l) => ({ address: l.remote.ipv4, asn: asnOf(l.remote.node), description: l.remote.node }))),
  ];
  for (const fam of FAMILIES) {
    const six = fam === 'ipv6' ? '6' : '';
    lines.push(
      ' !',
      ` address-family ${fam} unicast`,
      `  network ${fam === 'ipv4' ? `${h.loopback4}/32` : `${h.loopback6}/128`}`,
      `  redistribute kernel route-map LAB-REDIST-KERNEL${six}`,
      `  maximum-paths ${MAX_PATHS}`,
      ...links.flatMap((l) => [`  neighbor ${l.remote.ipv4} activate`, `  neighbor ${l.remote.ipv4} prefix-list LAB-HV-OUT${six} out`]),
      ' exit-address-family',
    );
  }
  lines.push('exit', '!');
  return `${lines.join('\n')}\n`;
}
