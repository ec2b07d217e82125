// Issue 5's proof, part 1, in one lab (demo preset: spine, tor1 + tor2 in AS 65100, hv1 + hv2 each
// cabled to both ToRs, running real lagless agents, 4 VMs): the agents' state through
// `lagless show ... --json`, the fabric's state from the routers' kernels, VM-to-VM traffic across
// hypervisors over IPv4 and IPv6; a port added to the ports file becomes reachable from the other
// hypervisor and, removed, is withdrawn from both ToRs; bad port entries and a broken file are
// reported with path and code while the rest keeps working; a bad config is refused with its
// file, line, path and code.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LAB_METRICS_PORT, portsFileText } from '../clos/agent-config.js';
import { defaultNextHops, kernelRoutes } from '../clos/probe.js';
import { allVms } from '../clos/topology.js';
import { run, waitFor } from '../proc.js';
import { cableExtraVm, pings, portEntry, routesIn, timeUntil, torsHaveVm, torsRouteVm } from './checks.js';
import { E2eLab } from './e2e-lab.js';

let lab: E2eLab;
before(async () => {
  lab = await E2eLab.up('e2a');
});
after(async () => {
  await lab?.down();
});

const HVS = ['hv1', 'hv2'] as const;

test('each agent: both uplinks Established, its ports wired, an ECMP default over both ToRs installed (show --json)', async () => {
  for (const hv of HVS) {
    const peers = await lab.show(hv, 'peers');
    assert.deepEqual(peers.map((p) => [p.name, p.state]), [['tor1', 'Established'], ['tor2', 'Established']], hv);
    for (const p of peers) assert.equal(p.accepted, 2, `${hv} ${p.name}: a default route per family`);
    const status = await lab.show(hv, 'status');
    assert.equal(status.inSync, true);
    assert.deepEqual(status.peers, { up: 2, total: 2 });
    assert.deepEqual(status.ports, { wired: 2, waiting: 0, failed: 0, total: 2 });
    assert.equal(status.sourceIssues, undefined);
    const ports = await lab.show(hv, 'ports');
    assert.deepEqual(ports.map((p) => p.state), ['wired', 'wired']);
    const routes = await lab.show(hv, 'routes');
    for (const prefix of ['0.0.0.0/0', '::/0']) {
      const r = routes.find((x) => x.prefix === prefix);
      assert.ok(r, `${hv}: no ${prefix}`);
      assert.equal(r.installed, true, `${hv} ${prefix} in the FIB`);
      assert.deepEqual(r.paths.filter((p) => p.best || p.ecmp).map((p) => p.peer).sort(), ['tor1', 'tor2'], `${hv} ${prefix}: ECMP over both`);
    }
    // and in the kernel: two next hops, one per uplink, with lagless's protocol
    for (const fam of [4, 6] as const) {
      const hops = await defaultNextHops(lab.ns(hv), fam);
      assert.deepEqual(hops.map((h) => h.split(' dev ')[1]).sort(), ['tor1', 'tor2'], `${hv} IPv${fam}: ${hops.join(', ')}`);
      const def = (await kernelRoutes(lab.ns(hv), fam, ['default'])).find((r) => r.dst === 'default');
      assert.equal(def?.protocol, 'lagless');
    }
  }
});

test('each ToR has every VM\'s /32 and /128 from the right hypervisor', async () => {
  for (const vm of allVms(lab.topology)) {
    assert.deepEqual(await torsRouteVm(lab, vm), { tor1: { v4: true, v6: true }, tor2: { v4: true, v6: true } }, vm.name);
  }
});

test('each agent serves Prometheus /metrics: sessions up, ports wired, ECMP default installed, reconciles counted', async () => {
  const fetchText = `fetch('http://127.0.0.1:${LAB_METRICS_PORT}/metrics').then((r) => r.text()).then((t) => process.stdout.write(t))`;
  for (const hv of HVS) {
    const r = await run(['ip', 'netns', 'exec', lab.ns(hv), process.execPath, '-e', fetchText]);
    const text = r.stdout;
    for (const line of [
      'lagless_bgp_peer_up{peer="tor1"} 1',
      'lagless_bgp_peer_up{peer="tor2"} 1',
      'lagless_bgp_peer_state{peer="tor1"} 6',
      'lagless_ports{state="wired"} 2',
      'lagless_fib_routes{family="ipv4"} 1',
      'lagless_fib_routes{family="ipv6"} 1',
      'lagless_source_in_sync 1',
    ]) {
      assert.ok(text.split('\n').includes(line), `${hv} /metrics has "${line}"`);
    }
    assert.match(text, /^lagless_reconcile_runs_total [1-9]/m, `${hv} counted its reconciles`);
    assert.match(text, /^lagless_bgp_prefixes_advertised\{peer="tor1",family="ipv4"\} [1-9]/m, `${hv} advertised IPv4 prefixes to tor1`);
  }
});

