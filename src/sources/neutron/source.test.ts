import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PortSpec } from '../../dataplane/port.js';
import { memoryLogger } from '../../lib/log.js';
import type { SourceError, SourceIssue } from '../source.js';
import { NeutronError } from './errors.js';
import { FakeNeutronRpc, FakeReachability, FakeTapWatcher } from './fakes.js';
import type { OsloCast } from './envelope.js';
import { NeutronSource, TAP_RE } from './source.js';

const RAW: OsloCast = { kind: 'cast', method: 'x', args: {}, context: {} } as unknown as OsloCast;

const spec = (n: number): PortSpec => {
  const id = `${n.toString(16).padStart(8, '0')}-aaaa-4bbb-8ccc-${n.toString(16).padStart(12, '0')}`;
  return {
    id,
    tap: `tap${id.slice(0, 11)}`,
    mac: `fa:16:3e:00:00:${n.toString(16).padStart(2, '0')}`,
    fixedIps: [{ address: `10.0.0.${n}`, prefixLen: 24, gateway: '10.0.0.1' }],
    allowedAddressPairs: [],
    portSecurity: true,
  };
};

async function until(check: () => boolean, what: string, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}
const settle = () => new Promise((r) => setTimeout(r, 30));

function setup(opts: { batchSize?: number } = {}) {
  const rpc = new FakeNeutronRpc('hv1');
  const taps = new FakeTapWatcher();
  const reach = new FakeReachability();
  const { logger, lines } = memoryLogger();
  let wired = 0;
  const source = new NeutronSource({
    rpc,
    taps,
    reachability: () => reach,
    configurations: () => ({ bgp_peers: { tor1: 'Established' }, devices: wired }),
    logger,
    coalesceMs: 1,
    retry: { initialMs: 20, maxMs: 80, factor: 2, jitter: 0 },
    ...(opts.batchSize === undefined ? {} : { batchSize: opts.batchSize }),
  });
  const deliveries: { ports: readonly PortSpec[]; issues: readonly SourceIssue[] }[] = [];
  const errors: SourceError[] = [];
  let inSync = 0;
  source.on('ports', (ports, issues) => deliveries.push({ ports, issues }));
  source.on('in-sync', () => inSync++);
  source.on('error', (e) => errors.push(e));
  const last = () => deliveries.at(-1);
  const ids = () => last()?.ports.map((p) => p.id) ?? [];
  return { rpc, taps, reach, source, deliveries, errors, lines, last, ids, inSync: () => inSync, setWired: (n: number) => (wired = n) };
}

test('tap names: tap + 11 characters of a port UUID', () => {
  assert.ok(TAP_RE.test(spec(1).tap));
  for (const name of ['tap', 'tap1234', 'tapABCDEF01-23', 'eth0', 'tap12345678-123', 'qvo12345678-12']) assert.ok(!TAP_RE.test(name), name);
});

test('start: nothing is asked until the broker is up; then report_state first, one full resync of the local taps only, in-sync', async () => {
  const t = setup();
  const a = spec(1);
  const b = spec(2);
  t.rpc.bind(a);
  t.rpc.bind(b);
  t.taps.add(a.tap);
  t.taps.add(b.tap);
  t.taps.add('tap99999999-99'); // a tap Neutron does not know
  t.taps.add('vethX');
  await t.source.start();
  await settle();
  assert.equal(t.rpc.started, true);
  assert.deepEqual(t.rpc.fetches, []);
  assert.equal(t.inSync(), 0);
  assert.equal(t.deliveries.length, 0);

  t.setWired(2);
  t.rpc.connect();
  assert.equal(t.rpc.reports, 1, 'report_state right after connecting');
  await until(() => t.inSync() === 1, 'in-sync');
  assert.deepEqual(t.rpc.fetches.map((f) => [...f].sort()), [[a.tap, b.tap, 'tap99999999-99'].sort()]);
  assert.deepEqual(t.ids(), [a.id, b.id]);
  assert.deepEqual(t.last()?.issues, []);
  assert.equal(t.deliveries.length, 1);
  assert.ok(t.lines.some((l) => l['msg'] === 'tap ignored: neutron-server knows no port bound here for it' && l['tap'] === 'tap99999999-99'));
  // the configurations are read at each report
  assert.deepEqual(t.rpc.report(), { bgp_peers: { tor1: 'Established' }, devices: 2 });
  await t.source.stop();
  assert.equal(t.rpc.stopped, true);
});

