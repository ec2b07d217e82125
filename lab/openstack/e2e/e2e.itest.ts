// Neutron end to end (issue 6): a real neutron-server (Debian's Zed, ML2 lagless/routed) on a real
// RabbitMQ and MariaDB, and a lab CLOS (1 spine, 2 racks of 2 FRR ToRs and 1 hypervisor) whose
// hypervisors run real `lagless agent`s with the neutron source. VMs are plugged as Nova plugs
// them (a tap named after the port, the port's MAC on the VM side). Everything is started here and
// removed afterwards, even on failure. Tests run in order and build on each other.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../../proc.js';
import { attachVm, unplugVm } from '../../clos/attach-vm.js';
import { kernelRoutes } from '../../clos/probe.js';
import type { Netns } from '../../netns.js';
import { openstack, openstackJson } from '../openstack-cli.js';
import type { ApiPort } from './neutron-api.js';
import { startNeutronLab, type NeutronLab } from './neutron-lab.js';

let lab: NeutronLab;
const vms = new Map<string, Netns>();
const ports = new Map<string, ApiPort>();
let networkId = '';
const subnets = { v4: { id: '', cidr: '10.100.0.0/16', prefixLen: 16, gateway: '10.100.0.1' }, v6: { id: '', cidr: '2001:db8:100::/64', prefixLen: 64, gateway: '' } };

before(async () => {
  lab = await startNeutronLab({ tag: 'nte2e', reportInterval: 2, progress: (l) => console.log(`# ${l}`) });
});

after(async () => {
  await lab?.stop();
});

interface CliAgent {
  ID: string;
  Host: string;
  'Agent Type': string;
  Alive: boolean | string;
  State: boolean | string;
  Binary: string;
}

const tors = () => lab.topology.tors.map((t) => t.name);
const v4Of = (p: ApiPort) => p.fixed_ips.find((f) => !f.ip_address.includes(':'))!.ip_address;
const v6Of = (p: ApiPort) => p.fixed_ips.find((f) => f.ip_address.includes(':'))!.ip_address;

/** Which routers have a route to `address` (a /32 or /128), by name. */
async function routersWith(address: string): Promise<string[]> {
  const fam = address.includes(':') ? 6 : 4;
  const names = [...lab.topology.spines, ...lab.topology.tors].map((r) => r.name);
  const have = await Promise.all(names.map(async (r) => (await kernelRoutes(lab.ns(r), fam)).some((x) => x.dst === address)));
  return names.filter((_, i) => have[i]);
}

async function waitStatus(id: string, status: string, timeoutMs = 30_000): Promise<ApiPort> {
  return waitFor(
    async () => {
      const p = await lab.api.getPort(id);
      return p.status === status ? p : undefined;
    },
    { timeoutMs, intervalMs: 100, what: `port ${id} ${status}` },
  );
}

/** A port bound to `host` (CLI, as an operator or Nova would), and its VM plugged in. */
async function portWithVm(name: string, host: string, network = networkId): Promise<ApiPort> {
  const created = await openstackJson<{ id: string; binding_vif_type: string; binding_host_id: string }>(lab.neutron, ['port', 'create', '--network', network, '--host', host, name]);
  assert.equal(created.binding_vif_type, 'tap', `${name}: bound with vif_type tap`);
  assert.equal(created.binding_host_id, host);
  const port = await lab.api.getPort(created.id);
  await plug(name, host, port);
  ports.set(name, port);
  return port;
}

async function plug(name: string, host: string, port: ApiPort): Promise<void> {
  const fixedIps = port.fixed_ips.map((f) => {
    const s = f.subnet_id === subnets.v6.id ? subnets.v6 : subnets.v4;
    return { address: f.ip_address, prefixLen: s.prefixLen, gateway: s.gateway };
  });
  vms.set(name, await attachVm(lab.scope, lab.hv(host), name, { portId: port.id, mac: port.mac_address, fixedIps }));
}

