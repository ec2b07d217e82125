// What the lab gives each node: FRR and BIRD configs, the agent config and ports file (read back by
// the agent's own parsers), the baseline's wiring script, and the parsers of what nodes report.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseConfig } from '../../src/config/load.js';
import { readPortsDocument } from '../../src/sources/file/ports-schema.js';
import { parseYaml } from '../../src/lib/yaml.js';
import { agentConfigText, portSpecFor, portsFileText } from './agent-config.js';
import { birdFabricConfig } from './bird-config.js';
import { frrFabricConfig, frrHypervisorConfig } from './frr-config.js';
import { PRESETS, topologyFromSpec } from './load.js';
import { parseFrrSummary, parseIpRoutes } from './probe.js';
import { allVms } from './topology.js';
import { unwirePortScript, wirePortScript } from './wire-port.js';

const demo = topologyFromSpec(PRESETS.demo!);
const [spine1] = demo.spines;
const [tor1] = demo.tors;
const [hv1] = demo.hypervisors;
const lines = (text: string) => text.split('\n');
const section = (text: string, start: string) => {
  const all = lines(text);
  const i = all.indexOf(start);
  assert.notEqual(i, -1, `no "${start}" in:\n${text}`);
  const end = all.indexOf(' exit-address-family', i);
  return all.slice(i, end);
};

test('FRR ToR: test timers, multipath, default to hypervisors, only VM /32 /128 and loopbacks from them, own AS once from spines', () => {
  const c = frrFabricConfig(demo, tor1!);
  for (const want of [
    'router bgp 65100',
    ' bgp router-id 10.0.1.1',
    ' no bgp ebgp-requires-policy',
    ' bgp bestpath as-path multipath-relax',
    ' timers bgp 3 9',
    ' coalesce-time 50',
    ' neighbor 10.255.0.0 remote-as 65000',
    ' neighbor 10.255.0.5 remote-as 4200000001',
    ' neighbor 10.255.0.9 remote-as 4200000002',
    ' neighbor 10.255.0.5 timers connect 5',
    'ip prefix-list LAB-HV-IN seq 10 permit 10.100.0.0/16 ge 32',
    'ip prefix-list LAB-HV-IN seq 20 permit 10.0.0.1/32',
    'ipv6 prefix-list LAB-HV-IN6 seq 10 permit 2001:db8:100::/48 ge 128',
    'ipv6 prefix-list LAB-HV-IN6 seq 21 permit 2001:db8:ffff::2/128',
  ]) {
    assert.ok(lines(c).includes(want), `missing "${want}" in:\n${c}`);
  }
  const v4 = section(c, ' address-family ipv4 unicast');
  const v6 = section(c, ' address-family ipv6 unicast');
  for (const [af, six] of [[v4, ''], [v6, '6']] as const) {
    assert.ok(af.includes('  maximum-paths 8'));
    assert.ok(af.includes('  neighbor 10.255.0.5 default-originate'));
    assert.ok(af.includes(`  neighbor 10.255.0.5 prefix-list LAB-HV-IN${six} in`));
    assert.ok(af.includes(`  neighbor 10.255.0.5 prefix-list LAB-DEFAULT${six} out`));
    assert.ok(af.includes('  neighbor 10.255.0.0 allowas-in 1'));
    assert.ok(!af.includes('  neighbor 10.255.0.0 default-originate'));
  }
});

test('FRR spine: every ToR, both families, no filters', () => {
  const c = frrFabricConfig(demo, spine1!);
  assert.ok(lines(c).includes(' neighbor 10.255.0.1 remote-as 65100'));
  assert.ok(lines(c).includes(' neighbor 10.255.0.3 remote-as 65100'));
  assert.doesNotMatch(c, /prefix-list|default-originate|allowas-in/);
  assert.ok(section(c, ' address-family ipv6 unicast').includes('  neighbor 10.255.0.3 activate'));
});