test('taps appearing in a burst are fetched in one call; the ports join the set', async () => {
  const t = setup();
  await t.source.start();
  t.rpc.connect();
  await until(() => t.inSync() === 1, 'in-sync');
  const ports = [3, 4, 5, 6, 7].map(spec);
  for (const p of ports) t.rpc.bind(p);
  for (const p of ports) t.taps.add(p.tap);
  await until(() => t.ids().length === 5, 'five ports');
  assert.equal(t.rpc.fetches.length, 1, JSON.stringify(t.rpc.fetches)); // the resync of no taps asks nothing
  assert.deepEqual([...(t.rpc.fetches[0] ?? [])].sort(), ports.map((p) => p.tap).sort());
  await t.source.stop();
});

test('a full resync asks in batches', async () => {
  const t = setup({ batchSize: 2 });
  const ports = [1, 2, 3, 4, 5].map(spec);
  for (const p of ports) {
    t.rpc.bind(p);
    t.taps.add(p.tap);
  }
  await t.source.start();
  t.rpc.connect();
  await until(() => t.inSync() === 1, 'in-sync');
  assert.deepEqual(t.rpc.fetches.map((f) => f.length), [2, 2, 1]);
  assert.equal(t.ids().length, 5);
  await t.source.stop();
});

test('update_device_up only once the agent says the port is reachable; down only after the tap is gone and the port withdrawn', async () => {
  const t = setup();
  const a = spec(1);
  t.rpc.bind(a);
  await t.source.start();
  t.rpc.connect();
  await until(() => t.inSync() === 1, 'in-sync');
  t.taps.add(a.tap);
  await until(() => t.ids().length === 1, 'port in the set');
  await settle();
  assert.deepEqual(t.rpc.updates, [], 'wired is not enough: nothing before reachability');

  t.reach.set(a.id, true);
  await until(() => t.rpc.ups.length === 1, 'update_device_up');
  assert.deepEqual(t.rpc.updates, [{ up: [a.id], down: [] }]);

  t.taps.remove(a.tap);
  assert.deepEqual(t.ids(), [], 'the port leaves the set at once');
  await settle();
  assert.deepEqual(t.rpc.downs, [], 'still announced: no down yet');
  t.reach.set(a.id, false); // the agent withdrew it
  await until(() => t.rpc.downs.length === 1, 'update_device_down');
  assert.deepEqual(t.rpc.updates.at(-1), { up: [], down: [a.id] });
  await settle();
  assert.equal(t.rpc.updates.length, 2);
  assert.equal(t.source.status().pendingDeviceUpdates, 0);
  await t.source.stop();
});

test('a tap removed before its port was ever reachable: down at once; a reachable event for a port not in the set is ignored', async () => {
  const t = setup();
  const a = spec(1);
  t.rpc.bind(a);
  t.taps.add(a.tap);
  await t.source.start();
  t.rpc.connect();
  await until(() => t.ids().length === 1, 'port');
  t.taps.remove(a.tap);
  await until(() => t.rpc.downs.length === 1, 'down');
  t.reach.set(spec(9).id, true);
  await settle();
  assert.deepEqual(t.rpc.ups, []);
  await t.source.stop();
});

test('a device Neutron describes badly is an issue for that port only, with its code, retried with backoff until it is fixed', async () => {
  const t = setup();
  const good = spec(1);
  const bad = spec(2);
  t.rpc.bind(good);
  t.rpc.bind(bad);
  t.rpc.errors.set(bad.tap, new NeutronError('ERR_NEUTRON_PORT_BAD_ADDRESS', 'device x: fixed_ips.0.ip_address "10.0.0.999" is not an IP address', { field: 'fixed_ips.0.ip_address' }));
  t.taps.add(good.tap);
  t.taps.add(bad.tap);
  await t.source.start();
  t.rpc.connect();
  await until(() => t.inSync() === 1, 'in-sync');
  assert.deepEqual(t.ids(), [good.id]);
  assert.deepEqual(
    t.last()?.issues.map((i) => [i.path, i.code]),
    [[`devices.${bad.tap}.fixed_ips[0].ip_address`, 'ERR_NEUTRON_PORT_BAD_ADDRESS']],
  );
  // retried alone, with growing delays (20, 40, 80 ms)
  await until(() => t.rpc.fetches.filter((f) => f.length === 1 && f[0] === bad.tap).length >= 3, 'three retries', 3000);
  assert.ok(t.rpc.fetches.every((f, i) => i === 0 || (f.length === 1 && f[0] === bad.tap)), JSON.stringify(t.rpc.fetches));
  const warned = t.lines.filter((l) => l['code'] === 'ERR_NEUTRON_PORT_BAD_ADDRESS');
  assert.equal(warned.length, 1, 'logged once, not on every retry');
  t.rpc.errors.delete(bad.tap);
  await until(() => t.ids().length === 2, 'fixed port joins');
  assert.deepEqual(t.last()?.issues, []);
  const n = t.rpc.fetches.length;
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(t.rpc.fetches.length, n, 'no more retries once it is fixed');
  await t.source.stop();
});

