// The address plan: a compact spec -> a Topology with every name, ASN and address filled in.
// Pure and deterministic (the same spec always gives the same lab).
//
//   names       spine1.., tor1.. (numbered across racks), rack1.., hv1.., vm1.. (across hypervisors)
//   ASNs        spines 65000; the ToRs of rack r 65100 + r - 1; hypervisor n 4200000000 + n
//   router ids  spine n 10.0.2.n, ToR n 10.0.1.n; hypervisor n: loopback 10.0.0.n and 2001:db8:ffff::n
//   links       the k-th cable (spine-ToR first, then ToR-hypervisor): 10.255.0.0 + 2k /31 and
//               2001:db8:255:: + 2k /127, the upper end (spine or ToR) on the even address
//   VMs         one subnet for all, on any hypervisor: 10.100.0.0/16 (gateway 10.100.0.1) and
//               2001:db8:100::/64 (gateway fe80::1); VM n is 10.100.0.(10 + n) and
//               2001:db8:100::(10 + n, the same digits); MAC fa:16:3e:00:HH:LL (n); port id a UUID
//               from the VM's name; pools (what is announced) 10.100.0.0/16 and 2001:db8:100::/48
import { createHash } from 'node:crypto';
import { GATEWAY_V6 } from '../../src/dataplane/model.js';
import { tapNameForPort } from '../../src/dataplane/port.js';
import { ipv4ToString, ipv6ToString, parseCidr, parseIpv4, parseIpv6 } from '../../src/lib/ip.js';
import type { HypervisorSpec, RouterSpec, TopologySpec, VmSpec } from './spec.js';
import type { HypervisorKind, HypervisorNode, Link, RouterDaemon, RouterNode, Topology, VmNode } from './topology.js';

export const DEFAULTS = {
  pools: { ipv4: '10.100.0.0/16', ipv6: '2001:db8:100::/48' },
  subnet: { ipv4: '10.100.0.0/16', ipv6: '2001:db8:100::/64' },
  spineAsn: 65000,
  firstRackAsn: 65100,
  firstHypervisorAsn: 4200000001,
  spineRouterIds: '10.0.2.0',
  torRouterIds: '10.0.1.0',
  loopbacks4: '10.0.0.0',
  loopbacks6: '2001:db8:ffff::',
  links4: '10.255.0.0',
  links6: '2001:db8:255::',
  vmOffset: 10,
  macPrefix: 'fa:16:3e:00',
  vmsPerHypervisor: 2,
  spines: 1,
} as const;

