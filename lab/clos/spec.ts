// The compact description of a lab (a preset, or a YAML file): racks of ToRs and hypervisors,
// spines, and only what differs from the address plan. address-plan.ts turns it into a Topology.
//
//   name: mylab                      # [a-z][a-z0-9]*, at most 12: namespaces are lagless-mylab-NODE
//   hypervisorKind: lagless          # lagless (the agent) | frr (the baseline); default lagless
//   routerDaemon: frr                # spines' and ToRs' daemon unless a router says; frr | bird
//   vmsPerHypervisor: 2
//   spines: 1                        # a count, or a list: [{ name: spine1, daemon: bird, asn: 65000 }]
//   racks:
//     - tors: 2                      # a count, or a list: [{ name: tor1 }, { daemon: bird }]
//       hypervisors: 2               # a count, or a list: [{ name: hv1, kind: frr, vms: 3 }]
//       # asn: 65100                 # the rack's (its ToRs') AS; default 65100 + rack index
//   # pools:  { ipv4: 10.100.0.0/16, ipv6: 2001:db8:100::/48 }           (announced VM addresses)
//   # subnet: { ipv4: 10.100.0.0/16, ipv6: 2001:db8:100::/64, gateway4: 10.100.0.1 }
//
// A VM in a list: { name, ipv4, ipv6, mac, portId }, every field optional.
import { INVALID, Issues, int, list, obj, oneOf, optional, str, type Issue, type PathSegment, type Read, type Schema } from '../../src/lib/schema.js';
import { asn, ipAddress, macAddress, network } from '../../src/lib/net-schema.js';
import { parseYaml } from '../../src/lib/yaml.js';
import { HYPERVISOR_KINDS, NAME_RE, ROUTER_DAEMONS, type HypervisorKind, type RouterDaemon } from './topology.js';

export interface VmSpec {
  readonly name?: string;
  readonly ipv4?: string;
  readonly ipv6?: string;
  readonly mac?: string;
  readonly portId?: string;
}

export interface HypervisorSpec {
  readonly name?: string;
  readonly kind?: HypervisorKind;
  readonly asn?: number;
  readonly loopback4?: string;
  readonly loopback6?: string;
  /** a count (default: vmsPerHypervisor) or the VMs */
  readonly vms?: number | readonly VmSpec[];
}

export interface RouterSpec {
  readonly name?: string;
  readonly daemon?: RouterDaemon;
  readonly asn?: number;
  readonly routerId?: string;
}

export interface RackSpec {
  readonly name?: string;
  /** the AS of the rack's ToRs */
  readonly asn?: number;
  readonly tors: number | readonly RouterSpec[];
  readonly hypervisors: number | readonly HypervisorSpec[];
}

export interface TopologySpec {
  readonly name: string;
  readonly hypervisorKind?: HypervisorKind;
  readonly routerDaemon?: RouterDaemon;
  readonly vmsPerHypervisor?: number;
  readonly pools?: { readonly ipv4?: string; readonly ipv6?: string };
  readonly subnet?: { readonly ipv4?: string; readonly ipv6?: string; readonly gateway4?: string };
  /** default 1 */
  readonly spines?: number | readonly RouterSpec[];
  readonly racks: readonly RackSpec[];
  /** what the lab is for (a file's own note) */
  readonly description?: string;
}

/** Upper bounds that keep a lab buildable on a small machine and inside the address plan. */
export const LIMITS = { spines: 8, racks: 16, torsPerRack: 4, hypervisors: 64, vmsPerHypervisor: 32 } as const;

const name = () => str({ expected: `a name matching ${NAME_RE}`, pattern: NAME_RE, kind: 'NAME' });

/** A count from 0/1 to max, or a list of items (at most max). */
function countOrList<T>(item: Schema<T>, min: number, max: number): Schema<number | T[]> {
  const inner = list(item);
  return {
    expected: `a count (${min}..${max}) or ${inner.expected}`,
    read(value, path, issues): Read<number | T[]> {
      if (typeof value === 'number') return int(min, max, `a count from ${min} to ${max}`).read(value, path, issues);
      const r = inner.read(value, path, issues);
      if (r === INVALID) return INVALID;
      if (r.length < min || r.length > max) {
        issues.add(path, 'RANGE', `expected ${min} to ${max} entries, got ${r.length}`);
        return INVALID;
      }
      return r;
    },
  };
}

