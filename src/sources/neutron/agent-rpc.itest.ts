// End to end against a real neutron-server (Debian's Zed, noauth, ML2 `lagless`/`routed` from
// networking-lagless) on a real MariaDB and a real RabbitMQ, all started here and stopped
// afterwards even on failure. NeutronAgentRpc plays agent `hv-test`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { LabScope } from '../../../lab/netns.js';
import { waitFor } from '../../../lab/proc.js';
import { openstack, openstackJson, startOpenStack, type NeutronServer, type Rabbit } from '../../../lab/openstack/index.js';
import { NeutronAgentRpc } from './agent-rpc.js';
import { AmqpConnection } from './amqp.js';
import { NeutronError } from './errors.js';
import { agentConfigurations, type Notification } from './messages.js';
import { RpcClient } from './rpc.js';

const HOST = 'hv-test';
let scope: LabScope;
let neutron: NeutronServer;
let rabbit: Rabbit;
let rpc: NeutronAgentRpc;
const notifications: Notification[] = [];
const messageErrors: Error[] = [];
const connectionEvents: string[] = [];

before(async () => {
  scope = await LabScope.create('neutron');
  const t0 = Date.now();
  ({ rabbit, neutron } = await startOpenStack(scope));
  console.log(`# RabbitMQ + MariaDB + neutron-server (API and RPC) ready in ${Date.now() - t0} ms`);
  rpc = new NeutronAgentRpc({ url: rabbit.url, host: HOST, callTimeoutMs: 20_000, reportIntervalMs: 1000 });
  rpc.on('notification', (n) => notifications.push(n));
  rpc.on('message-error', (e) => messageErrors.push(e));
  rpc.on('disconnected', () => connectionEvents.push('disconnected'));
  rpc.on('reconnected', () => connectionEvents.push('reconnected'));
  scope.onCleanup('agent rpc', () => rpc.stop());
  rpc.start();
  await rpc.waitConnected(10_000);
});

after(async () => {
  await scope?.cleanup();
});

interface Agent {
  ID: string;
  Host: string;
  'Agent Type': string;
  Alive: boolean | string;
  Binary: string;
}
interface Port {
  id: string;
  status: string;
  binding_vif_type: string;
  binding_vif_details: Record<string, unknown>;
  binding_host_id: string;
  fixed_ips: { ip_address: string; subnet_id: string }[];
}

test('report_state on a timer: first report (start_flag) makes the agent new, then alive; shown as a Lagless agent', { timeout: 60_000 }, async () => {
  const reports: string[] = [];
  const reportErrors: Error[] = [];
  rpc.on('report', (s) => reports.push(s));
  rpc.on('report-error', (e) => reportErrors.push(e));
  let t = Date.now();
  rpc.startReporting(() => agentConfigurations({ '192.0.2.0': 'Established', '192.0.2.2': 'Active' }, 0));
  await waitFor(() => reports.length >= 2, { timeoutMs: 20_000, what: 'two state reports' });
  console.log(`# two timed report_state round trips: ${Date.now() - t} ms`);
  assert.deepEqual(reports.slice(0, 2), ['new', 'alive']);
  assert.deepEqual(reportErrors, []);
  t = Date.now();
  const agents = await openstackJson<Agent[]>(neutron, ['network', 'agent', 'list', '--host', HOST]);
  console.log(`# openstack network agent list: ${Date.now() - t} ms`);
  assert.equal(agents.length, 1, JSON.stringify(agents));
  const a = agents[0]!;
  assert.equal(a['Agent Type'], 'Lagless agent');
  assert.equal(a.Binary, 'lagless-agent');
  assert.ok(a.Alive === true || a.Alive === ':-)', `alive: ${String(a.Alive)}`);
  const shown = await openstackJson<{ configuration: Record<string, unknown> }>(neutron, ['network', 'agent', 'show', a.ID]);
  assert.deepEqual(shown.configuration, { devices: 0, bgp_peers: { '192.0.2.0': 'Established', '192.0.2.2': 'Active' } });
});

