// What the end-to-end tests look at and do in a lab, beyond the agent's own CLI: kernel routes of
// routers and hypervisors, which uplink a flow uses (interface counters), one-shot pings, and an
// extra VM cabled to a hypervisor at run time.
import { portIdFor } from '../clos/address-plan.js';
import { kernelRoutes, type KernelRoute } from '../clos/probe.js';
import { linksOf, type VmNode } from '../clos/topology.js';
import { tapNameForPort } from '../../src/dataplane/port.js';
import { LabError, run, waitFor } from '../proc.js';
import type { E2eLab } from './e2e-lab.js';

/** Every route (IPv4 and IPv6, main table) in a namespace. */
export async function routesIn(ns: string): Promise<KernelRoute[]> {
  const [v4, v6] = await Promise.all([kernelRoutes(ns, 4), kernelRoutes(ns, 6)]);
  return [...v4, ...v6];
}

/** For each ToR: whether it has the VM's /32 and /128, each through the VM's own hypervisor only. */
export async function torsRouteVm(lab: E2eLab, vm: Pick<VmNode, 'ipv4' | 'ipv6' | 'hypervisor'>): Promise<Record<string, { v4: boolean; v6: boolean }>> {
  const out: Record<string, { v4: boolean; v6: boolean }> = {};
  for (const tor of lab.topology.tors) {
    const link = linksOf(lab.topology, tor.name).find((l) => l.remote.node === vm.hypervisor);
    if (link === undefined) throw new LabError('ERR_LAB_ARGUMENT', `${tor.name} is not cabled to ${vm.hypervisor}`);
    const routes = await routesIn(lab.ns(tor.name));
    const r4 = routes.find((r) => r.dst === vm.ipv4);
    const r6 = routes.find((r) => r.dst === vm.ipv6);
    out[tor.name] = {
      v4: r4 !== undefined && r4.nextHops.length === 1 && r4.nextHops[0] === `${link.remote.ipv4} dev ${link.local.ifname}`,
      v6: r6 !== undefined && r6.nextHops.length === 1 && r6.nextHops[0]!.endsWith(` dev ${link.local.ifname}`),
    };
  }
  return out;
}

/** True when every ToR has (present) or none has (absent) the VM's /32 and /128 (any next hop). */
export async function torsHaveVm(lab: E2eLab, vm: Pick<VmNode, 'ipv4' | 'ipv6'>, present: boolean): Promise<boolean> {
  for (const tor of lab.topology.tors) {
    const dsts = new Set((await routesIn(lab.ns(tor.name))).map((r) => r.dst));
    if (dsts.has(vm.ipv4) !== present || dsts.has(vm.ipv6) !== present) return false;
  }
  return true;
}

/** One ping (c packets, 0.2 s apart) from a namespace; true when every reply came. */
export async function pings(ns: string, dst: string, count = 2): Promise<boolean> {
  const r = await run(['ip', 'netns', 'exec', ns, 'ping', '-n', `-c${count}`, '-i0.2', '-W2', dst], { allowFail: true, timeoutMs: 20_000 });
  return r.code === 0 && new RegExp(`${count} received`).test(r.stdout);
}

/** Packets sent on each interface so far (`ip -s link`). */
export async function txPackets(ns: string, ifaces: readonly string[]): Promise<Record<string, number>> {
  const r = await run(['ip', '-n', ns, '-s', '-j', 'link', 'show']);
  const links = JSON.parse(r.stdout) as { ifname: string; stats64?: { tx?: { packets?: number } } }[];
  return Object.fromEntries(ifaces.map((i) => [i, links.find((l) => l.ifname === i)?.stats64?.tx?.packets ?? 0]));
}

/**
 * Which of `ifaces` a flow running now leaves `ns` through: the one whose transmit counter grows
 * by at least `minPackets` over `windowMs` (with ping -i 0.01, ~30 packets in 300 ms).
 */
export async function busiestInterface(ns: string, ifaces: readonly string[], windowMs = 300, minPackets = 15): Promise<string> {
  const a = await txPackets(ns, ifaces);
  await new Promise((r) => setTimeout(r, windowMs));
  const b = await txPackets(ns, ifaces);
  const grown = ifaces.map((i) => [i, (b[i] ?? 0) - (a[i] ?? 0)] as const).sort((x, y) => y[1] - x[1]);
  const top = grown[0];
  if (top === undefined || top[1] < minPackets) throw new LabError('ERR_LAB_TIMEOUT', `no flow out of ${ns} on ${ifaces.join('/')}: ${JSON.stringify(grown)}`);
  return top[0];
}

/** A VM added at run time: like the lab's (namespace `<lab>-<name>`, removed with the lab), not in the topology. */
export interface ExtraVm extends Pick<VmNode, 'name' | 'hypervisor' | 'portId' | 'tap' | 'mac' | 'ipv4' | 'ipv6'> {}

/**
 * Creates VM `name` cabled to hypervisor `hv` (eth0 <-> a tap named after its port id) and
 * configured as a guest of the lab's subnet; `n` picks its addresses (10.100.9.n, 2001:db8:100::9:n).
 */
export async function cableExtraVm(lab: E2eLab, hv: string, name: string, n: number): Promise<ExtraVm> {
  const t = lab.topology;
  const ns = lab.ns(name);
  const portId = portIdFor(lab.name, name);
  const vm: ExtraVm = {
    name,
    hypervisor: hv,
    portId,
    tap: tapNameForPort(portId),
    mac: `fa:16:3e:09:00:${n.toString(16).padStart(2, '0')}`,
    ipv4: `10.100.9.${n}`,
    ipv6: `2001:db8:100::9:${n.toString(16)}`,
  };
  await run(['ip', 'netns', 'add', ns]);
  await run(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
  await run(['ip', '-n', lab.ns(hv), 'link', 'add', vm.tap, 'type', 'veth', 'peer', 'name', 'eth0', 'address', vm.mac, 'netns', ns]);
  await run(['ip', '-n', lab.ns(hv), 'link', 'set', vm.tap, 'up']);
  await run(['ip', 'netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0', 'net.ipv6.conf.eth0.accept_dad=0']);
  await run(['ip', '-n', ns, '-batch', '-'], {
    input: [
      'link set eth0 up',
      `addr add ${vm.ipv4}/16 dev eth0`,
      `route add default via ${t.subnet.gateway4} dev eth0`,
      `addr add ${vm.ipv6}/64 dev eth0 nodad noprefixroute`,
      `route add ::/0 via ${t.subnet.gateway6} dev eth0`,
      '',
    ].join('\n'),
  });
  return vm;
}

/** The ports file entry of an extra VM (the file source's format). */
export function portEntry(vm: ExtraVm, gateway4: string): string {
  return [
    `  - id: ${vm.portId}      # ${vm.name}`,
    `    mac: "${vm.mac}"`,
    '    fixed_ips:',
    `      - { address: "${vm.ipv4}", prefix_len: 16, gateway: "${gateway4}" }`,
    `      - { address: "${vm.ipv6}", prefix_len: 64 }`,
    '',
  ].join('\n');
}

/** Polls `check` every 50 ms up to `timeoutMs`; the time it took, in ms. */
export async function timeUntil(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<number> {
  const t0 = performance.now();
  await waitFor(async () => (await check()) || undefined, { timeoutMs, intervalMs: 50, what });
  return performance.now() - t0;
}