const routerSpec = obj({ name: optional(name()), daemon: optional(oneOf(ROUTER_DAEMONS)), asn: optional(asn()), routerId: optional(ipAddress({ family: 4 })) });
const vmSpec = obj({
  name: optional(name()),
  ipv4: optional(ipAddress({ family: 4 })),
  ipv6: optional(ipAddress({ family: 6 })),
  mac: optional(macAddress()),
  portId: optional(str({ expected: 'a port id (no spaces)', pattern: /^[^\s]{11,255}$/, kind: 'VALUE' })),
});
const hypervisorSpec = obj({
  name: optional(name()),
  kind: optional(oneOf(HYPERVISOR_KINDS)),
  asn: optional(asn()),
  loopback4: optional(ipAddress({ family: 4 })),
  loopback6: optional(ipAddress({ family: 6 })),
  vms: optional(countOrList(vmSpec, 0, LIMITS.vmsPerHypervisor)),
});
const rackSpec = obj({
  name: optional(name()),
  asn: optional(asn()),
  tors: countOrList(routerSpec, 1, LIMITS.torsPerRack),
  hypervisors: countOrList(hypervisorSpec, 0, LIMITS.hypervisors),
});
const topologySpec = obj(
  {
    name: name(),
    description: optional(str({ minLength: 0 })),
    hypervisorKind: optional(oneOf(HYPERVISOR_KINDS)),
    routerDaemon: optional(oneOf(ROUTER_DAEMONS)),
    vmsPerHypervisor: optional(int(0, LIMITS.vmsPerHypervisor)),
    pools: optional(obj({ ipv4: optional(network()), ipv6: optional(network()) })),
    subnet: optional(obj({ ipv4: optional(network()), ipv6: optional(network()), gateway4: optional(ipAddress({ family: 4 })) })),
    spines: optional(countOrList(routerSpec, 0, LIMITS.spines)),
    racks: list(rackSpec, { minItems: 1 }),
  },
  {
    check(f, path, issues) {
      if (f.racks && f.racks.length > LIMITS.racks) issues.add([...path, 'racks'], 'RANGE', `at most ${LIMITS.racks} racks`);
      const hvs = (f.racks ?? []).reduce((n, r) => n + (typeof r.hypervisors === 'number' ? r.hypervisors : r.hypervisors.length), 0);
      if (hvs > LIMITS.hypervisors) issues.add([...path, 'racks'], 'RANGE', `at most ${LIMITS.hypervisors} hypervisors in a lab, got ${hvs}`);
    },
  },
);

/** Reads a parsed value (from YAML or JSON) as a spec: the spec, or every issue (ERR_LAB_TOPOLOGY_<KIND>). */
export function readTopologySpec(value: unknown, path: readonly PathSegment[] = []): { ok: true; spec: TopologySpec } | { ok: false; issues: Issue[] } {
  const issues = new Issues('ERR_LAB_TOPOLOGY');
  if (value === null || value === undefined) {
    issues.add(path, 'EMPTY', 'the topology is empty');
    return { ok: false, issues: issues.list };
  }
  const r = topologySpec.read(value, path, issues);
  return r === INVALID ? { ok: false, issues: issues.list } : { ok: true, spec: r };
}

/** A spec from YAML text; issues carry their line and column. */
export function parseTopologySpec(text: string): { ok: true; spec: TopologySpec } | { ok: false; issues: Issue[] } {
  const y = parseYaml(text, 'ERR_LAB_TOPOLOGY');
  if (y.issues.length > 0) return { ok: false, issues: y.issues };
  const r = readTopologySpec(y.value);
  return r.ok ? r : { ok: false, issues: r.issues.map(y.locate) };
}