test('VM to VM across hypervisors over IPv4 and IPv6', async () => {
  const left = ['vm1', 'vm2'].map((n) => lab.vm(n));
  const right = ['vm3', 'vm4'].map((n) => lab.vm(n));
  const runs = [];
  for (const a of left) for (const b of right) {
    runs.push(pings(lab.ns(a.name), b.ipv4).then((ok) => [`${a.name} -> ${b.name} ${b.ipv4}`, ok] as const));
    runs.push(pings(lab.ns(b.name), a.ipv6).then((ok) => [`${b.name} -> ${a.name} ${a.ipv6}`, ok] as const));
  }
  for (const [what, ok] of await Promise.all(runs)) assert.ok(ok, what);
});

test('a port added to the file is wired, announced to both ToRs and reachable from the other hypervisor; removed, it is withdrawn and unreachable', async () => {
  const hv = 'hv1';
  const base = portsFileText(lab.topology, lab.topology.hypervisors.find((h) => h.name === hv)!.vms);
  const vm = await cableExtraVm(lab, hv, 'vm9', 9);
  const remote = lab.ns('vm3'); // on hv2

  lab.writePorts(hv, base + portEntry(vm, lab.topology.subnet.gateway4));
  const wiredMs = await timeUntil(async () => (await lab.show(hv, 'ports')).find((p) => p.id === vm.portId)?.state === 'wired', 10_000, 'the new port wired');
  const announcedMs = await timeUntil(async () => Object.values(await torsRouteVm(lab, vm)).every((x) => x.v4 && x.v6), 10_000, 'both ToRs to route the new VM through hv1');
  console.log(`port added: wired (seen by polling show ports) after ${wiredMs.toFixed(0)} ms, on both ToRs ${announcedMs.toFixed(0)} ms later`);
  assert.ok(await pings(remote, vm.ipv4), `vm3 -> ${vm.ipv4}`);
  assert.ok(await pings(remote, vm.ipv6), `vm3 -> ${vm.ipv6}`);
  assert.ok(await pings(lab.ns('vm9'), lab.vm('vm4').ipv4), 'vm9 -> vm4');

  lab.writePorts(hv, base);
  const goneMs = await timeUntil(() => torsHaveVm(lab, vm, false), 10_000, 'both ToRs to drop the removed VM');
  console.log(`port removed: gone from both ToRs after ${goneMs.toFixed(0)} ms`);
  assert.equal((await lab.show(hv, 'ports')).some((p) => p.id === vm.portId), false);
  const hvRoutes = (await routesIn(lab.ns(hv))).map((r) => r.dst);
  assert.ok(!hvRoutes.includes(vm.ipv4) && !hvRoutes.includes(vm.ipv6), `hv1 still routes to the removed VM: ${hvRoutes.join(' ')}`);
  assert.equal(await pings(remote, vm.ipv4, 1), false, 'the removed VM is unreachable over IPv4');
  assert.equal(await pings(remote, vm.ipv6, 1), false, 'the removed VM is unreachable over IPv6');
  // the other ports were never touched
  assert.ok(await pings(remote, lab.vm('vm1').ipv4), 'vm3 -> vm1');
});

