import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from './agent.js';
import { FakeSource, FakeSpeaker } from './fakes.js';
import { Dataplane } from '../dataplane/dataplane.js';
import { FakeKernel } from '../dataplane/fake/fake-kernel.js';
import { LAGLESS_PROTO } from '../dataplane/model.js';
import { parsePrefix } from '../bgp/wire/index.js';
import { silentLogger } from '../lib/log.js';
import type { PortSpec } from '../dataplane/port.js';

const port = (n: number): PortSpec => ({
  id: `port-${n}`,
  tap: `tap${n}`,
  mac: `fa:16:3e:00:00:0${n}`,
  fixedIps: [
    { address: `10.100.0.${10 + n}`, prefixLen: 24, gateway: '10.100.0.1' },
    { address: `2001:db8:100::${10 + n}`, prefixLen: 64 },
  ],
  allowedAddressPairs: [],
  portSecurity: true,
});

async function setup(convergeTimeoutMs = 60_000) {
  const kernel = new FakeKernel();
  const dataplane = new Dataplane(kernel, { sweepIntervalMs: 0, eventDelayMs: 0, routesSyncGate: true });
  const speaker = new FakeSpeaker();
  const source = new FakeSource();
  const agent = new Agent({
    config: { export: { pools: ['10.100.0.0/16', '2001:db8:100::/48'] }, loopback: ['10.0.0.1'] },
    source,
    dataplane,
    speaker,
    logger: silentLogger,
    convergeTimeoutMs,
  });
  const events: string[] = [];
  agent.on('port-reachable', (id) => events.push(`up ${id}`));
  agent.on('port-unreachable', (id) => events.push(`down ${id}`));
  await agent.start();
  return { kernel, dataplane, speaker, source, agent, events };
}

const settle = async (dp: Dataplane) => {
  for (let i = 0; i < 5; i++) {
    await dp.flush();
    await new Promise((r) => setImmediate(r));
  }
};

test('a port is announced only once wired, reachable only once sent, withdrawn when removed', async () => {
  const { kernel, dataplane, speaker, source, agent, events } = await setup();
  source.push([port(1)]);
  await settle(dataplane);
  assert.deepEqual([...speaker.announced], ['10.0.0.1/32'], 'no tap yet: only the loopback');
  kernel.addLink('tap1');
  await settle(dataplane);
  assert.equal(dataplane.portStatus('port-1')?.state, 'wired');
  assert.deepEqual([...speaker.announced].sort(), ['10.0.0.1/32', '10.100.0.11/32', '2001:db8:100::11/128']);
  assert.deepEqual(events, [], 'not reachable before the UPDATE went out');
  speaker.deliver();
  assert.deepEqual(events, ['up port-1']);
  source.push([]);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual([...speaker.announced], ['10.0.0.1/32'], 'withdrawn at once');
  assert.deepEqual(events, ['up port-1', 'down port-1']);
  await agent.stop();
});

test('learned ECMP routes go to the kernel with lagless\'s protocol; withdrawn ones leave', async () => {
  const { kernel, dataplane, speaker, source, agent } = await setup();
  source.push([]);
  speaker.learn(parsePrefix('0.0.0.0/0'), { ecmp: [{ via: '10.255.0.0' }, { via: '10.255.0.2' }] });
  await settle(dataplane);
  assert.equal(kernel.routeProto('0.0.0.0/0', 20), LAGLESS_PROTO);
  speaker.learn(parsePrefix('0.0.0.0/0'), undefined);
  agent.routingConverged('test');
  await settle(dataplane);
  assert.equal(kernel.routeProto('0.0.0.0/0', 20), undefined);
  await agent.stop();
});

test('nothing is removed before routing converged (restart safety)', async () => {
  const { kernel, dataplane, source, agent } = await setup();
  kernel.addRouteByHand({ dst: '0.0.0.0/0', metric: 20, nextHops: [{ via: '10.255.0.0' }] } as never, LAGLESS_PROTO);
  source.push([]);
  await settle(dataplane);
  assert.equal(dataplane.inSync, true, 'ports are in sync with the source');
  assert.equal(dataplane.routesInSync, false);
  assert.equal(kernel.routeProto('0.0.0.0/0', 20), LAGLESS_PROTO, 'kept while routing converges');
  agent.routingConverged('test');
  await settle(dataplane);
  assert.equal(dataplane.routesInSync, true);
  assert.equal(kernel.routeProto('0.0.0.0/0', 20), undefined, 'stale route removed once in sync');
  await agent.stop();
});

test('routing converges a settle time after every uplink is Established, not before', async () => {
  const kernel = new FakeKernel();
  const dataplane = new Dataplane(kernel, { sweepIntervalMs: 0, eventDelayMs: 0, routesSyncGate: true });
  const speaker = new FakeSpeaker();
  const source = new FakeSource();
  const agent = new Agent({
    config: { export: { pools: [] }, loopback: [] },
    source,
    dataplane,
    speaker,
    logger: silentLogger,
    convergence: { peers: ['tor1', 'tor2'], settleMs: 20 },
  });
  await agent.start();
  source.push([]);
  speaker.emit('peer-state', 'tor1', { to: 'established' });
  await new Promise((r) => setTimeout(r, 40));
  assert.equal(dataplane.routesInSync, false, 'one uplink of two');
  speaker.emit('peer-state', 'tor2', { to: 'established' });
  speaker.emit('peer-state', 'tor1', { to: 'idle' });
  await new Promise((r) => setTimeout(r, 40));
  assert.equal(dataplane.routesInSync, false, 'tor1 went down again');
  speaker.emit('peer-state', 'tor1', { to: 'established' });
  for (let i = 0; i < 500 && !dataplane.routesInSync; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(dataplane.routesInSync, true);
  await agent.stop();
});
