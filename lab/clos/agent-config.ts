// What a hypervisor of kind 'lagless' is given: its agent config (validated by the agent's own
// schema, written by its canonical printer) and its ports file (the file source's format), both
// derived from the topology. Pure.
import { printConfig } from '../../src/config/print.js';
import { validateConfig } from '../../src/config/schema.js';
import type { PortSpec } from '../../src/dataplane/port.js';
import { ClosError } from './errors.js';
import { linksOf, type HypervisorNode, type Topology, type VmNode } from './topology.js';

export interface AgentPaths {
  /** the ports file the agent's file source watches */
  readonly portsFile: string;
  /** the agent's control socket (`lagless show --socket`) */
  readonly socket: string;
}

/**
 * The agent config for hypervisor `h`, in canonical form. `source`: the agent's `source:` section
 * instead of the ports file (e.g. { type: 'neutron', transportUrl, reportInterval }).
 */
export function agentConfigText(t: Topology, h: HypervisorNode, paths: AgentPaths, source?: Readonly<Record<string, unknown>>): string {
  const raw = {
    host: h.name,
    asn: h.asn,
    routerId: h.loopback4,
    loopback: [h.loopback4, h.loopback6],
    uplinks: linksOf(t, h.name).map((l) => ({
      name: l.remote.node,
      interface: l.local.ifname,
      peer: l.remote.ipv4,
      localAddress: l.local.ipv4,
      peerAsn: t.tors.find((r) => r.name === l.remote.node)?.asn,
      connectRetry: 5, // as the ToRs' `timers connect 5`
    })),
    export: { pools: [t.pools.ipv4, t.pools.ipv6] },
    source: source ?? { type: 'file', path: paths.portsFile },
    dataplane: { gatewayV4: t.subnet.gateway4 },
    control: { socket: paths.socket },
    logging: { level: 'info' },
    // each hypervisor is its own namespace: the same loopback port everywhere
    metrics: { listen: `127.0.0.1:${LAB_METRICS_PORT}` },
  };
  const r = validateConfig(raw, { defaultHost: h.name });
  if (!r.ok) {
    // the topology validator should have caught it: say exactly what the agent schema refused
    throw new ClosError('ERR_LAB_TOPOLOGY', `the agent config generated for ${h.name} is invalid:\n${r.issues.map((i) => `  ${i.path}: ${i.message} [${i.code}]`).join('\n')}`, { issues: r.issues });
  }
  return printConfig(r.config);
}

/** Where every lab agent serves Prometheus /metrics, on its hypervisor namespace's loopback. */
export const LAB_METRICS_PORT = 9180;

/** A VM's port as the sources deliver it. */
export function portSpecFor(t: Topology, vm: VmNode): PortSpec {
  return {
    id: vm.portId,
    tap: vm.tap,
    mac: vm.mac,
    fixedIps: [
      { address: vm.ipv4, prefixLen: vm.prefixLen4, gateway: t.subnet.gateway4 },
      // the IPv6 gateway is fe80::1 on every tap (design §4): no global gateway to give
      { address: vm.ipv6, prefixLen: vm.prefixLen6 },
    ],
    allowedAddressPairs: [],
    portSecurity: true,
  };
}

/** The ports file (examples/ports.yaml format) for the given VMs of one hypervisor. */
export function portsFileText(t: Topology, vms: readonly VmNode[]): string {
  if (vms.length === 0) return '# written by lagless lab\nports: []\n';
  const lines = ['# written by lagless lab: the VM ports bound to this hypervisor', 'ports:'];
  for (const vm of vms) {
    const p = portSpecFor(t, vm);
    lines.push(`  - id: ${p.id}      # ${vm.name}`, `    tap: ${p.tap}`, `    mac: "${p.mac}"`, '    fixed_ips:');
    for (const f of p.fixedIps) {
      lines.push(`      - address: "${f.address}"`, `        prefix_len: ${f.prefixLen}`);
      if (f.gateway !== undefined) lines.push(`        gateway: "${f.gateway}"`);
    }
  }
  return `${lines.join('\n')}\n`;
}
