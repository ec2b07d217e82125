import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Dataplane, type DataplaneOptions, type PortStatus } from './dataplane.js';
import { FakeKernel } from './fake/fake-kernel.js';
import { MemoryLogger } from './logger.js';
import { LAGLESS_PROTO, LO_LABEL, addrKey, neighKey, routeKey } from './model.js';
import type { PortSpec } from './port.js';

const spec = (n: number, extra: Partial<PortSpec> = {}): PortSpec => ({
  id: `port-${n}`,
  tap: `tap${n}`,
  mac: `02:00:00:00:00:${n.toString(16).padStart(2, '0')}`,
  fixedIps: [
    { address: `10.0.0.${n}`, prefixLen: 24, gateway: '10.0.0.1' },
    { address: `2001:db8::${n}`, prefixLen: 64, gateway: 'fe80::1' },
  ],
  allowedAddressPairs: [],
  portSecurity: true,
  ...extra,
});

async function setup(opts: DataplaneOptions = {}, kernel = new FakeKernel()) {
  const log = new MemoryLogger();
  const dp = new Dataplane(kernel, { logger: log, sweepIntervalMs: 0, backoff: { initialMs: 20, maxMs: 100 }, ...opts });
  const events: string[] = [];
  dp.on('port-wired', (s: PortStatus) => events.push(`wired ${s.id}`));
  dp.on('port-unwired', (s) => events.push(`unwired ${s.id}`));
  dp.on('port-failed', (s: PortStatus) => events.push(`failed ${s.id} ${s.error?.code}`));
  await dp.start();
  return { kernel, dp, log, events };
}