test('a port on a routed network bound to hv-test: vif tap, details mapped, ACTIVE after update_device_up, port_delete fanout on delete', { timeout: 120_000 }, async () => {
  // the type driver refuses what a routed network cannot have
  await assert.rejects(openstack(neutron, ['network', 'create', '--provider-network-type', 'routed', '--provider-segment', '5', 'bad1']), /segmentation_id is not allowed on a routed network/);
  await assert.rejects(openstack(neutron, ['network', 'create', '--provider-network-type', 'routed', '--provider-physical-network', 'physnet1', 'bad2']), /physical_network is not allowed on a routed network/);
  const net = await openstackJson<Record<string, unknown>>(neutron, ['network', 'create', '--provider-network-type', 'routed', 'rnet']);
  assert.equal(net['provider:network_type'], 'routed');
  assert.equal(net['provider:segmentation_id'], null);
  assert.equal(net['mtu'], 1500);
  const subnet = await openstackJson<{ id: string; gateway_ip: string }>(neutron, ['subnet', 'create', '--network', 'rnet', '--subnet-range', '10.30.0.0/24', 'rsub']);
  assert.equal(subnet.gateway_ip, '10.30.0.1');
  const subnet6 = await openstackJson<{ id: string; gateway_ip: string }>(neutron, ['subnet', 'create', '--network', 'rnet', '--ip-version', '6', '--subnet-range', '2001:db8:30::/64', 'rsub6']);

  const port = await openstackJson<Port>(neutron, ['port', 'create', '--network', 'rnet', '--host', HOST, '--allowed-address', 'ip-address=10.30.9.0/24', 'p1']);
  assert.equal(port.binding_vif_type, 'tap');
  assert.equal(port.binding_host_id, HOST);
  assert.equal(port.binding_vif_details['port_filter'], true);
  assert.equal(port.binding_vif_details['mac_address'], 'fe:ff:ff:ff:ff:ff');
  assert.equal(port.binding_vif_details['connectivity'], 'l3');
  assert.equal(port.status, 'DOWN');

  const tap = `tap${port.id.slice(0, 11)}`;
  const [r, absent] = await rpc.getPorts([tap, 'tap00000000-00']);
  assert.ok(r && r.kind === 'port', JSON.stringify(r));
  assert.equal(r.device, tap);
  const v4 = port.fixed_ips.find((f) => f.subnet_id === subnet.id)!;
  const v6 = port.fixed_ips.find((f) => f.subnet_id === subnet6.id)!;
  assert.deepEqual(r.port.spec, {
    id: port.id,
    tap,
    mac: r.port.spec.mac,
    fixedIps: [
      { address: v4.ip_address, prefixLen: 24, gateway: '10.30.0.1' },
      { address: v6.ip_address, prefixLen: 64, gateway: subnet6.gateway_ip }, // Neutron's v6 default: the subnet-router anycast address
    ].sort((a, b) => port.fixed_ips.findIndex((f) => f.ip_address === a.address) - port.fixed_ips.findIndex((f) => f.ip_address === b.address)),
    allowedAddressPairs: [{ ipAddress: '10.30.9.0/24', macAddress: r.port.spec.mac }],
    mtu: 1500,
    portSecurity: true,
  });
  assert.match(r.port.spec.mac, /^fa:16:3e(:[0-9a-f]{2}){3}$/);
  assert.equal(r.port.adminStateUp, true);
  assert.deepEqual(absent, { kind: 'absent', device: 'tap00000000-00', reason: 'not-found' });

  await rpc.updateDeviceUp(tap);
  await waitFor(async () => (await openstackJson<Port>(neutron, ['port', 'show', port.id])).status === 'ACTIVE', {
    timeoutMs: 20_000,
    intervalMs: 200,
    what: `port ${port.id} ACTIVE`,
  });

  await openstack(neutron, ['port', 'delete', port.id]);
  const del = await waitFor(() => notifications.find((n) => n.kind === 'port_delete' && n.portId === port.id), {
    timeoutMs: 20_000,
    what: `port_delete fanout for ${port.id}`,
  });
  assert.equal(del.raw.method, 'port_delete');
  assert.ok(rpc.recentNotifications.some((r) => r.notification === del));
  assert.equal(messageErrors.length, 0, messageErrors.map((e) => e.message).join('\n'));
});

test('a port Neutron describes with a value lagless cannot use fails alone; its neighbour maps', { timeout: 120_000 }, async () => {
  // Neutron accepts an MTU of 60 on a network with an IPv4 subnet; lagless refuses it (< 68) for that port only.
  // (no provider type: the tenant network type, routed, is allocated)
  const n60 = await openstackJson<Record<string, unknown>>(neutron, ['network', 'create', '--mtu', '60', 'n60']);
  assert.equal(n60['provider:network_type'], 'routed');
  await openstack(neutron, ['subnet', 'create', '--network', 'n60', '--subnet-range', '10.60.0.0/24', 's60']);
  const bad = await openstackJson<Port>(neutron, ['port', 'create', '--network', 'n60', '--host', HOST, 'p60']);
  const good = await openstackJson<Port>(neutron, ['port', 'create', '--network', 'rnet', '--host', HOST, 'p2']);
  assert.equal(bad.binding_vif_type, 'tap');
  const [g, b] = await rpc.getPorts([`tap${good.id.slice(0, 11)}`, bad.id]);
  assert.equal(g?.kind, 'port', JSON.stringify(g));
  assert.equal(b?.kind, 'error', JSON.stringify(b));
  if (b?.kind !== 'error') return;
  assert.equal(b.device, bad.id);
  assert.equal(b.error.code, 'ERR_NEUTRON_PORT_INVALID_FIELD');
  assert.equal(b.error.field, 'mtu');
});

