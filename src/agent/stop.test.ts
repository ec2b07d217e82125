// Agent.stop() leaves the kernel as it is: the sessions closing withdraw every learned route in
// the speaker, and none of that may reach the FIB (a restarted agent takes over the routes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from './agent.js';
import { FakeSource, FakeSpeaker } from './fakes.js';
import { Dataplane } from '../dataplane/dataplane.js';
import { FakeKernel } from '../dataplane/fake/fake-kernel.js';
import { LAGLESS_PROTO } from '../dataplane/model.js';
import { parsePrefix } from '../bgp/wire/index.js';
import { silentLogger } from '../lib/log.js';

/** Like a real speaker: stopping takes every session down, and their routes leave the RIB. */
class ClosingSpeaker extends FakeSpeaker {
  override async stop(): Promise<void> {
    this.learn(parsePrefix('0.0.0.0/0'), undefined);
    await new Promise((r) => setTimeout(r, 5)); // the dataplane's auto flush would run meanwhile
    await super.stop();
  }
}

test('stopping the agent withdraws nothing from the kernel', async () => {
  const kernel = new FakeKernel();
  const dataplane = new Dataplane(kernel, { sweepIntervalMs: 0, eventDelayMs: 0, autoFlushMs: 1 });
  const speaker = new ClosingSpeaker();
  const source = new FakeSource();
  const agent = new Agent({ config: { export: { pools: ['10.100.0.0/16'] }, loopback: [] }, source, dataplane, speaker, logger: silentLogger });
  await agent.start();
  source.push([]);
  agent.routingConverged('test');
  speaker.learn(parsePrefix('0.0.0.0/0'), { ecmp: [{ via: '10.255.0.0' }, { via: '10.255.0.2' }] });
  for (let i = 0; i < 5 && kernel.routeProto('0.0.0.0/0', 20) === undefined; i++) await dataplane.flush();
  assert.equal(kernel.routeProto('0.0.0.0/0', 20), LAGLESS_PROTO);
  await agent.stop();
  assert.equal(speaker.stopped, true);
  assert.equal(kernel.routeProto('0.0.0.0/0', 20), LAGLESS_PROTO, 'the learned route stays for the next agent');
});
