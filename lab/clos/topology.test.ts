import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addToAddress, portIdFor, resolveTopology } from './address-plan.js';
import { ClosError } from './errors.js';
import { PRESETS, isTopologyFile, topologyFromSpec } from './load.js';
import { parseTopologySpec, type TopologySpec } from './spec.js';
import { allVms, findNode, linksOf, nsName, validateTopology, type Topology } from './topology.js';

const codes = (t: Topology) => validateTopology(t).map((i) => i.code);
const demo = () => topologyFromSpec(PRESETS.demo!);

test('demo preset: 1 spine, 2 ToRs sharing AS 65100, 2 hypervisors on both ToRs, 4 VMs in one subnet', () => {
  const t = demo();
  assert.deepEqual(validateTopology(t), []);
  assert.deepEqual(t.spines.map((s) => [s.name, s.asn, s.routerId, s.daemon]), [['spine1', 65000, '10.0.2.1', 'frr']]);
  assert.deepEqual(t.tors.map((r) => [r.name, r.rack, r.asn, r.routerId]), [
    ['tor1', 'rack1', 65100, '10.0.1.1'],
    ['tor2', 'rack1', 65100, '10.0.1.2'],
  ]);
  assert.deepEqual(t.hypervisors.map((h) => [h.name, h.kind, h.asn, h.loopback4, h.loopback6]), [
    ['hv1', 'lagless', 4200000001, '10.0.0.1', '2001:db8:ffff::1'],
    ['hv2', 'lagless', 4200000002, '10.0.0.2', '2001:db8:ffff::2'],
  ]);
  assert.deepEqual(allVms(t).map((v) => [v.name, v.hypervisor, v.ipv4, v.ipv6, v.mac, v.prefixLen4, v.prefixLen6]), [
    ['vm1', 'hv1', '10.100.0.11', '2001:db8:100::11', 'fa:16:3e:00:00:01', 16, 64],
    ['vm2', 'hv1', '10.100.0.12', '2001:db8:100::12', 'fa:16:3e:00:00:02', 16, 64],
    ['vm3', 'hv2', '10.100.0.13', '2001:db8:100::13', 'fa:16:3e:00:00:03', 16, 64],
    ['vm4', 'hv2', '10.100.0.14', '2001:db8:100::14', 'fa:16:3e:00:00:04', 16, 64],
  ]);
  assert.deepEqual(t.subnet, { ipv4: '10.100.0.0/16', ipv6: '2001:db8:100::/64', gateway4: '10.100.0.1', gateway6: 'fe80::1' });
  assert.deepEqual(t.pools, { ipv4: '10.100.0.0/16', ipv6: '2001:db8:100::/48' });
  // every hypervisor on both ToRs, every ToR on the spine: /31 + /127 each, ToR/spine on the even address
  assert.deepEqual(
    t.links.map((l) => `${l.upper.node}/${l.upper.ifname} ${l.upper.ipv4} ${l.upper.ipv6} - ${l.lower.node}/${l.lower.ifname} ${l.lower.ipv4} ${l.lower.ipv6}`),
    [
      'spine1/tor1 10.255.0.0 2001:db8:255:: - tor1/spine1 10.255.0.1 2001:db8:255::1',
      'spine1/tor2 10.255.0.2 2001:db8:255::2 - tor2/spine1 10.255.0.3 2001:db8:255::3',
      'tor1/hv1 10.255.0.4 2001:db8:255::4 - hv1/tor1 10.255.0.5 2001:db8:255::5',
      'tor2/hv1 10.255.0.6 2001:db8:255::6 - hv1/tor2 10.255.0.7 2001:db8:255::7',
      'tor1/hv2 10.255.0.8 2001:db8:255::8 - hv2/tor1 10.255.0.9 2001:db8:255::9',
      'tor2/hv2 10.255.0.10 2001:db8:255::a - hv2/tor2 10.255.0.11 2001:db8:255::b',
    ],
  );
  assert.deepEqual(linksOf(t, 'hv2').map((l) => [l.local.ifname, l.remote.node, l.remote.ipv4]), [['tor1', 'tor1', '10.255.0.8'], ['tor2', 'tor2', '10.255.0.10']]);
  assert.equal(nsName(t.name, 'hv1'), 'lagless-demo-hv1');
  assert.equal(findNode(t, 'vm3')?.kind, 'vm');
  assert.equal(findNode(t, 'tor2')?.kind, 'router');
  assert.equal(findNode(t, 'nope'), undefined);
});