test('a good port whose new description is bad keeps its last good description (and the issue is shown)', async () => {
  const t = setup();
  const a = spec(1);
  t.rpc.bind(a);
  t.taps.add(a.tap);
  await t.source.start();
  t.rpc.connect();
  await until(() => t.ids().length === 1, 'port');
  t.rpc.errors.set(a.tap, new NeutronError('ERR_NEUTRON_REPLY', 'device x: neutron-server failed to get its details'));
  t.rpc.notify({ kind: 'port_update', portId: a.id, port: { id: a.id }, raw: RAW });
  await until(() => (t.last()?.issues.length ?? 0) === 1, 'issue');
  assert.deepEqual(t.ids(), [a.id]);
  assert.equal(t.last()?.issues[0]?.code, 'ERR_NEUTRON_REPLY');
  await t.source.stop();
});

test('port_update: a local port is fetched again (and reported up again: Neutron set it to BUILD); others are not asked for', async () => {
  const t = setup();
  const a = spec(1);
  t.rpc.bind(a);
  t.taps.add(a.tap);
  await t.source.start();
  t.rpc.connect();
  await until(() => t.ids().length === 1, 'port');
  t.reach.set(a.id, true);
  await until(() => t.rpc.ups.length === 1, 'up');

  const moved = { ...a, mac: 'fa:16:3e:00:00:99' };
  t.rpc.bind(moved);
  t.rpc.notify({ kind: 'port_update', portId: a.id, port: { id: a.id }, raw: RAW });
  t.rpc.notify({ kind: 'port_update', portId: spec(7).id, port: { id: spec(7).id }, raw: RAW });
  await until(() => t.last()?.ports[0]?.mac === 'fa:16:3e:00:00:99', 'new mac');
  await until(() => t.rpc.ups.length === 2, 'up again after the fetch');
  await settle();
  assert.equal(t.rpc.fetches.length, 2);
  assert.deepEqual(t.rpc.fetches[1], [a.tap]);
  assert.equal(t.source.status().notifications['port_update']?.count, 2);
  await t.source.stop();
});

test('port_delete: the port leaves the set at once, no update_device_down; a fetch in flight does not bring it back', async () => {
  const t = setup();
  const a = spec(1);
  const b = spec(2);
  t.rpc.bind(a);
  t.rpc.bind(b);
  t.taps.add(a.tap);
  t.taps.add(b.tap);
  await t.source.start();
  t.rpc.connect();
  await until(() => t.ids().length === 2, 'ports');
  t.reach.set(a.id, true);
  t.reach.set(b.id, true);
  await until(() => t.rpc.ups.length === 2, 'ups');

  t.rpc.hold();
  t.rpc.notify({ kind: 'port_update', portId: b.id, port: { id: b.id }, raw: RAW });
  await until(() => t.rpc.fetches.length === 2, 'fetch out');
  t.rpc.notify({ kind: 'port_delete', portId: b.id, raw: RAW });
  assert.deepEqual(t.ids(), [a.id]);
  t.rpc.release();
  t.reach.set(b.id, false);
  await settle();
  assert.deepEqual(t.ids(), [a.id]);
  assert.deepEqual(t.rpc.downs, []);
  assert.equal(t.source.status().notifications['port_delete']?.count, 1);
  await t.source.stop();
});

test('network and security-group notifications are recorded (counts, last seen); network_update refetches the ports on it', async () => {
  const t = setup();
  const a = spec(1);
  t.rpc.bind(a, { networkId: 'net-a' });
  t.taps.add(a.tap);
  await t.source.start();
  t.rpc.connect();
  await until(() => t.ids().length === 1, 'port');
  t.rpc.notify({ kind: 'network_update', networkId: 'net-b', network: { id: 'net-b' }, raw: RAW });
  t.rpc.notify({ kind: 'network_update', networkId: 'net-a', network: { id: 'net-a' }, raw: RAW });
  t.rpc.notify({ kind: 'security_groups_member_updated', securityGroups: ['sg1'], raw: RAW });
  t.rpc.notify({ kind: 'security_groups_rule_updated', securityGroups: ['sg1'], raw: RAW });
  t.rpc.notify({ kind: 'network_delete', networkId: 'net-b', raw: RAW });
  t.rpc.notify({ kind: 'other', method: 'something_new', raw: RAW });
  await until(() => t.rpc.fetches.length === 2, 'refetch');
  const n = t.source.status().notifications;
  assert.equal(n['network_update']?.count, 2);
  assert.equal(n['network_update']?.lastAbout, 'net-a');
  assert.equal(n['security_groups_member_updated']?.count, 1);
  assert.equal(n['security_groups_rule_updated']?.count, 1);
  assert.equal(n['network_delete']?.count, 1);
  assert.equal(n['other']?.count, 1);
  assert.ok(t.lines.some((l) => l['msg'] === 'security_groups_member_updated'));
  await t.source.stop();
});