async function until(check: () => boolean, what: string, ms = 1000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('wires a port: firewall, alias, sysctls, routes, neighbours, gateways; a second flush does nothing', async () => {
  const { kernel, dp, events } = await setup();
  kernel.addLink('tap5');
  await kernel.settle();
  dp.setPorts([spec(5)]);
  dp.markInSync();
  const r = await dp.flush();
  assert.equal(r.firewall, 'applied');
  assert.deepEqual(r.failed, []);
  assert.deepEqual(events, ['wired port-5']);
  assert.equal(dp.portStatus('port-5')?.state, 'wired');
  assert.equal(kernel.links.get('tap5')?.alias, 'lagless:port-5');
  assert.equal(kernel.routeProto('10.0.0.5/32', 20), LAGLESS_PROTO);
  assert.equal(kernel.routeProto('2001:db8::5/128', 20), LAGLESS_PROTO);
  assert.equal(kernel.neighbours.get(neighKey({ dev: 'tap5', address: '10.0.0.5', proxy: false }))?.neigh.lladdr, '02:00:00:00:00:05');
  assert.equal(kernel.addresses.get(addrKey({ dev: 'lo', address: '10.0.0.1', prefixLen: 32 }))?.label, LO_LABEL);
  assert.ok(kernel.addresses.has(addrKey({ dev: 'tap5', address: 'fe80::1', prefixLen: 64 })));
  assert.equal(kernel.sysctls.get('net/ipv4/neigh/tap5/proxy_delay'), '0');
  assert.equal(kernel.sysctls.get('net/ipv4/conf/tap5/proxy_arp'), '1');
  assert.equal(kernel.sysctls.get('net/ipv4/ip_forward'), '1');
  assert.ok(kernel.nftTables.has('inet lagless') && kernel.nftTables.has('arp lagless'));

  const applied = kernel.opsApplied;
  const again = await dp.flush();
  assert.equal(again.ops, 0);
  assert.equal(again.commands, 0);
  assert.equal(again.firewall, 'unchanged');
  assert.equal(kernel.opsApplied, applied);
  const full = await dp.sweep(); // compares everything
  assert.equal(full.ops, 0);
  assert.ok(full.untouched > 10);
  await dp.stop();
});

test('before in-sync: no firewall yet, so no port is wired, and nothing is removed', async () => {
  const kernel = new FakeKernel();
  kernel.addLink('tap5');
  await kernel.settle();
  kernel.addRouteByHand({ dst: '10.0.0.99/32', metric: 20, nextHops: [{ dev: 'tap5' }] }, LAGLESS_PROTO); // left from before a restart
  const { dp } = await setup({}, kernel);
  dp.setPorts([spec(5)]);
  const r = await dp.flush();
  assert.equal(r.firewall, 'waiting-sync');
  assert.equal(r.removed, 0);
  assert.equal(dp.portStatus('port-5')?.state, 'pending');
  assert.equal(kernel.routeProto('10.0.0.99/32', 20), LAGLESS_PROTO);
  dp.markInSync();
  const r2 = await dp.flush();
  assert.equal(r2.firewall, 'applied');
  assert.equal(dp.portStatus('port-5')?.state, 'wired');
  assert.equal(kernel.routeProto('10.0.0.99/32', 20), undefined, 'stale owned route removed after in-sync');
  await dp.stop();
});

test('a tap that appears later is wired from its link event, without a flush call', async () => {
  const { kernel, dp, events } = await setup();
  dp.setPorts([spec(7)]);
  dp.markInSync();
  await dp.flush();
  assert.equal(dp.portStatus('port-7')?.state, 'pending-tap');
  kernel.addLink('tap7');
  await until(() => dp.portStatus('port-7')?.state === 'wired', 'port-7 wired');
  assert.deepEqual(events, ['wired port-7']);
  assert.equal(kernel.routeProto('10.0.0.7/32', 20), LAGLESS_PROTO);
  await dp.stop();
});

test('a removed port is unwired completely; the shared gateway goes with the last port using it', async () => {
  const { kernel, dp, events } = await setup();
  kernel.addLink('tap5');
  kernel.addLink('tap6');
  await kernel.settle();
  dp.setPorts([spec(5), spec(6)]);
  dp.markInSync();
  await dp.flush();
  dp.setPorts([spec(6)]);
  await dp.flush();
  assert.deepEqual(events, ['wired port-5', 'wired port-6', 'unwired port-5']);
  assert.equal(kernel.links.get('tap5')?.alias, undefined);
  assert.equal(kernel.routeProto('10.0.0.5/32', 20), undefined);
  assert.equal(kernel.routeProto('2001:db8::5/128', 20), undefined);
  assert.ok(![...kernel.neighbours.values()].some((n) => n.neigh.dev === 'tap5'));
  assert.ok(!kernel.addresses.has(addrKey({ dev: 'tap5', address: 'fe80::1', prefixLen: 64 })));
  assert.equal(kernel.sysctls.get('net/ipv4/conf/tap5/proxy_arp'), '0', 'reset to the default');
  assert.equal(kernel.sysctls.get('net/ipv4/neigh/tap5/proxy_delay'), '80');
  assert.ok(kernel.addresses.has(addrKey({ dev: 'lo', address: '10.0.0.1', prefixLen: 32 })), 'port-6 still uses the gateway');
  assert.equal(dp.portStatus('port-5'), undefined);
  dp.setPorts([]);
  await dp.flush();
  assert.ok(!kernel.addresses.has(addrKey({ dev: 'lo', address: '10.0.0.1', prefixLen: 32 })));
  await dp.stop();
});

test('a tap deleted with its VM: port goes back to pending-tap and is wired again when the tap returns', async () => {
  const { kernel, dp, events } = await setup();
  kernel.addLink('tap5');
  await kernel.settle();
  dp.setPorts([spec(5)]);
  dp.markInSync();
  await dp.flush();
  kernel.removeLink('tap5');
  await until(() => dp.portStatus('port-5')?.state === 'pending-tap', 'pending-tap');
  kernel.addLink('tap5');
  await kernel.settle();
  await until(() => dp.portStatus('port-5')?.state === 'wired', 'wired again');
  assert.deepEqual(events, ['wired port-5', 'unwired port-5', 'wired port-5']);
  assert.equal(kernel.sysctls.get('net/ipv4/neigh/tap5/proxy_delay'), '0', 'new tap got its sysctls');
  assert.equal(kernel.routeProto('10.0.0.5/32', 20), LAGLESS_PROTO);
  await dp.stop();
});

test('drift: a route deleted by hand comes back from its event; a tap set down comes back up with its routes', async () => {
  const { kernel, dp } = await setup();
  kernel.addLink('tap5');
  await kernel.settle();
  dp.setPorts([spec(5)]);
  dp.markInSync();
  await dp.flush();
  assert.ok(kernel.deleteRouteByHand('10.0.0.5/32', 20));
  await until(() => kernel.routeProto('10.0.0.5/32', 20) === LAGLESS_PROTO, 'route restored');
  kernel.setLinkUp('tap5', false); // flushes v4 routes silently, like Linux
  await until(() => kernel.links.get('tap5')?.up === true && kernel.routeProto('10.0.0.5/32', 20) === LAGLESS_PROTO, 'tap up with its route');
  assert.ok(kernel.addresses.has(addrKey({ dev: 'tap5', address: 'fe80::1', prefixLen: 64 })));
  await dp.stop();
});

test('drift: a sysctl and the firewall changed by hand are restored by the sweep', async () => {
  const { kernel, dp } = await setup();
  kernel.addLink('tap5');
  await kernel.settle();
  dp.setPorts([spec(5)]);
  dp.markInSync();
  await dp.flush();
  await dp.sweep(); // takes the firewall baseline
  kernel.setSysctlByHand('net/ipv4/neigh/tap5/proxy_delay', '80');
  kernel.nftTables.delete('arp lagless');
  const r = await dp.sweep();
  assert.equal(kernel.sysctls.get('net/ipv4/neigh/tap5/proxy_delay'), '0');
  assert.equal(r.firewall, 'applied');
  assert.ok(kernel.nftTables.has('arp lagless'));
  await dp.stop();
});

test('one failing object fails alone, is logged with its code and retried with backoff until it works', async () => {
  const { kernel, dp, log, events } = await setup({ backoff: { initialMs: 300, maxMs: 600 } });
  kernel.addLink('tap5');
  kernel.addLink('tap6');
  await kernel.settle();
  kernel.failOn((op) => (op.kind === 'route' && op.route.dst === '10.0.0.6/32' ? 'injected' : undefined));
  dp.setPorts([spec(5), spec(6)]);
  dp.markInSync();
  const r = await dp.flush();
  assert.deepEqual(r.failed.map((f) => [f.key, f.code]), [[routeKey('10.0.0.6/32', 20), 'ERR_DP_ROUTE']]);
  assert.equal(dp.portStatus('port-5')?.state, 'wired');
  assert.equal(dp.portStatus('port-6')?.state, 'failed');
  assert.equal(dp.portStatus('port-6')?.error?.code, 'ERR_DP_ROUTE');
  assert.ok(log.codes().includes('ERR_DP_ROUTE'));
  assert.equal(kernel.routeProto('2001:db8::6/128', 20), LAGLESS_PROTO, 'the rest of port-6 is in place');
  // held while its backoff runs: neither an incremental flush nor a full one retries it early
  assert.equal((await dp.flush()).ops, 0);
  const full = await dp.sweep();
  assert.equal(full.held, 1);
  assert.equal(full.ops, 0);
  await until(() => log.lines.filter((l) => l.fields['code'] === 'ERR_DP_ROUTE').length >= 2, 'a retry', 3000);
  kernel.clearFaults();
  await until(() => dp.portStatus('port-6')?.state === 'wired', 'port-6 wired after retry', 3000);
  assert.deepEqual(events, ['wired port-5', 'failed port-6 ERR_DP_ROUTE', 'wired port-6']);
  await dp.stop();
});

test('security fails closed: while the firewall cannot be applied, a new port is not wired', async () => {
  const { kernel, dp } = await setup();
  kernel.addLink('tap5');
  kernel.addLink('tap6');
  await kernel.settle();
  dp.setPorts([spec(5)]);
  dp.markInSync();
  await dp.flush();
  kernel.failFirewall('injected');
  dp.setPorts([spec(5), spec(6)]);
  const r = await dp.flush();
  assert.equal(r.firewall, 'failed');
  assert.equal(dp.portStatus('port-5')?.state, 'wired', 'rules in force still cover port-5');
  assert.equal(dp.portStatus('port-6')?.state, 'failed');
  assert.equal(dp.portStatus('port-6')?.error?.code, 'ERR_DP_FIREWALL');
  assert.equal(kernel.routeProto('10.0.0.6/32', 20), undefined);
  kernel.clearFaults();
  await until(() => dp.portStatus('port-6')?.state === 'wired', 'port-6 wired once the firewall applies');
  await dp.stop();
});

test('a bad port and a port with a taken address fail alone with codes', async () => {
  const { kernel, dp } = await setup();
  kernel.addLink('tap5');
  kernel.addLink('tap6');
  kernel.addLink('tap8');
  await kernel.settle();
  dp.setPorts([spec(5), spec(6, { mac: 'nope' }), spec(8, { fixedIps: [{ address: '10.0.0.5', prefixLen: 24 }] })]);
  dp.markInSync();
  await dp.flush();
  assert.equal(dp.portStatus('port-5')?.state, 'wired');
  assert.equal(dp.portStatus('port-6')?.error?.code, 'ERR_DP_PORT_INVALID');
  assert.equal(dp.portStatus('port-8')?.error?.code, 'ERR_DP_ADDRESS_CONFLICT');
  assert.deepEqual(kernel.routes.get(routeKey('10.0.0.5/32', 20))?.route.nextHops, [{ dev: 'tap5' }]);
  await dp.stop();
});

test('learned ECMP routes: install, change one prefix without touching another, withdraw; a foreign route is never overwritten', async () => {
  const { kernel, dp, log } = await setup();
  kernel.addLink('up1');
  kernel.addLink('up2');
  await kernel.settle();
  kernel.addRouteByHand({ dst: '10.50.0.0/16', metric: 20, nextHops: [{ via: '192.0.2.1', dev: 'up1' }] }, 4); // static, foreign
  dp.markInSync();
  dp.setRoute('0.0.0.0/0', [{ via: 'fe80::a', dev: 'up1' }, { via: 'fe80::b', dev: 'up2' }]);
  dp.setRoute('10.9.0.0/16', [{ via: 'fe80::a', dev: 'up1' }]);
  dp.setRoute('10.50.0.0/16', [{ via: 'fe80::b', dev: 'up2' }]);
  const r1 = await dp.flush();
  assert.equal(kernel.routes.get(routeKey('0.0.0.0/0', 20))?.route.nextHops.length, 2);
  assert.deepEqual(r1.failed.map((f) => f.code), ['ERR_DP_ROUTE_FOREIGN']);
  assert.equal(kernel.routeProto('10.50.0.0/16', 20), 4, 'foreign route untouched');
  assert.ok(log.codes().includes('ERR_DP_ROUTE_FOREIGN'));
  assert.deepEqual(dp.routes().find((x) => x.prefix === '10.50.0.0/16')?.state, 'failed');

  kernel.appliedOps.length = 0;
  dp.setRoute('0.0.0.0/0', [{ via: 'fe80::b', dev: 'up2' }]);
  await dp.flush();
  assert.deepEqual(kernel.appliedOps.map((o) => `${o.action} ${o.key}`), ['replace route 0.0.0.0/0 20'], 'only that prefix');
  dp.setRoute('0.0.0.0/0', undefined);
  await dp.flush();
  assert.equal(kernel.routeProto('0.0.0.0/0', 20), undefined);
  assert.equal(kernel.routeProto('10.9.0.0/16', 20), LAGLESS_PROTO);
  assert.equal(dp.routes().find((x) => x.prefix === '10.9.0.0/16')?.state, 'installed');
  await dp.stop();
});

test('restart: a new dataplane over the same kernel changes nothing that is already right', async () => {
  const kernel = new FakeKernel();
  kernel.addLink('tap5');
  kernel.addLink('tap6');
  kernel.addLink('up1');
  await kernel.settle();
  const first = await setup({}, kernel);
  first.dp.setPorts([spec(5), spec(6)]);
  first.dp.setRoute('0.0.0.0/0', [{ via: 'fe80::a', dev: 'up1' }]);
  first.dp.markInSync();
  await first.dp.flush();
  await first.dp.stop();

  const applies = kernel.applyCalls;
  const fwApplies = kernel.firewallApplies;
  const second = await setup({}, kernel);
  second.dp.setPorts([spec(5)]); // partial view before in-sync: nothing removed
  assert.equal((await second.dp.flush()).ops, 0);
  second.dp.setPorts([spec(5), spec(6)]);
  second.dp.setRoute('0.0.0.0/0', [{ via: 'fe80::a', dev: 'up1' }]);
  second.dp.markInSync();
  const r = await second.dp.flush();
  assert.equal(r.ops, 0);
  assert.equal(r.firewall, 'unchanged', 'the ruleset in force carries the marker of the same script');
  assert.equal(kernel.applyCalls, applies);
  assert.equal(kernel.firewallApplies, fwApplies);
  assert.deepEqual(second.events, ['wired port-5', 'wired port-6']);
  await second.dp.stop();
});

test('stop() removes nothing', async () => {
  const { kernel, dp } = await setup();
  kernel.addLink('tap5');
  await kernel.settle();
  dp.setPorts([spec(5)]);
  dp.markInSync();
  await dp.flush();
  const routes = kernel.routes.size;
  await dp.stop();
  assert.equal(kernel.routes.size, routes);
  assert.equal(kernel.links.get('tap5')?.alias, 'lagless:port-5');
});

test('an object something else keeps changing back is reported as not converging and backs off', async () => {
  const { kernel, dp, log } = await setup();
  kernel.addLink('tap5');
  await kernel.settle();
  dp.setPorts([spec(5)]);
  dp.markInSync();
  await dp.flush();
  for (let i = 0; i < 8; i++) {
    kernel.deleteRouteByHand('10.0.0.5/32', 20);
    await until(() => kernel.routeProto('10.0.0.5/32', 20) !== undefined || log.codes().includes('ERR_DP_NOT_CONVERGING'), 'restore or give up');
    if (log.codes().includes('ERR_DP_NOT_CONVERGING')) break;
  }
  assert.ok(log.codes().includes('ERR_DP_NOT_CONVERGING'));
  await dp.stop();
});