async function ping(from: string, to: string): Promise<void> {
  const vm = vms.get(from);
  assert.ok(vm, from);
  const r = await vm.exec(['ping', '-c2', '-i0.2', '-W2', to]);
  assert.equal(r.code, 0, `${from} -> ${to}: ${r.stdout}${r.stderr}`);
}

test('two Lagless agents (hv1, hv2) are alive in neutron-server, reporting their BGP peers', { timeout: 60_000 }, async () => {
  await lab.waitAgentsAlive(30_000);
  const list = await openstackJson<CliAgent[]>(lab.neutron, ['network', 'agent', 'list', '--agent-type', 'l2']).catch(async () => openstackJson<CliAgent[]>(lab.neutron, ['network', 'agent', 'list']));
  const ours = list.filter((a) => a['Agent Type'] === 'Lagless agent').sort((a, b) => a.Host.localeCompare(b.Host));
  assert.deepEqual(ours.map((a) => a.Host), ['hv1', 'hv2']);
  for (const a of ours) {
    assert.ok(a.Alive === true || a.Alive === ':-)', `${a.Host} alive: ${String(a.Alive)}`);
    assert.equal(a.Binary, 'lagless-agent');
  }
  const hv1 = await openstackJson<{ configuration: { bgp_peers: Record<string, string>; devices: number } }>(lab.neutron, ['network', 'agent', 'show', ours[0]!.ID]);
  assert.deepEqual(hv1.configuration.bgp_peers, { tor1: 'established', tor2: 'established' });
  assert.equal(hv1.configuration.devices, 0);
});

test('a routed network, ports bound to hv1 and hv2 (vif tap), VMs plugged as Nova would: both ACTIVE, VMs ping each other across racks', { timeout: 120_000 }, async () => {
  const net = await openstackJson<{ id: string; 'provider:network_type': string }>(lab.neutron, ['network', 'create', '--provider-network-type', 'routed', 'net1']);
  assert.equal(net['provider:network_type'], 'routed');
  networkId = net.id;
  const s4 = await openstackJson<{ id: string; gateway_ip: string }>(lab.neutron, ['subnet', 'create', '--network', net.id, '--subnet-range', subnets.v4.cidr, 'sub4']);
  assert.equal(s4.gateway_ip, subnets.v4.gateway);
  subnets.v4.id = s4.id;
  const s6 = await openstackJson<{ id: string; gateway_ip: string }>(lab.neutron, ['subnet', 'create', '--network', net.id, '--ip-version', '6', '--subnet-range', subnets.v6.cidr, 'sub6']);
  subnets.v6 = { ...subnets.v6, id: s6.id, gateway: s6.gateway_ip };

  const t0 = Date.now();
  const p1 = await portWithVm('vm1', 'hv1');
  const p2 = await portWithVm('vm2', 'hv2');
  await Promise.all([waitStatus(p1.id, 'ACTIVE'), waitStatus(p2.id, 'ACTIVE')]);
  console.log(`# two ports created, plugged and ACTIVE in ${Date.now() - t0} ms`);
  // ACTIVE means announced: every ToR and the spine have the /32 and /128 already
  for (const p of [p1, p2]) {
    assert.deepEqual(await routersWith(v4Of(p)), ['spine1', ...tors()], `${v4Of(p)} on every router`);
    assert.deepEqual(await routersWith(v6Of(p)), ['spine1', ...tors()], `${v6Of(p)} on every router`);
  }
  await ping('vm1', v4Of(p2));
  await ping('vm2', v4Of(p1));
  await ping('vm1', v6Of(p2));
  // each agent asked only for its own device
  const asked = (hv: string) => lab.agentLog(hv).filter((l) => l['msg'] === 'ports' && l['component'] === 'source');
  assert.ok(asked('hv1').length > 0 && asked('hv2').length > 0);
  const hv1Agent = (await lab.agents()).find((a) => a.host === 'hv1');
  await waitFor(async () => ((await lab.agents()).find((a) => a.host === 'hv1')?.configurations['devices'] === 1 ? true : undefined), {
    timeoutMs: 10_000,
    what: `hv1 reports 1 wired device (was ${JSON.stringify(hv1Agent?.configurations)})`,
  });
});