test('FRR hypervisor (the baseline): redistribute kernel VM routes inside the pools, loopbacks, no transit', () => {
  const c = frrHypervisorConfig(demo, hv1!);
  assert.ok(lines(c).includes('router bgp 4200000001'));
  assert.ok(lines(c).includes(' neighbor 10.255.0.4 remote-as 65100'));
  assert.ok(lines(c).includes(' neighbor 10.255.0.6 remote-as 65100'));
  assert.ok(lines(c).includes('ip prefix-list LAB-VM-POOL seq 10 permit 10.100.0.0/16 ge 32'));
  const v4 = section(c, ' address-family ipv4 unicast');
  const v6 = section(c, ' address-family ipv6 unicast');
  assert.ok(v4.includes('  redistribute kernel route-map LAB-REDIST-KERNEL'));
  assert.ok(v4.includes('  network 10.0.0.1/32'));
  assert.ok(v6.includes('  redistribute kernel route-map LAB-REDIST-KERNEL6'));
  assert.ok(v6.includes('  network 2001:db8:ffff::1/128'));
  assert.ok(v6.includes('  neighbor 10.255.0.6 prefix-list LAB-HV-OUT6 out'));
  assert.ok(v4.includes('  maximum-paths 8'));
});

test('BIRD ToR and spine: kernel gets BGP routes only (ECMP merged), same policy as FRR', () => {
  const t = topologyFromSpec(PRESETS.demo!, { routerDaemon: 'bird' });
  const tor = birdFabricConfig(t, t.tors[0]!);
  assert.match(tor, /^router id 10\.0\.1\.1;$/m);
  assert.match(tor, /protocol kernel kernel4 \{ ipv4 \{ import none; export where source = RTS_BGP; \}; merge paths on; \}/);
  assert.match(tor, /protocol static default4 \{ ipv4; route 0\.0\.0\.0\/0 unreachable; \}/);
  assert.match(tor, /protocol bgp bgp_hv1 \{\n {2}description "hv1";\n {2}local 10\.255\.0\.4 as 65100;\n {2}neighbor 10\.255\.0\.5 as 4200000001;/);
  assert.match(tor, /ipv4 \{ import where net ~ \[ 10\.100\.0\.0\/16\{32,32\}, 10\.0\.0\.1\/32 \]; export filter lab_default4; \};/);
  assert.match(tor, /ipv6 \{ import where net ~ \[ 2001:db8:100::\/48\{128,128\}, 2001:db8:ffff::1\/128 \]; export filter lab_default6; next hop address 2001:db8:255::4; \};/);
  assert.match(tor, /protocol bgp bgp_spine1 \{[^}]*allow local as 1;/);
  assert.match(tor, /hold time 9; keepalive time 3; connect retry time 5;/);
  const spine = birdFabricConfig(t, t.spines[0]!);
  assert.doesNotMatch(spine, /static|allow local as|lab_default/);
  assert.match(spine, /protocol bgp bgp_tor2 \{/);
});

test('agent config: the agent\'s own parser accepts it; uplinks to both ToRs, VM pools exported, file source, socket', () => {
  const text = agentConfigText(demo, hv1!, { portsFile: '/run/lab/hv1/ports.yaml', socket: '/run/lab/hv1/agent.sock' });
  const r = parseConfig(text, { defaultHost: 'x' });
  assert.ok(r.ok, JSON.stringify(!r.ok && r.issues));
  const c = r.config;
  assert.equal(c.host, 'hv1');
  assert.equal(c.asn, 4200000001);
  assert.equal(c.routerId, '10.0.0.1');
  assert.deepEqual(c.loopback, ['10.0.0.1', '2001:db8:ffff::1']);
  assert.deepEqual(
    c.uplinks.map((u) => [u.name, u.interface, u.peer, u.localAddress, u.peerAsn, u.families.join('+')]),
    [
      ['tor1', 'tor1', '10.255.0.4', '10.255.0.5', 65100, 'ipv4+ipv6'],
      ['tor2', 'tor2', '10.255.0.6', '10.255.0.7', 65100, 'ipv4+ipv6'],
    ],
  );
  assert.deepEqual(c.export.pools, ['10.100.0.0/16', '2001:db8:100::/48']);
  assert.deepEqual(c.source, { type: 'file', path: '/run/lab/hv1/ports.yaml' });
  assert.equal(c.control.socket, '/run/lab/hv1/agent.sock');
  assert.equal(c.dataplane.gatewayV4, '10.100.0.1');
  assert.equal(c.metrics.listen, '127.0.0.1:9180', 'metrics on the hypervisor namespace loopback');
});

test('ports file: the file source reads back exactly the VMs of the hypervisor', () => {
  const vms = hv1!.vms;
  const y = parseYaml(portsFileText(demo, vms), 'ERR_PORT');
  assert.deepEqual(y.issues, []);
  const doc = readPortsDocument(y.value);
  assert.ok(!('fatal' in doc));
  if ('fatal' in doc) return;
  assert.deepEqual(doc.issues, []);
  assert.deepEqual(doc.ports, vms.map((v) => portSpecFor(demo, v)));
  assert.deepEqual(doc.ports.map((p) => p.fixedIps.map((f) => `${f.address}/${f.prefixLen}`)), [['10.100.0.11/16', '2001:db8:100::11/64'], ['10.100.0.12/16', '2001:db8:100::12/64']]);
  const empty = readPortsDocument(parseYaml(portsFileText(demo, []), 'ERR_PORT').value);
  assert.ok(!('fatal' in empty) && empty.ports.length === 0);
});

test('the baseline wiring script is the recipe: tap sysctls, /32 + /128, permanent neighbours, gateways', () => {
  const vm = allVms(demo)[0]!;
  const s = wirePortScript(portSpecFor(demo, vm));
  for (const want of [
    'echo 1 > /proc/sys/net/ipv4/ip_forward',
    `echo 1 > /proc/sys/net/ipv4/conf/${vm.tap}/proxy_arp`,
    `echo 0 > /proc/sys/net/ipv4/neigh/${vm.tap}/proxy_delay`,
    `echo 0 > /proc/sys/net/ipv6/conf/${vm.tap}/accept_ra`,
    `ip route replace 10.100.0.11/32 dev ${vm.tap}`,
    `ip neigh replace 10.100.0.11 lladdr fa:16:3e:00:00:01 dev ${vm.tap} nud permanent`,
    `ip -6 route replace 2001:db8:100::11/128 dev ${vm.tap}`,
    `ip -6 neigh replace 2001:db8:100::11 lladdr fa:16:3e:00:00:01 dev ${vm.tap} nud permanent`,
    'ip addr replace 10.100.0.1/32 dev lo',
    `ip -6 addr replace fe80::1/64 dev ${vm.tap} nodad`,
  ]) {
    assert.ok(lines(s).includes(want), `missing "${want}" in:\n${s}`);
  }
  const u = unwirePortScript(portSpecFor(demo, vm));
  assert.ok(lines(u).includes(`ip route del 10.100.0.11/32 dev ${vm.tap} 2>/dev/null || true`));
  assert.ok(lines(u).includes(`ip -6 neigh del 2001:db8:100::11 dev ${vm.tap} 2>/dev/null || true`));
});

test('parsers: FRR summary (captured from FRR 8.4.4), ip -j route (iproute2 6.1)', () => {
  const frr = JSON.parse(readFileSync(new URL('./testdata/frr-8.4.4-tor-summary.json', import.meta.url), 'utf8'));
  const rows = parseFrrSummary(frr);
  assert.deepEqual(rows.map((r) => [r.peer, r.address, r.asn, r.state]), [
    ['spine1', '10.255.0.0', 65000, 'established'],
    ['hv1', '10.255.0.5', 4200000001, 'established'],
    ['hv2', '10.255.0.9', 4200000002, 'established'],
  ]);
  assert.equal(rows[1]!.received, 6); // 3 IPv4 + 3 IPv6
  assert.ok(rows.every((r) => typeof r.uptimeS === 'number'));
  assert.deepEqual(parseFrrSummary({ ipv4Unicast: { peers: { '10.0.0.1': { state: 'Active', remoteAs: 1 } } } }).map((r) => [r.peer, r.state, r.uptimeS]), [['10.0.0.1', 'active', null]]);
  assert.deepEqual(parseFrrSummary('nonsense'), []);

  const routes = parseIpRoutes(JSON.parse(readFileSync(new URL('./testdata/iproute2-6.1-hv-routes.json', import.meta.url), 'utf8')));
  const def = routes.find((r) => r.dst === 'default');
  assert.deepEqual(def?.nextHops, ['10.255.0.4 dev tor1', '10.255.0.6 dev tor2']);
  assert.equal(def?.protocol, 'bgp');
  assert.ok(routes.some((r) => r.dst === '10.100.0.11' && r.nextHops[0]!.startsWith('dev tap')));
});