test('broker lost: the last set stands, a new tap waits; after the reconnect a full resync picks everything up and re-sends up', async () => {
  const t = setup();
  const a = spec(1);
  const b = spec(2);
  t.rpc.bind(a);
  t.rpc.bind(b);
  t.taps.add(a.tap);
  await t.source.start();
  t.rpc.connect();
  await until(() => t.ids().length === 1, 'port');
  t.reach.set(a.id, true);
  await until(() => t.rpc.ups.length === 1, 'up');
  const delivered = t.deliveries.length;

  t.rpc.disconnect();
  assert.equal(t.errors.at(-1)?.code, 'ERR_SOURCE_NEUTRON_DISCONNECTED');
  t.taps.add(b.tap);
  await settle();
  assert.equal(t.deliveries.length, delivered, 'nothing changes while the broker is away');
  assert.equal(t.rpc.fetches.length, 1);

  t.rpc.connect();
  await until(() => t.ids().length === 2, 'both ports after the resync');
  assert.deepEqual([...(t.rpc.fetches[1] ?? [])].sort(), [a.tap, b.tap].sort());
  await until(() => t.rpc.ups.length === 2, 'the reachable port is reported up again');
  assert.deepEqual(t.rpc.ups, [a.id, a.id]);
  assert.equal(t.source.status().resyncs, 2);
  await t.source.stop();
});

test('a failed call (timeout) is retried with backoff; the set stands meanwhile; revived brings a resync', async () => {
  const t = setup();
  const a = spec(1);
  t.rpc.bind(a);
  t.taps.add(a.tap);
  await t.source.start();
  t.rpc.failCalls = new NeutronError('ERR_RPC_TIMEOUT', 'fake: no answer');
  t.rpc.connect();
  await until(() => t.rpc.fetches.length >= 2, 'retried');
  assert.equal(t.inSync(), 0);
  assert.equal(t.errors[0]?.code, 'ERR_SOURCE_NEUTRON_RPC');
  assert.equal(t.errors.length, 1, 'the same problem is reported once');
  t.rpc.failCalls = undefined;
  await until(() => t.inSync() === 1, 'in-sync after the retry', 3000);
  assert.deepEqual(t.ids(), [a.id]);
  const n = t.rpc.fetches.length;
  t.rpc.report('revived');
  await until(() => t.rpc.fetches.length === n + 1, 'resync on revived');
  await t.source.stop();
});

test('update_device_list failures (call or device) are retried', async () => {
  const t = setup();
  const a = spec(1);
  const b = spec(2);
  t.rpc.bind(a);
  t.rpc.bind(b);
  t.taps.add(a.tap);
  t.taps.add(b.tap);
  await t.source.start();
  t.rpc.connect();
  await until(() => t.ids().length === 2, 'ports');
  t.rpc.failDevices.add(b.id);
  t.reach.set(a.id, true);
  t.reach.set(b.id, true);
  await until(() => t.rpc.updates.length >= 2, 'a retry');
  assert.deepEqual([...new Set(t.rpc.ups)].sort(), [a.id, b.id].sort());
  assert.equal(t.rpc.ups.filter((x) => x === a.id).length, 1, 'what succeeded is not sent again');
  t.rpc.failDevices.clear();
  await until(() => t.source.status().pendingDeviceUpdates === 0, 'all told');
  await t.source.stop();
});

test('an administratively down port and a tap bound elsewhere are not wired', async () => {
  const t = setup();
  const a = spec(1);
  const b = spec(2);
  t.rpc.bind(a, { adminStateUp: false });
  t.rpc.bind(b);
  t.rpc.elsewhere.add(b.tap);
  t.taps.add(a.tap);
  t.taps.add(b.tap);
  await t.source.start();
  t.rpc.connect();
  await until(() => t.inSync() === 1, 'in-sync');
  assert.deepEqual(t.ids(), []);
  assert.deepEqual(t.last()?.issues, []);
  await t.source.stop();
});

test('stop: no event afterwards, timers cleared', async () => {
  const t = setup();
  await t.source.start();
  t.rpc.connect();
  await until(() => t.inSync() === 1, 'in-sync');
  await t.source.stop();
  const n = t.deliveries.length;
  t.taps.add(spec(1).tap);
  await settle();
  assert.equal(t.deliveries.length, n);
  assert.equal(t.rpc.fetches.length, 0);
});