test('remote failures and timeouts are coded errors; garbage on a fanout is dropped alone', { timeout: 60_000 }, async () => {
  const conn = new AmqpConnection({ url: rabbit.url });
  const client = new RpcClient(conn);
  scope.onCleanup('probe rpc', () => conn.close());
  conn.start();
  await conn.waitConnected(10_000);
  await assert.rejects(client.call('q-plugin', 'no_such_method', {}, { version: '1.9', timeoutMs: 20_000 }), (e: unknown) => {
    assert.ok(e instanceof NeutronError);
    assert.equal(e.code, 'ERR_RPC_REMOTE');
    assert.equal(e.remote?.class, 'NoSuchMethod');
    return true;
  });
  // a topic no queue is bound to (a server not subscribed yet, e.g. just after a broker restart):
  // the broker returns the mandatory call, which fails at once instead of after its 20 s timeout
  await assert.rejects(client.call('q-nobody-listens', 'x', {}, { timeoutMs: 20_000 }), (e: unknown) => e instanceof NeutronError && e.code === 'ERR_RPC_UNROUTABLE');
  // a queue that takes the call but nobody answers: the timeout
  const ch = conn.channel!;
  const silent = await ch.assertQueue('', { exclusive: true });
  await ch.bindQueue(silent.queue, 'neutron', 'q-silent');
  await assert.rejects(client.call('q-silent', 'x', {}, { timeoutMs: 300 }), (e: unknown) => e instanceof NeutronError && e.code === 'ERR_RPC_TIMEOUT');
  assert.equal(client.pendingCalls, 0);

  // Garbage on a fanout the agent listens to is dropped with a coded error; the next cast still arrives.
  const before = messageErrors.length;
  conn.publish('q-agent-notifier-port-delete_fanout', '', Buffer.from('{"oslo.version": "2.0", "oslo.message": "{not json"}'), {});
  conn.publish('q-agent-notifier-port-delete_fanout', '', Buffer.from('{"oslo.version": "2.0", "oslo.message": "{\\"method\\": \\"port_delete\\", \\"args\\": {}}"}'), {});
  client.cast('q-agent-notifier-port-delete', 'port_delete', { port_id: 'after-the-garbage' }, { version: '1.0', fanout: true });
  await waitFor(() => notifications.some((n) => n.kind === 'port_delete' && n.portId === 'after-the-garbage'), { timeoutMs: 10_000, what: 'the cast after the garbage' });
  assert.deepEqual(messageErrors.slice(before).map((e) => (e as NeutronError).code), ['ERR_OSLO_MESSAGE', 'ERR_NEUTRON_NOTIFICATION']);
  await conn.close();
});

test('a broker that is not there: connect attempts back off, waitConnected and calls fail with codes', { timeout: 30_000 }, async () => {
  const conn = new AmqpConnection({ url: 'amqp://guest:guest@127.0.0.1:1/', backoff: { initialMs: 50, maxMs: 400, factor: 2, jitter: 0 } });
  const client = new RpcClient(conn);
  const delays: number[] = [];
  conn.on('connect-failed', (f) => delays.push(f.delayMs));
  conn.start();
  await assert.rejects(conn.waitConnected(1500), (e: unknown) => e instanceof NeutronError && e.code === 'ERR_AMQP_CONNECT');
  await conn.close();
  assert.deepEqual(delays.slice(0, 4), [50, 100, 200, 400]);
  assert.ok(delays.every((d) => d <= 400));
  await assert.rejects(client.call('q-plugin', 'x', {}), (e: unknown) => e instanceof NeutronError && e.code === 'ERR_AMQP_NOT_CONNECTED');
});

test('after the broker drops the connection: reconnected, fanouts re-bound, calls work', { timeout: 120_000 }, async () => {
  // Close only this agent's connection (amqplib's client properties name it), as a network blip would.
  const list = await rabbit.ctl(['list_connections', 'pid', 'client_properties']);
  const ours = list.split('\n').filter((l) => l.includes('amqplib')).map((l) => l.split('\t')[0]!);
  assert.equal(ours.length, 1, list);
  await rabbit.ctl(['close_connection', ours[0]!, 'lagless test: connection drop']);
  await waitFor(() => connectionEvents.includes('reconnected'), { timeoutMs: 20_000, what: 'reconnected' });
  assert.deepEqual(connectionEvents, ['disconnected', 'reconnected']);
  assert.equal(await rpc.reportState({ devices: 1, bgp_peers: {} }), 'alive');
  const port = await openstackJson<Port>(neutron, ['port', 'create', '--network', 'rnet', '--host', HOST, 'p3']);
  await openstack(neutron, ['port', 'delete', port.id]);
  await waitFor(() => notifications.some((n) => n.kind === 'port_delete' && n.portId === port.id), {
    timeoutMs: 20_000,
    what: `port_delete fanout after reconnect for ${port.id}`,
  });
});