test('bad port entries are skipped and reported with path and code (log and show status); the other ports stay wired', async () => {
  const hv = 'hv2';
  const a = lab.hvAccess(hv);
  const good = portsFileText(lab.topology, lab.topology.hypervisors.find((h) => h.name === hv)!.vms);
  const vm3 = lab.vm('vm3');
  const bad = [
    '  - id: bad-mac',
    '    mac: "zz:16:3e:00:00:99"',
    '    fixed_ips: [{ address: "10.100.9.99", prefix_len: 16 }]',
    '  - id: same-address-as-vm3',
    '    mac: "fa:16:3e:00:00:98"',
    `    fixed_ips: [{ address: "${vm3.ipv4}", prefix_len: 16 }]`,
    '',
  ].join('\n');
  lab.writePorts(hv, good + bad);
  const status = await waitFor(async () => {
    const s = await lab.show(hv, 'status');
    return (s.sourceIssues?.length ?? 0) === 2 && s;
  }, { timeoutMs: 10_000, what: 'show status to report two skipped entries' });
  const issues = status.sourceIssues!;
  console.log(`skipped entries: ${issues.map((i) => `${i.path} (line ${i.line}) [${i.code}]`).join('; ')}`);
  assert.equal(issues[0]!.path, 'ports[2].mac');
  assert.equal(issues[0]!.code, 'ERR_PORT_MAC');
  assert.match(issues[1]!.path, /^ports\[3\]/);
  assert.equal(issues[1]!.code, 'ERR_PORT_DUPLICATE');
  assert.ok(issues.every((i) => typeof i.line === 'number'), 'each with its line');
  assert.deepEqual(status.ports, { wired: 2, waiting: 0, failed: 0, total: 2 });
  const text = await lab.cli(['show', 'status', '--socket', a.socket]);
  assert.match(text.stdout, /ports\[2\]\.mac \(line \d+\): .*\[ERR_PORT_MAC\]/);
  const log = readFileSync(a.logFile, 'utf8');
  assert.match(log, /"msg":"port entry skipped".*"path":"ports\[2\]\.mac".*"code":"ERR_PORT_MAC"|"msg":"port entry skipped".*"code":"ERR_PORT_MAC".*"path":"ports\[2\]\.mac"/);
  assert.ok(await pings(lab.ns('vm1'), vm3.ipv4), 'vm1 -> vm3 still');

  // a file that cannot be read as a whole: the last good set stands, status says why
  lab.writePorts(hv, 'ports: [ {id: x, \n');
  const broken = await waitFor(async () => (await lab.show(hv, 'status')).sourceError, { timeoutMs: 10_000, what: 'show status to report the broken file' });
  console.log(`broken ports file: ${broken.message} [${broken.code}]`);
  assert.equal(broken.code, 'ERR_SOURCE_FILE_YAML');
  assert.equal((await lab.show(hv, 'status')).ports.wired, 2);
  assert.ok(await pings(lab.ns('vm1'), vm3.ipv6), 'vm1 -> vm3 over IPv6 still');

  lab.writePorts(hv, good);
  await waitFor(async () => {
    const s = await lab.show(hv, 'status');
    return s.sourceError === undefined && s.sourceIssues === undefined;
  }, { timeoutMs: 10_000, what: 'the problems to clear' });
});

test('a bad config: --check names file, line, path and code and exits 1; --config refuses to start and the running agent is untouched', async () => {
  const a = lab.hvAccess('hv1');
  const bad = join(lab.root, 'agent-bad.yaml');
  const text = readFileSync(a.config, 'utf8').replace(/^asn: \d+$/m, 'asn: 99999999999').replace(/^  maxPrefixes: (\d+)$/m, '  maxPrefixes: $1\n  colour: blue');
  writeFileSync(bad, text);
  const check = await lab.cli(['agent', '--check', bad]);
  assert.equal(check.code, 1, check.stdout + check.stderr);
  console.log(`lagless agent --check:\n${check.stderr.trimEnd().replace(/^/gm, '  ')}`);
  assert.match(check.stderr, new RegExp(`^${bad.replace(/[.]/g, '\\.')}:\\d+:1: asn: .*\\[ERR_CONFIG_ASN\\]$`, 'm'));
  assert.match(check.stderr, /:\d+:3: import\.colour: unknown key.*\[ERR_CONFIG_UNKNOWN_KEY\]$/m);
  const json = await lab.cli(['agent', '--check', bad, '--json']);
  assert.deepEqual((JSON.parse(json.stdout) as { issues: { code: string }[] }).issues.map((i) => i.code).sort(), ['ERR_CONFIG_ASN', 'ERR_CONFIG_UNKNOWN_KEY']);

  const pid = lab.agentPid('hv1');
  const start = await lab.cli(['agent', '--config', bad], { ns: lab.ns('hv1') });
  assert.equal(start.code, 1);
  assert.match(start.stderr, /\[ERR_CONFIG_ASN\]/);
  const s = await lab.show('hv1', 'status');
  assert.equal(s.pid, pid, 'the running agent still answers');
  assert.deepEqual(s.peers, { up: 2, total: 2 });
});
