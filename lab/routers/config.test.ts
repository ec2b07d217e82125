// The config builders and parsers of the router starters (pure; the itests prove the daemons accept them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { birdConfig, parseBirdProtocols } from './bird.js';
import { exabgpConfig } from './exabgp.js';
import { frrConfig } from './frr.js';
import { gobgpFromSpec } from './gobgp.js';
import { checkSpec, normalizePeerState, type BgpSpec } from './spec.js';

const spec: BgpSpec = {
  routerId: '10.0.0.1',
  asn: 4200000001,
  neighbors: [
    { address: '10.0.0.2', asn: 65002, localAddress: '10.0.0.1' },
    { address: 'fe80::2', interface: 'eth1', asn: 65003, families: ['ipv6'], localAddress: 'fe80::1' },
  ],
  announce: ['0.0.0.0/0', '10.1.0.0/24', '::/0', '2001:db8::/48'],
  communities: ['65001:100'],
  largeCommunities: ['4200000001:1:2'],
  med: 5,
  nextHop6: 'fd00::1',
};

const isArg = { code: 'ERR_LAB_ARGUMENT' };

test('checkSpec refuses what no daemon could use', () => {
  assert.throws(() => checkSpec({ ...spec, routerId: 'fd00::1' }), isArg);
  assert.throws(() => checkSpec({ ...spec, asn: 0 }), isArg);
  assert.throws(() => checkSpec({ ...spec, asn: 2 ** 32 }), isArg);
  assert.throws(() => checkSpec({ ...spec, announce: ['10.0.0.1'] }), isArg);
  assert.throws(() => checkSpec({ ...spec, neighbors: [{ address: 'fe80::9', asn: 1 }] }), isArg);
  assert.throws(() => checkSpec({ ...spec, communities: ['1:2:3'] }), isArg);
  assert.equal(checkSpec(spec), spec);
});

test('frrConfig: timers, families, originated prefixes with their attributes', () => {
  const c = frrConfig(spec);
  assert.match(c, /^router bgp 4200000001$/m);
  assert.match(c, /^ timers bgp 3 9$/m);
  assert.match(c, /^ neighbor 10\.0\.0\.2 remote-as 65002$/m);
  assert.match(c, /^ neighbor fe80::2 interface eth1$/m);
  assert.match(c, /^  network 0\.0\.0\.0\/0 route-map LL-ORIGINATE$/m);
  assert.match(c, /^  network ::\/0 route-map LL-ORIGINATE$/m);
  assert.match(c, / set large-community 4200000001:1:2/);
  assert.match(c, / set ipv6 next-hop global fd00::1/);
  // fe80::2 is only activated for IPv6
  const v4 = c.slice(c.indexOf('address-family ipv4'), c.indexOf('address-family ipv6'));
  assert.ok(!v4.includes('fe80::2'));
});

test('birdConfig: static routes with attributes, one protocol per neighbour', () => {
  const c = birdConfig(spec);
  assert.match(c, /route 10\.1\.0\.0\/24 blackhole \{ bgp_community\.add\(\(65001,100\)\); bgp_large_community\.add\(\(4200000001,1,2\)\); bgp_med = 5; \};/);
  assert.match(c, /protocol bgp p1 \{\n  local fe80::1 as 4200000001;\n  neighbor fe80::2%eth1 as 65003;\n  interface "eth1";/);
  assert.match(c, /ipv6 \{ import all; export all; next hop address fd00::1; \}/);
});

test('gobgpFromSpec: TOML neighbours and rib add commands with origin igp', () => {
  const { config, routes } = gobgpFromSpec(spec);
  assert.match(config, /neighbor-address = "fe80::2%eth1"/);
  assert.match(config, /afi-safi-name = "ipv6-unicast"/);
  assert.deepEqual(routes[0], ['global', 'rib', 'add', '-a', 'ipv4', '0.0.0.0/0', 'origin', 'igp', 'community', '65001:100', 'large-community', '4200000001:1:2', 'med', '5']);
  assert.equal(routes[3]?.at(-1), 'fd00::1');
});

test('exabgpConfig: needs local addresses, uses next-hop self in the session family', () => {
  const c = exabgpConfig(spec);
  assert.match(c, /route 10\.1\.0\.0\/24 next-hop self community \[ 65001:100 \] large-community \[ 4200000001:1:2 \] med 5;/);
  assert.match(c, /route 2001:db8::\/48 next-hop fd00::1 /);
  assert.match(c, /processes \[ lagless-api \];/);
  assert.throws(() => exabgpConfig({ ...spec, neighbors: [{ address: '10.0.0.2', asn: 1 }] }), isArg);
});

test('normalizePeerState maps every daemon\'s words', () => {
  assert.equal(normalizePeerState('Established'), 'established');
  assert.equal(normalizePeerState('OpenSent'), 'opensent');
  assert.equal(normalizePeerState('BGP_FSM_OPENCONFIRM'), 'openconfirm');
  assert.equal(normalizePeerState('Clearing'), 'unknown');
});

test('parseBirdProtocols finds BGP state and neighbour per protocol', () => {
  const text = [
    'BIRD 2.0.12 ready.',
    'Name       Proto      Table      State  Since         Info',
    'device1    Device     ---        up     13:37:40.379  ',
    '',
    'p0         BGP        ---        up     13:37:45.421  Established   ',
    '  BGP state:          Established',
    '    Neighbor address: 10.0.0.0',
    '    Neighbor AS:      4200000001',
    '',
    'p1         BGP        ---        start  13:37:40.379  Active        Socket: Connection refused',
    '  BGP state:          Active',
    '    Neighbor address: fe80::2%eth1',
  ].join('\n');
  const ps = parseBirdProtocols(text);
  assert.deepEqual(ps.map((p) => [p.name, p.bgpState, p.neighborAddress]), [
    ['device1', undefined, undefined],
    ['p0', 'Established', '10.0.0.0'],
    ['p1', 'Active', 'fe80::2%eth1'],
  ]);
});