/** The Topology a spec describes. Does not validate: run validateTopology on the result. */
export function resolveTopology(spec: TopologySpec): Topology {
  const pools = { ipv4: spec.pools?.ipv4 ?? DEFAULTS.pools.ipv4, ipv6: spec.pools?.ipv6 ?? DEFAULTS.pools.ipv6 };
  const sub4 = spec.subnet?.ipv4 ?? DEFAULTS.subnet.ipv4;
  const sub6 = spec.subnet?.ipv6 ?? DEFAULTS.subnet.ipv6;
  const subnet = { ipv4: sub4, ipv6: sub6, gateway4: spec.subnet?.gateway4 ?? addToAddress(networkAddress(sub4), 1), gateway6: GATEWAY_V6 };
  const defaultDaemon: RouterDaemon = spec.routerDaemon ?? 'frr';
  const defaultKind: HypervisorKind = spec.hypervisorKind ?? 'lagless';

  const spines = expand<RouterSpec>(spec.spines ?? DEFAULTS.spines).map(
    (s, i): RouterNode => ({
      name: s.name ?? `spine${i + 1}`,
      role: 'spine',
      rack: null,
      daemon: s.daemon ?? defaultDaemon,
      asn: s.asn ?? DEFAULTS.spineAsn,
      routerId: s.routerId ?? addToAddress(DEFAULTS.spineRouterIds, i + 1),
    }),
  );

  const tors: RouterNode[] = [];
  const hypervisors: HypervisorNode[] = [];
  let vmCount = 0;
  spec.racks.forEach((rack, r) => {
    const rackName = rack.name ?? `rack${r + 1}`;
    const rackAsn = rack.asn ?? DEFAULTS.firstRackAsn + r;
    for (const t of expand<RouterSpec>(rack.tors)) {
      const n = tors.length + 1;
      tors.push({
        name: t.name ?? `tor${n}`,
        role: 'tor',
        rack: rackName,
        daemon: t.daemon ?? defaultDaemon,
        asn: t.asn ?? rackAsn,
        routerId: t.routerId ?? addToAddress(DEFAULTS.torRouterIds, n),
      });
    }
    for (const h of expand<HypervisorSpec>(rack.hypervisors)) {
      const n = hypervisors.length + 1;
      const hvName = h.name ?? `hv${n}`;
      const vms = expand<VmSpec>(h.vms ?? spec.vmsPerHypervisor ?? DEFAULTS.vmsPerHypervisor).map((v): VmNode => {
        vmCount++;
        const vmName = v.name ?? `vm${vmCount}`;
        const portId = v.portId ?? portIdFor(spec.name, vmName);
        return {
          name: vmName,
          hypervisor: hvName,
          portId,
          tap: tapNameForPort(portId),
          mac: v.mac ?? macFor(vmCount),
          ipv4: v.ipv4 ?? addToAddress(networkAddress(sub4), DEFAULTS.vmOffset + vmCount),
          ipv6: v.ipv6 ?? addToAddress(networkAddress(sub6), sameDigits(DEFAULTS.vmOffset + vmCount)),
          prefixLen4: prefixLen(sub4),
          prefixLen6: prefixLen(sub6),
        };
      });
      hypervisors.push({
        name: hvName,
        rack: rackName,
        kind: h.kind ?? defaultKind,
        asn: h.asn ?? DEFAULTS.firstHypervisorAsn + n - 1,
        loopback4: h.loopback4 ?? addToAddress(DEFAULTS.loopbacks4, n),
        loopback6: h.loopback6 ?? addToAddress(DEFAULTS.loopbacks6, sameDigits(n)),
        vms,
      });
    }
  });

  const pairs: [string, string][] = [
    ...spines.flatMap((s) => tors.map((t): [string, string] => [s.name, t.name])),
    ...hypervisors.flatMap((h) => tors.filter((t) => t.rack === h.rack).map((t): [string, string] => [t.name, h.name])),
  ];
  const links = pairs.map(
    ([upper, lower], k): Link => ({
      upper: { node: upper, ifname: lower, ipv4: addToAddress(DEFAULTS.links4, 2 * k), ipv6: addToAddress(DEFAULTS.links6, 2 * k) },
      lower: { node: lower, ifname: upper, ipv4: addToAddress(DEFAULTS.links4, 2 * k + 1), ipv6: addToAddress(DEFAULTS.links6, 2 * k + 1) },
    }),
  );
  return { name: spec.name, pools, subnet, spines, tors, hypervisors, links };
}

/** A count becomes that many empty specs. */
function expand<T extends object>(x: number | readonly T[]): readonly Partial<T>[] {
  return typeof x === 'number' ? Array.from({ length: x }, () => ({})) : x;
}

/** `address + n` (IPv4 or IPv6, canonical text); bad input is returned unchanged for the validator to report. */
export function addToAddress(address: string, n: number): string {
  const v4 = parseIpv4(address);
  if (v4 !== undefined) return ipv4ToString((v4 + n) >>> 0);
  const v6 = parseIpv6(address);
  if (v6 === undefined) return address;
  let carry = n;
  for (let i = 15; i >= 0 && carry > 0; i--) {
    const sum = (v6[i] ?? 0) + (carry % 256);
    v6[i] = sum & 0xff;
    carry = Math.floor(carry / 256) + (sum >> 8);
  }
  return ipv6ToString(v6);
}

const networkAddress = (cidr: string): string => parseCidr(cidr)?.address ?? cidr;
const prefixLen = (cidr: string): number => parseCidr(cidr)?.len ?? 0;

/** 12 -> 0x12: an IPv6 host part that reads like the IPv4 one. */
const sameDigits = (n: number): number => parseInt(String(n), 16);

function macFor(n: number): string {
  const hex = (b: number) => b.toString(16).padStart(2, '0');
  return `${DEFAULTS.macPrefix}:${hex((n >> 8) & 0xff)}:${hex(n & 0xff)}`;
}

/** A UUID-shaped port id derived from the lab and VM names (stable across runs, like a Neutron port's). */
export function portIdFor(lab: string, vm: string): string {
  const h = createHash('sha256').update(`${lab}/${vm}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
