// What `lagless show status` says about the port source: the entries it skipped (path, line, code)
// and a whole-source problem (the last good set stands), cleared by the next good delivery.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from './agent.js';
import { controlProvider } from './control-provider.js';
import { FakeSource, FakeSpeaker } from './fakes.js';
import { Dataplane } from '../dataplane/dataplane.js';
import { FakeKernel } from '../dataplane/fake/fake-kernel.js';
import { silentLogger } from '../lib/log.js';
import { SourceError } from '../sources/source.js';
import { renderStatus } from '../cli/render.js';
import type { Status } from '../control/protocol.js';

test('skipped port entries and a source error are in the status, and leave with the next good view', async () => {
  const dataplane = new Dataplane(new FakeKernel(), { sweepIntervalMs: 0 });
  const source = new FakeSource();
  const agent = new Agent({ config: { export: { pools: ['10.100.0.0/16'] }, loopback: [] }, source, dataplane, speaker: new FakeSpeaker(), logger: silentLogger });
  await agent.start();
  const provider = controlProvider({
    host: 'hv1', version: '0', sourceKind: 'fake', agent,
    peers: () => [], routes: () => [], dataplanePorts: () => dataplane.ports(), dataplaneRoutes: () => dataplane.routes(),
    lastReconcile: () => undefined, now: () => Date.now(),
  });
  const status = () => provider.status({}) as Status;

  source.push([], [{ path: 'ports[1].mac', segments: ['ports', 1, 'mac'], code: 'ERR_PORT_MAC', message: 'expected a MAC address, got "zz"', line: 9, column: 10 }]);
  assert.deepEqual(status().sourceIssues, [{ path: 'ports[1].mac', code: 'ERR_PORT_MAC', message: 'expected a MAC address, got "zz"', line: 9 }]);
  assert.equal(status().sourceError, undefined);
  assert.match(renderStatus(status()), /skipped: +1 port entry of the source:\n +ports\[1\]\.mac \(line 9\): expected a MAC address, got "zz" \[ERR_PORT_MAC\]/);

  source.emit('error', new SourceError('ERR_SOURCE_FILE_YAML', '/x/ports.yaml is not valid YAML/JSON; keeping the last good set of ports'));
  assert.deepEqual(status().sourceError, { code: 'ERR_SOURCE_FILE_YAML', message: '/x/ports.yaml is not valid YAML/JSON; keeping the last good set of ports' });
  assert.match(renderStatus(status()), /source: +cannot read: .*\[ERR_SOURCE_FILE_YAML\]/);

  source.push([]);
  assert.equal(status().sourceIssues, undefined);
  assert.equal(status().sourceError, undefined);
  await agent.stop();
});