test('port ids are UUID-shaped, stable, and their taps are Nova\'s names', () => {
  const t = demo();
  for (const v of allVms(t)) {
    assert.match(v.portId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(v.tap, `tap${v.portId.slice(0, 11)}`);
    assert.ok(v.tap.length <= 15);
  }
  assert.equal(portIdFor('demo', 'vm1'), allVms(demo())[0]!.portId);
  assert.notEqual(portIdFor('demo', 'vm1'), portIdFor('demo', 'vm2'));
});

test('clos preset: 2 spines, 2 racks x 2 ToRs with their own AS, 2 hypervisors per rack cabled inside the rack', () => {
  const t = topologyFromSpec(PRESETS.clos!);
  assert.equal(t.spines.length, 2);
  assert.deepEqual(t.tors.map((r) => `${r.name}:${r.rack}:${r.asn}`), ['tor1:rack1:65100', 'tor2:rack1:65100', 'tor3:rack2:65101', 'tor4:rack2:65101']);
  assert.deepEqual(t.hypervisors.map((h) => `${h.name}:${h.rack}`), ['hv1:rack1', 'hv2:rack1', 'hv3:rack2', 'hv4:rack2']);
  assert.equal(allVms(t).length, 8);
  assert.equal(t.links.length, 2 * 4 + 4 * 2);
  assert.deepEqual(linksOf(t, 'hv3').map((l) => l.remote.node), ['tor3', 'tor4']);
  assert.deepEqual(linksOf(t, 'tor1').map((l) => l.remote.node), ['spine1', 'spine2', 'hv1', 'hv2']);
  // same subnet for VMs in both racks
  assert.equal(allVms(t)[7]!.ipv4, '10.100.0.18');
});

test('overrides: lab name, every hypervisor kind, every router daemon', () => {
  const t = topologyFromSpec(PRESETS.demo!, { name: 't1x', hypervisorKind: 'frr', routerDaemon: 'bird' });
  assert.equal(t.name, 't1x');
  assert.ok(t.hypervisors.every((h) => h.kind === 'frr'));
  assert.ok([...t.spines, ...t.tors].every((r) => r.daemon === 'bird'));
  assert.notEqual(allVms(t)[0]!.portId, allVms(demo())[0]!.portId); // port ids follow the lab name
});

test('validation reports every problem with a path and a code', () => {
  const t = demo();
  const hv1 = t.hypervisors[0]!;
  const vm1 = hv1.vms[0]!;
  const bad: Topology = {
    ...t,
    name: 'Bad-Name',
    tors: [t.tors[0]!, { ...t.tors[1]!, asn: 65101, name: 'hv2' }],
    hypervisors: [
      { ...hv1, asn: 65000, loopback4: '10.100.9.9', vms: [{ ...vm1, ipv4: '10.101.0.5', mac: '01:00:5e:00:00:01' }, { ...hv1.vms[1]!, ipv6: vm1.ipv6, portId: vm1.portId, tap: vm1.tap }] },
      t.hypervisors[1]!,
    ],
  };
  const issues = validateTopology(bad);
  const got = issues.map((i) => `${i.path} ${i.code}`);
  for (const want of [
    'name ERR_LAB_TOPOLOGY_NAME',
    'hypervisors[1].name ERR_LAB_TOPOLOGY_DUPLICATE', // "hv2" is now a ToR too
    'tors[1].asn ERR_LAB_TOPOLOGY_ASN', // rack1's ToRs disagree on the AS
    'hypervisors[0].asn ERR_LAB_TOPOLOGY_ASN', // the spine's AS
    'hypervisors[0].loopback4 ERR_LAB_TOPOLOGY_ADDRESS', // inside the VM pool
    'hypervisors[0].vms[0].ipv4 ERR_LAB_TOPOLOGY_ADDRESS', // outside subnet and pool
    'hypervisors[0].vms[0].mac ERR_LAB_TOPOLOGY_MAC',
    'hypervisors[0].vms[1].ipv6 ERR_LAB_TOPOLOGY_DUPLICATE',
    'hypervisors[0].vms[1].portId ERR_LAB_TOPOLOGY_DUPLICATE',
    'hypervisors[0].vms[1].tap ERR_LAB_TOPOLOGY_DUPLICATE',
  ]) {
    assert.ok(got.includes(want), `missing "${want}" in:\n${got.join('\n')}`);
  }
});

test('validation: racks need spines, hypervisors need ToRs of their own rack, racks need their own AS', () => {
  const twoRacks: TopologySpec = { name: 'x', spines: 0, racks: [{ tors: 1, hypervisors: 1 }, { tors: 1, hypervisors: 1, asn: 65100 }] };
  const t = resolveTopology(twoRacks);
  const c = codes(t);
  assert.ok(c.includes('ERR_LAB_TOPOLOGY_MISSING'), c.join());
  assert.ok(c.includes('ERR_LAB_TOPOLOGY_ASN'), c.join());

  const ok = resolveTopology({ name: 'x', racks: [{ tors: 1, hypervisors: 1 }, { tors: 1, hypervisors: 1 }] });
  assert.deepEqual(validateTopology(ok), []);
  const crossCabled: Topology = { ...ok, links: ok.links.map((l) => (l.lower.node === 'hv1' ? { ...l, upper: { ...l.upper, node: 'tor2' } } : l)) };
  assert.ok(codes(crossCabled).includes('ERR_LAB_TOPOLOGY_LINK'));
  const noUplink: Topology = { ...ok, links: ok.links.filter((l) => l.lower.node !== 'hv2') };
  assert.ok(codes(noUplink).includes('ERR_LAB_TOPOLOGY_NO_UPLINK'));
  const badLink: Topology = { ...ok, links: ok.links.map((l, i) => (i === 0 ? { ...l, lower: { ...l.lower, ipv4: '10.255.0.9' } } : l)) };
  assert.ok(codes(badLink).includes('ERR_LAB_TOPOLOGY_ADDRESS'));
});

test('topologyFromSpec throws one ClosError ERR_LAB_TOPOLOGY carrying the issues', () => {
  assert.throws(
    () => topologyFromSpec({ name: 'x', racks: [{ tors: 1, hypervisors: [{ name: 'hv1' }, { name: 'hv1' }] }] }),
    (e: unknown) => e instanceof ClosError && e.code === 'ERR_LAB_TOPOLOGY' && e.issues.some((i) => i.code === 'ERR_LAB_TOPOLOGY_DUPLICATE'),
  );
});

test('a YAML topology: counts or lists, per-router daemon, per-hypervisor kind, explicit VMs', () => {
  const r = parseTopologySpec(`
name: mylab
spines: [{ daemon: bird }]
racks:
  - tors: [{ name: leaf1 }, { name: leaf2, daemon: bird }]
    hypervisors:
      - { kind: frr, vms: 1 }
      - vms: [{ name: web, ipv4: 10.100.3.4, ipv6: "2001:db8:100::3:4" }]
`);
  assert.ok(r.ok, JSON.stringify(!r.ok && r.issues));
  const t = topologyFromSpec(r.spec);
  assert.deepEqual([...t.spines, ...t.tors].map((x) => `${x.name}:${x.daemon}`), ['spine1:bird', 'leaf1:frr', 'leaf2:bird']);
  assert.deepEqual(t.hypervisors.map((h) => `${h.name}:${h.kind}:${h.vms.map((v) => v.name).join('+')}`), ['hv1:frr:vm1', 'hv2:lagless:web']);
  assert.equal(findNode(t, 'web')?.node.name, 'web');
  assert.deepEqual(linksOf(t, 'hv2').map((l) => l.local.ifname), ['leaf1', 'leaf2']);
});

test('a bad YAML topology: every issue located by line', () => {
  const r = parseTopologySpec(`name: mylab
racks:
  - tors: 0
    hypervisors: [{ kind: ovs, nmae: x }]
spines: lots
`);
  assert.equal(r.ok, false);
  const got = !r.ok ? r.issues.map((i) => `${i.line} ${i.code}`) : [];
  assert.ok(got.includes('3 ERR_LAB_TOPOLOGY_RANGE'), got.join());
  assert.ok(got.includes('4 ERR_LAB_TOPOLOGY_ENUM'), got.join());
  assert.ok(got.includes('4 ERR_LAB_TOPOLOGY_UNKNOWN_KEY'), got.join());
  assert.ok(got.includes('5 ERR_LAB_TOPOLOGY_TYPE'), got.join());
  const y = parseTopologySpec('name: [unclosed');
  assert.equal(y.ok, false);
  assert.equal(!y.ok && y.issues[0]!.code, 'ERR_LAB_TOPOLOGY_YAML');
});

test('presets and files are told apart by their look', () => {
  assert.equal(isTopologyFile('demo'), false);
  assert.equal(isTopologyFile('lab.yaml'), true);
  assert.equal(isTopologyFile('./x'), true);
});

test('addToAddress carries across bytes, IPv4 and IPv6', () => {
  assert.equal(addToAddress('10.255.0.254', 3), '10.255.1.1');
  assert.equal(addToAddress('2001:db8:255::ff', 1), '2001:db8:255::100');
  assert.equal(addToAddress('2001:db8:100::', 0x12), '2001:db8:100::12');
});
