// `lagless lab` end to end, through the real command (a separate process each time, as a user runs
// it): the demo preset with FRR hypervisors (the baseline) comes up and stays up after the command
// exits; sessions, ECMP defaults, VM routes on the ToRs and VM-to-VM pings over IPv4 and IPv6 are
// checked from the nodes themselves; the baseline's per-port script adds and removes a VM's routes;
// a leftover lab is cleaned by the next `lab up`; `lab down`
// leaves no namespace, process or file. A failed build removes what it made.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isRunning, run, waitFor } from '../proc.js';
import { portSpecFor } from './agent-config.js';
import { labUp } from './build.js';
import { PRESETS, topologyFromSpec } from './load.js';
import { kernelRoutes } from './probe.js';
import { readState, stateFile, type LabState } from './state.js';
import type { LabStatus } from './status.js';
import { teardownLab, labNamespaces } from './teardown.js';
import { allVms, linksOf, nsName } from './topology.js';
import { unwirePortByScript, wirePortByScript } from './wire-port.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const NAME = `it${process.pid.toString(36)}`; // per run: namespaces lagless-<NAME>-*
const FAIL_NAME = `itf${process.pid.toString(36)}`;
let root: string;

const lab = (...args: string[]) =>
  run([process.execPath, '--import', 'tsx', MAIN, 'lab', ...args, ...(args[0] === 'exec' ? [] : ['--dir', root])], {
    allowFail: true,
    timeoutMs: 120_000,
    env: { ...process.env, LAGLESS_LAB_DIR: root },
  });

before(() => {
  root = mkdtempSync(join(tmpdir(), 'lagless-lab-itest-'));
  chmodSync(root, 0o755); // FRR (user frr) reads its configs under it
});
after(async () => {
  // whatever a failed assertion left behind
  await teardownLab(root, NAME, { graceMs: 1000 });
  await teardownLab(root, FAIL_NAME, { graceMs: 1000 });
  rmSync(root, { recursive: true, force: true });
});

const state = (): LabState => {
  const s = readState(root, NAME);
  assert.ok(s, 'no state file');
  return s;
};

test('lab up (demo, FRR hypervisors) builds, converges, shows progress, and stays up after the command exits', async () => {
  const r = await lab('up', 'demo', '--hv', 'frr', '--name', NAME, '--timeout', '60');
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`^lab ${NAME} is up \\(`));
  for (let i = 1; i <= 6; i++) assert.match(r.stderr, new RegExp(`^\\[${i}/6\\] `, 'm'));
  assert.match(r.stderr, /\[6\/6\] converging: every session established/);

  const s = state();
  assert.equal(s.phase, 'up');
  assert.equal(Object.keys(s.namespaces).length, 9);
  assert.deepEqual((await labNamespaces(NAME)).sort(), Object.values(s.namespaces).sort());
  assert.ok(s.processes.length >= 10, JSON.stringify(s.processes)); // zebra + bgpd on 3 routers and 2 hypervisors
  for (const p of s.processes) assert.ok(isRunning(p.pid), `${p.label} (${p.pid}) is not running`);
});

test('lab status: every FRR session established, every hypervisor has an ECMP default with two next hops', async () => {
  const r = await lab('status', '--json');
  assert.equal(r.code, 0, r.stderr);
  const st = JSON.parse(r.stdout) as LabStatus;
  const t = state().topology;
  assert.equal(st.routers.length, 3);
  for (const router of st.routers) {
    assert.equal(router.error, null);
    assert.equal(router.sessions.length, linksOf(t, router.name).length, router.name);
    for (const x of router.sessions) assert.equal(x.state, 'established', `${router.name} - ${x.peer}`);
  }
  for (const h of st.hypervisors) {
    assert.equal(h.kind, 'frr');
    assert.deepEqual(h.sessions?.map((x) => x.state), ['established', 'established'], h.name);
    assert.equal(h.defaultRoute.ipv4.length, 2, `${h.name}: ${h.defaultRoute.ipv4}`);
    assert.equal(h.defaultRoute.ipv6.length, 2, `${h.name}: ${h.defaultRoute.ipv6}`);
    const hops = h.defaultRoute.ipv4.map((x) => x.split(' dev ')[1]).sort();
    assert.deepEqual(hops, ['tor1', 'tor2']);
  }
  assert.equal(st.vms.length, 4);
  const text = await lab('status');
  assert.match(text.stdout, /tor1 +tor +rack1 +frr +65100 +3\/3 established/);
});

test('each ToR has every VM\'s /32 and /128 through the VM\'s own hypervisor', async () => {
  const t = state().topology;
  for (const tor of t.tors) {
    const ns = nsName(NAME, tor.name);
    const [v4, v6] = await Promise.all([kernelRoutes(ns, 4), kernelRoutes(ns, 6)]);
    for (const vm of allVms(t)) {
      const link = linksOf(t, tor.name).find((l) => l.remote.node === vm.hypervisor);
      assert.ok(link, `${tor.name} is not cabled to ${vm.hypervisor}`);
      const r4 = v4.find((r) => r.dst === vm.ipv4);
      assert.deepEqual(r4?.nextHops, [`${link.remote.ipv4} dev ${link.local.ifname}`], `${tor.name}: ${vm.ipv4}`);
      assert.equal(r4?.protocol, 'bgp');
      const r6 = v6.find((r) => r.dst === vm.ipv6);
      assert.equal(r6?.nextHops.length, 1, `${tor.name}: ${vm.ipv6}`);
      assert.match(r6!.nextHops[0]!, new RegExp(` dev ${link.local.ifname}$`));
    }
  }
});

