// A VM plugged into a lab hypervisor the way Nova plugs one for a Neutron port with vif_type tap:
// a tap named "tap" + the first 11 characters of the port id on the hypervisor (here the host end
// of a veth pair), the VM's eth0 at the other end with the port's MAC, in a namespace of its own,
// configured as the guest would be from DHCP: its addresses with the subnets' prefix lengths and
// the gateways (IPv4: the subnet's; IPv6: fe80::1, the router every lagless tap answers as).
//
//   const vm = await attachVm(scope, { name: nsName(lab, 'hv1') }, 'vm1', { portId, mac, fixedIps, mtu });
//   await vm.run(['ping', '-c1', '10.100.0.14']);
//   await unplugVm({ name: nsName(lab, 'hv1') }, portId);      // the tap goes (Nova's unplug); the VM namespace stays with its scope
import { GATEWAY_V6 } from '../../src/dataplane/model.js';
import { tapNameForPort } from '../../src/dataplane/port.js';
import { ipFamily } from '../../src/lib/ip.js';
import { Netns, veth, type LabScope } from '../netns.js';
import { run } from '../proc.js';
import type { NamedNetns } from './wire-port.js';

export interface VmPort {
  readonly portId: string;
  readonly mac: string;
  readonly fixedIps: readonly { readonly address: string; readonly prefixLen: number; readonly gateway?: string | null }[];
  readonly mtu?: number;
}

/** The VM's namespace (made by `scope`, removed by its cleanup), cabled to `hv` by the port's tap. */
export async function attachVm(scope: LabScope, hv: NamedNetns, name: string, port: VmPort): Promise<Netns> {
  const vm = await scope.netns(name);
  await vm.run(['sysctl', '-qw', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0']);
  const hvNs = new Netns(hv.name, scope);
  await veth(hvNs, tapNameForPort(port.portId), vm, 'eth0', { bMac: port.mac, ...(port.mtu === undefined ? {} : { mtu: port.mtu }) });
  await vm.ip(['-batch', '-'], { input: `${guestConfig(port).join('\n')}\n` });
  return vm;
}

/** The `ip -batch` lines that configure the guest's eth0 (pure). */
export function guestConfig(port: VmPort): string[] {
  const lines: string[] = [];
  let v4Gateway: string | undefined;
  let v6 = false;
  for (const f of port.fixedIps) {
    if (ipFamily(f.address) === 4) {
      lines.push(`addr add ${f.address}/${f.prefixLen} dev eth0`);
      v4Gateway ??= f.gateway ?? undefined;
    } else {
      // routed: no on-link prefix; every destination goes to the router
      lines.push(`addr add ${f.address}/${f.prefixLen} dev eth0 nodad noprefixroute`);
      v6 = true;
    }
  }
  if (v4Gateway !== undefined) lines.push(`route add default via ${v4Gateway} dev eth0`);
  if (v6) lines.push(`route add ::/0 via ${GATEWAY_V6} dev eth0`);
  return lines;
}

/** Nova's unplug: the port's tap is deleted from the hypervisor (the veth's other end goes with it). */
export async function unplugVm(hv: NamedNetns, portId: string): Promise<void> {
  await run(['ip', '-n', hv.name, 'link', 'del', tapNameForPort(portId)]);
}
