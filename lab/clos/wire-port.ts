// Wiring a VM port the way the baseline does it (hypervisors of kind 'frr', ovn-bgp-agent style):
// a small shell script per port, run in the hypervisor's namespace, applying the same recipe as
// lagless's dataplane (design §4). FRR's zebra sees the /32 and /128 appear in the kernel and
// `redistribute kernel` announces them.
//
//   await wirePortByScript(hvNs, port);     // tap sysctls, routes, permanent neighbours, gateways
//   await unwirePortByScript(hvNs, port);   // routes and neighbours gone (zebra withdraws them)
//   (hvNs: a Netns, or { name: nsName(lab, 'hv1') } for a lab that is already up)
//
// The tap must exist (the lab's veth end). Host-wide sysctls are set each time (idempotent), so a
// port wired on a fresh hypervisor works without anything else.
import { run } from '../proc.js';
import { GATEWAY_V6, GATEWAY_V6_PREFIX_LEN } from '../../src/dataplane/model.js';
import type { PortSpec } from '../../src/dataplane/port.js';
import { ipFamily } from '../../src/lib/ip.js';
import { HOST_SYSCTLS, TAP_SYSCTLS as DATAPLANE_TAP_SYSCTLS } from '../../src/dataplane/wiring.js';

/** The same per-tap settings as lagless's dataplane, minus proxy_ndp (fe80::1 is local here). */
const TAP_SYSCTLS = DATAPLANE_TAP_SYSCTLS.filter(([p]) => !p.endsWith('/proxy_ndp'));

const set = (path: string, value: string) => `echo ${value} > /proc/sys/${path}`;

/** The script that wires `port` (sh -e); pure, for tests and for reading. */
export function wirePortScript(port: PortSpec): string {
  const tap = port.tap;
  const lines = [
    `# wire port ${port.id} (${port.mac}) on ${tap}`,
    ...HOST_SYSCTLS.map(([p, v]) => set(p, v)),
    ...TAP_SYSCTLS.map(([p, v]) => set(p.replace('%', tap), v)),
    `ip link set ${tap} up`,
  ];
  const gateways = new Set<string>();
  let v6 = false;
  for (const f of port.fixedIps) {
    if (ipFamily(f.address) === 4) {
      lines.push(`ip route replace ${f.address}/32 dev ${tap}`, `ip neigh replace ${f.address} lladdr ${port.mac} dev ${tap} nud permanent`);
      if (f.gateway !== undefined) gateways.add(f.gateway);
    } else {
      v6 = true;
      lines.push(`ip -6 route replace ${f.address}/128 dev ${tap}`, `ip -6 neigh replace ${f.address} lladdr ${port.mac} dev ${tap} nud permanent`);
    }
  }
  // the VM's gateway must be a local address, or proxy ARP stops answering without a default route
  for (const gw of gateways) lines.push(`ip addr replace ${gw}/32 dev lo`);
  if (v6) lines.push(`ip -6 addr replace ${GATEWAY_V6}/${GATEWAY_V6_PREFIX_LEN} dev ${tap} nodad`);
  return `${lines.join('\n')}\n`;
}

/** The script that unwires `port`: its routes and neighbours (the gateway on lo is shared and stays). */
export function unwirePortScript(port: PortSpec): string {
  const tap = port.tap;
  const lines = [`# unwire port ${port.id} on ${tap}`];
  for (const f of port.fixedIps) {
    const six = ipFamily(f.address) === 4 ? '' : ' -6';
    const len = ipFamily(f.address) === 4 ? 32 : 128;
    lines.push(`ip${six} route del ${f.address}/${len} dev ${tap} 2>/dev/null || true`, `ip${six} neigh del ${f.address} dev ${tap} 2>/dev/null || true`);
  }
  return `${lines.join('\n')}\n`;
}

/** A namespace by name: a Netns, or `{ name: nsName(lab, 'hv1') }` for a lab that is already up. */
export interface NamedNetns {
  readonly name: string;
}

/** Runs the wiring script in the hypervisor's namespace; ERR_LAB_COMMAND (with the script's stderr) when a step fails. */
export async function wirePortByScript(hvNs: NamedNetns, port: PortSpec): Promise<void> {
  await run(['ip', 'netns', 'exec', hvNs.name, 'sh', '-ec', wirePortScript(port)]);
}

export async function unwirePortByScript(hvNs: NamedNetns, port: PortSpec): Promise<void> {
  await run(['ip', 'netns', 'exec', hvNs.name, 'sh', '-ec', unwirePortScript(port)]);
}