test('lab exec: VM to VM across hypervisors over IPv4 and IPv6; unknown nodes are coded errors', async () => {
  const p4 = await lab('exec', 'vm1', '--', 'ping', '-c2', '-i0.2', '-W2', '10.100.0.13');
  assert.equal(p4.code, 0, p4.stdout + p4.stderr);
  assert.match(p4.stdout, /2 received/);
  const p6 = await lab('exec', 'vm4', '--', 'ping', '-c2', '-i0.2', '-W2', '2001:db8:100::12');
  assert.equal(p6.code, 0, p6.stdout + p6.stderr);
  assert.match(p6.stdout, /2 received/);
  // the exit code of the command is the exit code of lab exec
  const miss = await lab('exec', 'vm1', '--', 'ping', '-c1', '-W1', '10.100.0.99');
  assert.equal(miss.code, 1);
  // vtysh is pointed at the node's own FRR
  const v = await lab('exec', 'hv2', '--', 'vtysh', '-c', 'show bgp summary json');
  assert.equal(v.code, 0, v.stderr);
  assert.equal(JSON.parse(v.stdout).ipv4Unicast.as, 4200000002);

  const bad = await lab('exec', 'vm9', '--', 'true');
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /ERR_LAB_UNKNOWN_NODE/);
  const none = await lab('status', '--name', 'nosuchlab');
  assert.equal(none.code, 1);
  assert.match(none.stderr, /ERR_LAB_NOT_UP/);
});

test('a leftover lab, even one whose state file is gone, is removed by the next lab up', async () => {
  const before = state();
  const oldPids = before.processes.map((p) => p.pid);
  rmSync(stateFile(root, NAME)); // as after a crash: only the namespaces and processes are left
  const r = await lab('up', 'demo', '--hv', 'frr', '--name', NAME);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stderr, new RegExp(`removed a leftover lab "${NAME}" \\(9 namespaces, \\d+ processes\\)`));
  for (const pid of oldPids) assert.equal(isRunning(pid), false, `old pid ${pid} survived`);
  const now = state();
  assert.equal(now.processes.filter((p) => oldPids.includes(p.pid)).length, 0);
  const p = await lab('exec', 'vm2', '--', 'ping', '-c1', '-W2', '10.100.0.14');
  assert.equal(p.code, 0, p.stdout + p.stderr);
});

test('the baseline\'s port script: unwired, FRR withdraws the /32 and /128 from the ToRs; wired again, they come back', async () => {
  const t = state().topology;
  const vm2 = allVms(t).find((v) => v.name === 'vm2')!;
  const hv = { name: nsName(NAME, vm2.hypervisor) };
  const torsHave = async (present: boolean) => {
    for (const tor of t.tors) {
      const ns = nsName(NAME, tor.name);
      const dsts = [...(await kernelRoutes(ns, 4)), ...(await kernelRoutes(ns, 6))].map((r) => r.dst);
      if (dsts.includes(vm2.ipv4) !== present || dsts.includes(vm2.ipv6) !== present) return false;
    }
    return true;
  };
  await unwirePortByScript(hv, portSpecFor(t, vm2));
  await waitFor(() => torsHave(false), { timeoutMs: 10_000, what: 'the ToRs to drop vm2' });
  assert.notEqual((await lab('exec', 'vm4', '--', 'ping', '-c1', '-W1', vm2.ipv4)).code, 0);
  await wirePortByScript(hv, portSpecFor(t, vm2));
  await waitFor(() => torsHave(true), { timeoutMs: 10_000, what: 'the ToRs to learn vm2 again' });
  const p = await lab('exec', 'vm4', '--', 'ping', '-c1', '-W2', vm2.ipv6);
  assert.equal(p.code, 0, p.stdout + p.stderr);
});

test('lab down removes every namespace, process and file of the lab', async () => {
  const s = state();
  const r = await lab('down');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`lab ${NAME} is down: 9 namespaces and \\d+ processes removed`));
  assert.deepEqual(await labNamespaces(NAME), []);
  for (const p of s.processes) assert.equal(isRunning(p.pid), false, `${p.label} (${p.pid}) still running`);
  for (const path of s.paths) assert.equal(existsSync(path), false, `${path} still there`);
  assert.equal(existsSync(s.dir), false);
  const again = await lab('down');
  assert.equal(again.code, 0);
  assert.match(again.stdout, /no lab is up/);
});

test('a build that fails (the agent does not start) removes everything it made', async () => {
  const t = topologyFromSpec(PRESETS.demo!, { name: FAIL_NAME });
  const closed = mkdtempSync(join(tmpdir(), 'lagless-lab-itest-')); // mode 0700: FRR could not read its config
  try {
    await assert.rejects(labUp(t, { root: closed }), (e: Error & { code?: string }) => e.code === 'ERR_LAB_BUILD' && /not searchable by other users/.test(e.message));
  } finally {
    rmSync(closed, { recursive: true, force: true });
  }
  await assert.rejects(
    labUp(t, { root, laglessCommand: ['/bin/sh', '-c', 'echo "no agent here" >&2; exit 3', 'sh'] }),
    (e: Error & { code?: string }) => e.code === 'ERR_LAB_BUILD' && /no agent here/.test(e.message),
  );
  assert.deepEqual(await labNamespaces(FAIL_NAME), []);
  assert.equal(existsSync(join(root, FAIL_NAME)), false);
  const frrDirs = (await run(['ls', '/var/run/frr'], { allowFail: true })).stdout.split('\n').filter((d) => d.startsWith(`lagless-${FAIL_NAME}-`));
  assert.deepEqual(frrDirs, []);
});
