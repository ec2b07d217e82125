// A two-rack CLOS whose spines and ToRs mix FRR and BIRD (per router, from a topology), FRR
// hypervisors: it converges (every session, every ECMP default, every VM route on every router),
// VMs in different racks reach each other over IPv4 and IPv6 through both spines, and cutting a
// hypervisor's cable to one ToR keeps its VMs reachable from the other rack.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, waitFor } from '../proc.js';
import { labUp, whatIsMissing } from './build.js';
import { topologyFromSpec } from './load.js';
import { kernelRoutes } from './probe.js';
import { parseTopologySpec } from './spec.js';
import type { LabState } from './state.js';
import { teardownLab, labNamespaces } from './teardown.js';
import { nsName } from './topology.js';

const NAME = `mx${process.pid.toString(36)}`;
let root: string;
let state: LabState;

before(() => {
  root = mkdtempSync(join(tmpdir(), 'lagless-lab-itest-'));
  chmodSync(root, 0o755);
});
after(async () => {
  await teardownLab(root, NAME, { graceMs: 1000 });
  rmSync(root, { recursive: true, force: true });
});

const ping = (vm: string, dst: string) => run(['ip', 'netns', 'exec', nsName(NAME, vm), 'ping', '-c1', '-W2', dst], { allowFail: true });

test('a mixed FRR/BIRD fabric from a topology file converges', async () => {
  const spec = parseTopologySpec(`
name: ${NAME}
hypervisorKind: frr
vmsPerHypervisor: 1
spines: [{ daemon: frr }, { daemon: bird }]
racks:
  - { tors: [{ daemon: frr }, { daemon: bird }], hypervisors: 2 }
  - { tors: [{ daemon: bird }, { daemon: frr }], hypervisors: 2 }
`);
  assert.ok(spec.ok, JSON.stringify(!spec.ok && spec.issues));
  const lines: string[] = [];
  const r = await labUp(topologyFromSpec(spec.spec), { root, progress: (l) => lines.push(l), convergeTimeoutMs: 60_000 });
  state = r.state;
  assert.equal(r.converged, true, r.missing.join('\n'));
  assert.deepEqual(await whatIsMissing(state.topology, state.routers), []);
  assert.equal((await labNamespaces(NAME)).length, 2 + 4 + 4 + 4);
  assert.equal(state.routers.spine2?.daemon, 'bird');
  assert.equal(state.routers.tor3?.daemon, 'bird');
  assert.ok(lines.some((l) => /^\[3\/6\] routers: spine1 frr, spine2 bird, tor1 frr, tor2 bird, tor3 bird, tor4 frr/.test(l)), lines.join('\n'));
});

test('VMs in different racks reach each other over IPv4 and IPv6; a ToR routes the other rack over both spines', async () => {
  // vm1 on hv1 (rack1), vm4 on hv4 (rack2)
  assert.equal((await ping('vm1', '10.100.0.14')).code, 0);
  assert.equal((await ping('vm4', '2001:db8:100::11')).code, 0);
  const onBird = await kernelRoutes(nsName(NAME, 'tor2'), 4);
  const r = onBird.find((x) => x.dst === '10.100.0.14');
  assert.equal(r?.protocol, 'bird');
  assert.deepEqual(r?.nextHops.map((h) => h.split(' dev ')[1]).sort(), ['spine1', 'spine2']);
});

test('cutting hv1\'s cable to tor1: tor1 reaches hv1 through a spine and the other ToR', async () => {
  await run(['ip', '-n', nsName(NAME, 'tor1'), 'link', 'set', 'hv1', 'down']);
  await waitFor(async () => (await kernelRoutes(nsName(NAME, 'tor1'), 4)).find((x) => x.dst === '10.100.0.11')?.nextHops.every((h) => /dev spine/.test(h)), {
    timeoutMs: 15_000,
    what: 'tor1 to route vm1 through the spines',
  });
  // hv2 (same rack) still hashes some flows to tor1: force vm2's traffic to vm1 through tor1
  const link = state.topology.links.find((l) => l.upper.node === 'tor1' && l.lower.node === 'hv2')!;
  const hv2 = nsName(NAME, 'hv2');
  await run(['ip', '-n', hv2, 'route', 'add', '10.100.0.11/32', 'via', link.upper.ipv4, 'dev', 'tor1']);
  await run(['ip', '-n', hv2, '-6', 'route', 'add', '2001:db8:100::11/128', 'via', link.upper.ipv6, 'dev', 'tor1']);
  // vm2 -> hv2 -> tor1 -> spine -> tor2 -> hv1 -> vm1: five routers on the way, so a TTL of 6 arrives and 5 does not
  const pingTtl = (dst: string, ttl: number) => run(['ip', 'netns', 'exec', nsName(NAME, 'vm2'), 'ping', '-c1', '-W2', '-t', String(ttl), dst], { allowFail: true });
  for (const dst of ['10.100.0.11', '2001:db8:100::11']) {
    // the spines converge a moment after tor1 (until then tor1 -> spine -> tor1 loops): poll
    let through = await pingTtl(dst, 6);
    await waitFor(async () => (through = await pingTtl(dst, 6)).code === 0, { timeoutMs: 15_000, intervalMs: 200, what: `vm2 -> ${dst} through tor1 and a spine` }).catch(() => {});
    assert.equal(through.code, 0, `vm2 -> ${dst} through tor1 and a spine: ${through.stdout}`);
    assert.notEqual((await pingTtl(dst, 5)).code, 0, `vm2 -> ${dst} took a shorter path than through the spine`);
  }
});
